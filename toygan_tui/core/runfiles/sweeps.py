"""A sweep's directory: runs/sweep-<n>/ with config.json (the grid and every member's config),
one metrics.jsonl (a `member` number in every row), status.json, and one directory per member
(members/<k>/: its checkpoint ckpt.pt, config.json and frames), so a member's checkpoint is a
run's checkpoint that `sample`, `plot` and `replay` read. Torch-free.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toygan_tui.core.errors import ConfigError, InputError
from toygan_tui.core.runfiles.rundir import (
    CONFIG_FILE,
    METRICS_FILE,
    RunDir,
    claim_run_dir,
    read_metrics,
)

SWEEP_PREFIX = "sweep-"  # sweep ids are sweep-1, sweep-2, ...; run ids are timestamps
KIND = "sweep"  # config.json's "kind" says a directory holds a sweep
MEMBERS_DIR = "members"
MEMBER_KEY = "member"  # the metrics.jsonl column naming a row's member
SAVED_FILE = "saved.json"  # the step every member's ckpt.pt is at (core/runfiles/saving.py)


@dataclass(frozen=True)
class SweepDir(RunDir):
    """A run directory (config.json, metrics.jsonl, status.json) whose checkpoints are its
    members'."""

    @property
    def sweep_id(self) -> str:
        return self.run_id

    def member(self, number: int) -> Path:
        """Member `number`'s own directory: its ckpt.pt, config.json and frames."""
        return self.path / MEMBERS_DIR / str(number)


def claim_sweep_dir(runs_dir: Path, name: str | None = None) -> Path:
    """Create runs/sweep-<n>/ with the next free n, or runs/NAME/ (before torch loads)."""
    try:
        runs_dir.mkdir(parents=True, exist_ok=True)
        if name is not None:
            return _claim_named(runs_dir, name)
        numbers = [_number(p.name) for p in runs_dir.iterdir()]
        n = max([k for k in numbers if k is not None], default=0) + 1
        while True:
            path = runs_dir / f"{SWEEP_PREFIX}{n}"
            try:
                path.mkdir()
                return path
            except FileExistsError:  # another sweep took it meanwhile
                n += 1
    except OSError as exc:
        raise ConfigError(f"cannot write the sweep into {runs_dir}: {exc.strerror}") from None


def _claim_named(runs_dir: Path, name: str) -> Path:
    """runs/NAME/; a sweep there that never saved (its detached child is starting) is taken."""
    path = runs_dir / name
    if is_sweep(path) and not (path / SAVED_FILE).exists():
        return path
    return claim_run_dir(runs_dir, name)


def _number(name: str) -> int | None:
    match = re.fullmatch(rf"{SWEEP_PREFIX}(\d+)", name)
    return int(match[1]) if match else None


def is_sweep(path: Path) -> bool:
    return read_sweep_config(path).get("kind") == KIND


def read_sweep_config(path: Path) -> dict[str, Any]:
    """A sweep directory's config.json ({} when there is none, or it is not readable)."""
    try:
        data = json.loads((Path(path) / CONFIG_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def member_dir(path: Path, number: int) -> Path:
    """The directory of member `number` of the sweep in `path`; one line if there is none."""
    config = read_sweep_config(path)
    if config.get("kind") != KIND:
        raise InputError(f"{path}: not a sweep; --member applies to sweeps (sweep-<n>)")
    count = len(config.get("members", []))
    if not 1 <= number <= count:
        raise InputError(f"--member {number}: sweep {path.name} has members 1 to {count}")
    return SweepDir(Path(path)).member(number)


def member_rows(path: Path, number: int) -> list[dict[str, Any]]:
    """Member `number`'s rows of the sweep's metrics.jsonl, as a run's rows (no member key)."""
    member_dir(path, number)  # one line if there is no such member
    return rows_of(read_metrics(Path(path) / METRICS_FILE), number)


def rows_of(rows: list[dict[str, Any]], number: int) -> list[dict[str, Any]]:
    """Member `number`'s rows among a sweep's, without their member key."""
    return [
        {k: v for k, v in row.items() if k != MEMBER_KEY}
        for row in rows
        if row.get(MEMBER_KEY) == number
    ]


def not_a_run(path: Path) -> InputError:
    """What plot and replay say when given a sweep without --member."""
    return InputError(f"{path.name} is a sweep: choose a member with --member K (1, 2, ...)")


def member_run_id(sweep_id: str, number: int) -> str:
    """How a member names itself in its checkpoint and its views: 'sweep-3.m7'."""
    return f"{sweep_id}.m{number}"


def run_or_member(path: Path, member: int | None) -> Path:
    """`path` checked as what a reader of one run takes: a run, or a sweep with a member."""
    if member is not None:
        member_dir(path, member)
    elif is_sweep(path):
        raise not_a_run(path)
    return path
