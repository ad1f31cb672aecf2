"""`toygan watch`: a training's live view, driven only by the files it writes: a run's dashboard
(from its metrics, frames and status.json), or a sweep's table (from its status.json).

Read-only: the training never learns it is watched, so any number of viewers can come and go.
The files are looked at no more than ~4 times a second (`--refresh` slows it), and a frame is
drawn only when they (or the terminal's size) changed (ui/terminal/watching.py). Imports no
torch: a viewer starts instantly and never competes with training for memory.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rich.console import Console

from toygan_tui.core.errors import UsageError
from toygan_tui.core.runfiles.follow import RunFollower
from toygan_tui.core.runfiles.runinfo import RunInfo, find_run, run_info
from toygan_tui.core.runfiles.status import STATUS_FILE, read_status
from toygan_tui.core.runfiles.sweepreport import from_dict
from toygan_tui.core.runfiles.sweeps import is_sweep
from toygan_tui.ui.dashboard import render
from toygan_tui.ui.format import plain_line
from toygan_tui.ui.history import History
from toygan_tui.ui.overlays import Layers
from toygan_tui.ui.screens import Framed
from toygan_tui.ui.sweep_view import SweepView, plain_lines
from toygan_tui.ui.terminal.viewkeys import drawings
from toygan_tui.ui.terminal.watching import Look, ended_at, follow

MIN_INTERVAL_S = 0.25  # never look (or redraw) more than ~4 times a second


def run_watch(*, run: Path | None, runs_dir: Path, refresh: float) -> None:
    if not (math.isfinite(refresh) and refresh > 0):
        raise UsageError(f"--refresh must be a positive number of seconds, got {refresh}")
    path = find_run(run, runs_dir)
    interval = max(refresh, MIN_INTERVAL_S)
    console = Console()
    sweep = is_sweep(path)
    info = follow(SweepLooker(path) if sweep else RunLooker(path), console, interval)
    if info is not None:
        line = sweep_ending(info) if sweep else ending(info)
        console.print(line, markup=False, highlight=False, soft_wrap=True)


class RunLooker:
    """A run's dashboard: its latest report over the history of every report so far."""

    def __init__(self, path: Path) -> None:
        self.follower = RunFollower(path)
        self.history = History()

    def __call__(self) -> Look:
        update = self.follower.poll()
        if update.reset:  # the metrics file was replaced (a resumed run trimmed it)
            self.history = History()
        for row in update.rows:
            self.history.add_row(row)
        history, snap, info = self.history, update.snapshot, update.info

        def lines() -> list[str]:
            if snap is None:
                return [f"run {info.run_id}: {info.status}, no report yet"]
            return [plain_line(snap)]

        def frame(layers: Layers) -> Framed:
            return render(snap, history, None, layers)

        return Look(info, update.changed, frame, lines, drawings(snap))


class SweepLooker:
    """A sweep's table, from its status.json alone."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: Any = None

    def __call__(self) -> Look:
        status = read_status(self.path / STATUS_FILE)
        info = run_info(self.path, status=status)
        data = status.data or {}
        report = from_dict(data.get("sweep"), state=info.status) if "sweep" in data else None
        key = (info.status, info.step, data.get("updated"))
        changed, self.seen = key != self.seen, key

        def lines() -> list[str]:
            return plain_lines(report) if report else [f"sweep {info.run_id}: {info.status}"]

        return Look(info, changed, lambda layers: SweepView(report, info.run_id), lines)


def ending(info: RunInfo) -> str:
    """The line left under a run's final frame: how it ended, and where to look next."""
    where = ended_at(info)
    if info.status == "finished":
        return f"{where}; sample it with: toygan sample --ckpt {info.path / 'ckpt.pt'}"
    log = info.path / "train.log"
    return f"{where}; its log: {log}" if log.exists() else where


def sweep_ending(info: RunInfo) -> str:
    where = ended_at(info, "sweep")
    if info.status == "finished":
        return f"{where}; sample a member with: toygan sample --ckpt {info.path} --member 1"
    return f"{where}; resume it with: toygan sweep --resume {info.path}"
