"""Following a training from its files (`toygan watch`), a run's or a sweep's alike: look at the
files every `interval` seconds, draw a frame only when something changed (or the terminal's
size did), until the training ends or `q`; plain lines where there is no terminal.

Over SSH every frame costs bandwidth, hence the looks at the files (not a timer) decide.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console
from rich.live import Live

from toygan_tui.core.runfiles.runinfo import RunInfo
from toygan_tui.ui.live import fit_to_screen, wants_live
from toygan_tui.ui.screens import Framed
from toygan_tui.ui.terminal.keys import QUIT_KEYS, Keys


@dataclass(frozen=True)
class Look:
    """One look at a training's files."""

    info: RunInfo  # its state (running, finished...), step, total
    changed: bool  # whether anything new came since the last look
    frame: Callable[[], Framed]  # what the terminal shows now
    lines: Callable[[], list[str]]  # what a log gets when something changed


def follow(look: Callable[[], Look], console: Console, interval: float) -> RunInfo | None:
    """Follow until the training ends (its final state: returned) or `q` (None)."""
    if wants_live(console):
        return _live(look, console, interval)
    return _plain(look, interval)


def _live(look: Callable[[], Look], console: Console, interval: float) -> RunInfo | None:
    shown: tuple[int, int] | None = None
    with Keys() as keys, Live(console=console, auto_refresh=False, transient=False) as live:
        while True:
            seen = look()
            size = (console.size.width, console.size.height)
            if seen.changed or size != shown:
                live.update(fit_to_screen(seen.frame()), refresh=True)
                shown = size
            if seen.info.ended:
                return seen.info
            if any(key in QUIT_KEYS for key in keys.wait(interval)):
                return None


def _plain(look: Callable[[], Look], interval: float) -> RunInfo:
    """Plain lines per change, like `train` without a terminal, until the training ends."""
    while True:
        seen = look()
        if seen.changed:
            print("\n".join(seen.lines()), flush=True)
        if seen.info.ended:
            return seen.info
        time.sleep(interval)


def ended_at(info: RunInfo, kind: str = "run") -> str:
    """'run ID finished at step 10000/10000 (its note)': how a run or sweep ended."""
    where = f"{kind} {info.run_id} {info.status} at step {info.step}/{info.total}"
    return f"{where} ({info.note})" if info.note else where
