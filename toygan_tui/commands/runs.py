"""`toygan runs`: every run in the runs directory, newest first, as a table or as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from toygan_tui.core.errors import UsageError
from toygan_tui.core.runfiles.runinfo import list_run_infos, with_diagnosis

FORMATS = ("table", "json")


def run_runs(*, runs_dir: Path, fmt: str) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    infos = [with_diagnosis(info) for info in list_run_infos(runs_dir)]
    if fmt == "json":
        print(json.dumps([info.to_dict() for info in infos], indent=2))
        return
    console = Console()
    if not infos:
        console.print(f"no runs in {runs_dir}; start one with: toygan train", markup=False)
        return
    from toygan_tui.ui.runs_table import runs_table

    console.print(runs_table(infos, console))
