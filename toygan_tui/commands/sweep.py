"""`toygan sweep`: many runs trained together (the grid of options × the seeds), shown as one
table that fills in as they train, safe to interrupt and to resume, like `train`: the same
foreground path (launch/foreground.py), the same keys, the same exit codes.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from toygan_tui.core.errors import UsageError
from toygan_tui.core.sweep_plan import (
    SweepPlan,
    grid_of,
    members,
    parse_seeds,
    read_plan,
    set_label,
    sweep_defaults,
)
from toygan_tui.launch.start import check_device

FORMATS = ("table", "json")
# What a resumed sweep may be given again: options that cannot change the members' numbers.
RESUMABLE = ("steps", "device", "report_every", "save_every")


def run_sweep(
    lists: dict[str, list[Any]], typed: set[str], own: dict[str, Any], child: list[str] | None
) -> None:
    """`lists` holds each typed option of the table as its list of values, `typed` the names of
    every option the user typed, `own` the sweep's own options (seeds, runs_dir, name, live,
    fmt, resume, speed); `child`: --detach's command line for the background sweep (None: in
    the foreground)."""
    fmt, resume = own["fmt"], own["resume"]
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if resume is not None:
        if set(lists) - set(RESUMABLE) or "seeds" in typed:
            raise UsageError("a resumed sweep keeps its seeds and grid; give only --steps, "
                             "--device, --report-every or --save-every")  # fmt: skip
        plan, path = read_plan(resume, {k: v[0] for k, v in lists.items()}), Path(resume)
        if already_finished(plan, path):
            return
        plan = with_folders(plan)
    else:
        plan = with_folders(fresh_plan(lists, parse_seeds(own["seeds"]), typed))
        check_device(plan.first.cfg.device)
        from toygan_tui.core.runfiles.sweeps import claim_sweep_dir

        path = claim_sweep_dir(own["runs_dir"], own["name"])
        plan.write_config(path, plan.first.cfg.device)  # a sweep from now on, for every reader
    if child is not None:
        from toygan_tui.launch.detach import detach_sweep

        return detach_sweep(plan, path, child, resumed=resume is not None)
    from toygan_tui.launch.foreground import run_in_foreground
    from toygan_tui.launch.start import SweepStart

    start = SweepStart.of(plan, path, resume is not None, fmt)
    out = sys.stdout if fmt == "table" else sys.stderr  # json: stdout holds the JSON alone
    run_in_foreground(start, own["live"], own["speed"], out)


def fresh_plan(lists: dict[str, list[Any]], seeds: list[int], typed: set[str]) -> SweepPlan:
    """The plan of a new sweep: the options given several values are the grid's axes."""
    grid, single = grid_of(lists, seeds)
    found = members(grid, {**sweep_defaults(), **single}, typed - {"seeds"})
    labels = [set_label(options) for options in grid.sets]
    return SweepPlan(found, labels, {**grid.spec(), "fixed": _plain(single)})


def with_folders(plan: SweepPlan) -> SweepPlan:
    """Every member's config once its folder (if its problem reads one) has been read, each
    thing the folders say said once."""
    from toygan_tui.core.config import with_data
    from toygan_tui.launch.foreground import warn
    from toygan_tui.ui.terminal.tty import say

    said: set[str] = set()

    def once(tell: Callable[[str], None]) -> Callable[[str], None]:
        def told(line: str) -> None:
            if line not in said:
                said.add(line)
                tell(line)

        return told

    note, warned = once(lambda line: say(f"toygan: {line}")), once(warn)
    found = [dataclasses.replace(m, cfg=with_data(m.cfg, note, warned)) for m in plan.members]
    return dataclasses.replace(plan, members=found)


def already_finished(plan: SweepPlan, path: Path) -> bool:
    """Say so (and how to go further) when the sweep saved its last step; refuse one that
    saved none."""
    from toygan_tui.core.runfiles.saving import read_saved

    step = read_saved(path).get("step")
    if not isinstance(step, int):
        raise UsageError(f"{path}: the sweep saved no checkpoint yet; start it again")
    if step < plan.first.cfg.steps:
        return False
    print(
        f"sweep {path.name} already finished: step {step} of {plan.first.cfg.steps}. "
        f"To train further: toygan sweep --resume {path} --steps N"
    )
    return True


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if isinstance(v, (int, float, str, bool))}
