"""Continuing a run from a checkpoint: which run it is, under which options, from which row.

A resumed run is the same run: same directory, same metrics.jsonl, same math. Only options
that cannot change the numbers (steps, device, engine, threads, reporting) may differ.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toygan_tui.core.config import MATH_FIELDS, ConfigError, TrainConfig
from toygan_tui.core.runfiles.rundir import (
    CHECKPOINT_FILE,
    LAST_CHECKPOINT,
    RunDir,
    check_run_id,
)
from toygan_tui.core.training.checkpoint import CheckpointError, config_of, read_checkpoint
from toygan_tui.core.training.keeper import BEST_KIND


@dataclass(frozen=True)
class ResumePoint:
    run: RunDir  # the run directory training continues in
    checkpoint: Path  # the file the state comes from
    data: dict[str, Any]  # its validated contents
    saved: TrainConfig  # the config the run was trained with

    @property
    def step(self) -> int:
        return int(self.data["step"])


def locate(path: Path) -> ResumePoint:
    """PATH as a user gives it to --resume: a run directory, its ckpt.pt, or runs/last.pt."""
    path = Path(path)
    checkpoint = _checkpoint_in(path) if path.is_dir() else path
    data = read_checkpoint(checkpoint)
    if data.get("kind") == BEST_KIND:
        raise CheckpointError(
            f"{checkpoint}: best.pt keeps G at the run's best report, for sampling; resume "
            f"from the run ({checkpoint.parent}), whose ckpt.pt holds the whole state"
        )
    return ResumePoint(_run_of(checkpoint, data), checkpoint, data, config_of(checkpoint, data))


def _checkpoint_in(directory: Path) -> Path:
    for name in (CHECKPOINT_FILE, LAST_CHECKPOINT):  # a run directory, or the runs/ directory
        if (directory / name).is_file():
            return directory / name
    raise CheckpointError(f"{directory}: no checkpoint here (expected {CHECKPOINT_FILE})")


def _run_of(checkpoint: Path, data: dict[str, Any]) -> RunDir:
    """A checkpoint names its run; the run directory is beside it (last.pt) or holds it."""
    run_id = data.get("run_id")
    if not isinstance(run_id, str) or not run_id:
        raise CheckpointError(f"{checkpoint}: the checkpoint does not name its run")
    try:
        check_run_id(run_id)  # a crafted file must not point outside runs/
    except ConfigError:
        raise CheckpointError(f"{checkpoint}: damaged checkpoint (run id {run_id!r})") from None
    # Keep the user's spelling of the path for messages; resolve only a bare file name.
    parent = checkpoint.parent if checkpoint.parent.name else checkpoint.resolve().parent
    for candidate in (parent, parent / run_id):
        if candidate.name == run_id and candidate.is_dir():
            return RunDir(candidate)
    raise CheckpointError(
        f"{checkpoint}: its run directory {run_id!r} is not beside it; "
        f"resume from the run directory instead"
    )


def plan(path: Path, typed: Mapping[str, Any]) -> tuple[ResumePoint, TrainConfig]:
    """Where `train --resume PATH` continues, and under which config. `typed` holds the
    options the user typed (by parameter name): they override the run's own, except that
    a changed math option, another --name or another --runs-dir is refused."""
    point = locate(path)
    home = point.run.path.parent
    if typed.get("name") not in (None, point.run.run_id):
        raise ConfigError(
            f"--name {typed['name']!r}: a resumed run keeps its id {point.run.run_id!r}"
        )
    if typed.get("runs_dir") is not None and Path(typed["runs_dir"]).resolve() != home.resolve():
        raise ConfigError(
            f"--runs-dir {typed['runs_dir']}: the run resumed from {path} is in {home}"
        )
    return point, merged_config(point.saved, typed)


def merged_config(saved: TrainConfig, given: Mapping[str, Any]) -> TrainConfig:
    """The run's config with the options the user typed; a changed math option is refused."""
    for name in MATH_FIELDS:
        if name in given and given[name] != getattr(saved, name):
            flag = "--" + name.replace("_", "-")
            raise ConfigError(
                f"{flag} {given[name]} differs from the run's {flag} {getattr(saved, name)}: "
                f"a resumed run keeps its model and data options (start a new run to change them)"
            )
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    return dataclasses.replace(saved, **{k: v for k, v in given.items() if k in known})
