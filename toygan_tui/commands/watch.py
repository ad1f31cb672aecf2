"""`toygan watch`: the training dashboard, driven only by the files a run writes.

Read-only: the run never learns it is watched, so any number of viewers can come and go.
Over SSH every frame costs bandwidth, so a frame is drawn only when the data (or the terminal's
size) changed, and the files are looked at no more than ~4 times a second (`--refresh` slows
it). Imports no torch: a viewer starts instantly and never competes with training for memory.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from rich.console import Console
from rich.live import Live

from toygan_tui.commands.keys import QUIT_KEYS, Keys
from toygan_tui.core.errors import UsageError
from toygan_tui.core.runfiles.follow import RunFollower, Update
from toygan_tui.core.runfiles.runinfo import RunInfo, find_run
from toygan_tui.core.runfiles.sweeps import is_sweep
from toygan_tui.ui.dashboard import render
from toygan_tui.ui.format import plain_line
from toygan_tui.ui.history import History
from toygan_tui.ui.live import fit_to_screen, wants_live

MIN_INTERVAL_S = 0.25  # never look (or redraw) more than ~4 times a second


def run_watch(*, run: Path | None, runs_dir: Path, refresh: float) -> None:
    if not (math.isfinite(refresh) and refresh > 0):
        raise UsageError(f"--refresh must be a positive number of seconds, got {refresh}")
    path = find_run(run, runs_dir)
    interval = max(refresh, MIN_INTERVAL_S)
    console = Console()
    if is_sweep(path):
        from toygan_tui.commands.sweep_watch import watch_sweep

        return watch_sweep(path, console, interval)
    follower = RunFollower(path)
    if wants_live(console):
        info = _watch_live(follower, console, interval)
    else:
        info = _watch_plain(follower, interval)
    if info is not None:
        console.print(ending(info), markup=False, highlight=False, soft_wrap=True)


def _watch_live(follower: RunFollower, console: Console, interval: float) -> RunInfo | None:
    """The dashboard until the run ends (its final state: returned) or `q` (None)."""
    history = History()
    shown: tuple[int, int] | None = None
    with Keys() as keys, Live(console=console, auto_refresh=False, transient=False) as live:
        while True:
            update = follower.poll()
            history = _grow(history, update)
            size = (console.size.width, console.size.height)
            if update.changed or size != shown:
                live.update(fit_to_screen(render(update.snapshot, history)), refresh=True)
                shown = size
            if update.info.ended:
                return update.info
            if any(key in QUIT_KEYS for key in keys.wait(interval)):
                return None


def _watch_plain(follower: RunFollower, interval: float) -> RunInfo:
    """One plain line per change, like `train` without a terminal, until the run ends."""
    while True:
        update = follower.poll()
        if update.changed:
            if update.snapshot is not None:
                line = plain_line(update.snapshot)
            else:
                line = f"run {update.info.run_id}: {update.info.status}, no report yet"
            print(line, flush=True)
        if update.info.ended:
            return update.info
        time.sleep(interval)


def _grow(history: History, update: Update) -> History:
    """The history with this update's rows; a fresh one if the metrics file was replaced."""
    if update.reset:
        history = History()
    for row in update.rows:
        history.add_row(row)
    return history


def ended_at(info: RunInfo, kind: str = "run") -> str:
    """'run ID finished at step 10000/10000 (its note)': how a run or sweep ended."""
    where = f"{kind} {info.run_id} {info.status} at step {info.step}/{info.total}"
    return f"{where} ({info.note})" if info.note else where


def ending(info: RunInfo) -> str:
    """The line left under the final frame: how the run ended, and where to look next."""
    where = ended_at(info)
    if info.status == "finished":
        return f"{where}; sample it with: toygan sample --ckpt {info.path / 'ckpt.pt'}"
    log = info.path / "train.log"
    return f"{where}; its log: {log}" if log.exists() else where
