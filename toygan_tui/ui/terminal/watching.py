"""Following a training from its files (`toygan watch`), a run's or a sweep's alike: look at the
files every `interval` seconds, draw a frame only when something changed (or the terminal's
size did, or a key toggled a drawing), until the training ends or `q`; plain lines where there
is no terminal. A run's dashboard takes `m` and `a` (G's manifold, the arrows), as `train`'s.

Over SSH every frame costs bandwidth, hence the looks at the files (not a timer) decide.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console
from rich.live import Live

from toygan_tui.core.runfiles.runinfo import RunInfo
from toygan_tui.ui.keybar import WithKeyBar, key_bar
from toygan_tui.ui.live import fit_to_screen, wants_live
from toygan_tui.ui.overlays import NO_LAYERS, Layers
from toygan_tui.ui.screens import Framed
from toygan_tui.ui.terminal.keys import QUIT_KEYS, Keys, key_names
from toygan_tui.ui.terminal.viewkeys import bar_entries, toggle


@dataclass(frozen=True)
class Look:
    """One look at a training's files."""

    info: RunInfo  # its state (running, finished...), step, total
    changed: bool  # whether anything new came since the last look
    frame: Callable[[Layers], Framed]  # what the terminal shows now, with the drawings on
    lines: Callable[[], list[str]]  # what a log gets when something changed
    drawings: tuple[str, ...] = ()  # the drawings the view has, for `m` and `a`


def follow(look: Callable[[], Look], console: Console, interval: float) -> RunInfo | None:
    """Follow until the training ends (its final state: returned) or `q` (None)."""
    if wants_live(console):
        return _live(look, console, interval)
    return _plain(look, interval)


def _live(look: Callable[[], Look], console: Console, interval: float) -> RunInfo | None:
    shown: tuple[object, ...] | None = None
    layers = NO_LAYERS
    with Keys() as keys, Live(console=console, auto_refresh=False, transient=False) as live:
        while True:
            seen = look()
            state = (console.size.width, console.size.height, layers)
            if seen.changed or state != shown:
                live.update(fit_to_screen(_framed(seen, layers, keys)), refresh=True)
                shown = state
            if seen.info.ended:
                return seen.info
            for key in key_names(keys.wait(interval)):  # a key ends the wait at once
                if key in QUIT_KEYS:
                    return None
                layers = toggle(layers, key, seen.drawings) or layers


def _framed(seen: Look, layers: Layers, keys: Keys) -> Framed:
    """The frame, with the key bar while the keys are read and the training goes on."""
    frame = seen.frame(layers)
    if seen.info.ended or keys.fd is None:
        return frame
    return WithKeyBar(frame, key_bar((*bar_entries(seen.drawings), ("q", "quit"))))


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
