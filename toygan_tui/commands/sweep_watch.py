"""`toygan watch` of a sweep: its table, from its status.json alone (read-only, torch-free),
redrawn when the sweep reports or the terminal is resized; plain lines without a terminal."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live

from toygan_tui.commands.keys import QUIT_KEYS, Keys
from toygan_tui.commands.watch import ended_at
from toygan_tui.core.runfiles.runinfo import RunInfo, run_info
from toygan_tui.core.runfiles.status import STATUS_FILE, read_status
from toygan_tui.core.runfiles.sweepreport import SweepReport, from_dict
from toygan_tui.ui.live import fit_to_screen, wants_live
from toygan_tui.ui.sweep_view import SweepView, plain_lines


def watch_sweep(path: Path, console: Console, interval: float) -> None:
    look = _Looker(path)
    info = _live(look, console, interval) if wants_live(console) else _plain(look, interval)
    if info is not None:
        console.print(ending(info), markup=False, highlight=False, soft_wrap=True)


class _Looker:
    """One look at the sweep's files: its state, its latest report, and whether either moved."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: Any = None

    def poll(self) -> tuple[RunInfo, SweepReport | None, bool]:
        status = read_status(self.path / STATUS_FILE)
        info = run_info(self.path, status=status)
        data = status.data or {}
        report = from_dict(data.get("sweep"), state=info.status) if "sweep" in data else None
        key = (info.status, info.step, data.get("updated"))
        changed, self.seen = key != self.seen, key
        return info, report, changed


def _live(look: _Looker, console: Console, interval: float) -> RunInfo | None:
    shown: tuple[int, int] | None = None
    with Keys() as keys, Live(console=console, auto_refresh=False, transient=False) as live:
        while True:
            info, report, changed = look.poll()
            size = (console.size.width, console.size.height)
            if changed or size != shown:
                live.update(fit_to_screen(SweepView(report, info.run_id)), refresh=True)
                shown = size
            if info.ended:
                return info
            if any(key in QUIT_KEYS for key in keys.wait(interval)):
                return None


def _plain(look: _Looker, interval: float) -> RunInfo:
    while True:
        info, report, changed = look.poll()
        if changed:
            lines = plain_lines(report) if report else [f"sweep {info.run_id}: {info.status}"]
            print("\n".join(lines), flush=True)
        if info.ended:
            return info
        time.sleep(interval)


def ending(info: RunInfo) -> str:
    where = ended_at(info, "sweep")
    if info.status == "finished":
        return f"{where}; sample a member with: toygan sample --ckpt {info.path} --member 1"
    return f"{where}; resume it with: toygan sweep --resume {info.path}"
