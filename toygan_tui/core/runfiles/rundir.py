"""The runs/ layout: one directory per run, config.json, metrics.jsonl, ckpt.pt, and last.pt.

runs/
  last.pt              the newest checkpoint written by any run (atomically replaced)
  <run-id>/config.json the full config, readable without torch
  <run-id>/metrics.jsonl  one JSON object per report (keys: snapshot.METRIC_KEYS)
  <run-id>/ckpt.pt     the run's latest checkpoint
"""

from __future__ import annotations

import errno
import json
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toygan_tui.core.errors import ConfigError
from toygan_tui.core.runfiles.atomic import append_whole, atomic_write
from toygan_tui.core.runfiles.snapshot import Snapshot

CONFIG_FILE = "config.json"
METRICS_FILE = "metrics.jsonl"
CHECKPOINT_FILE = "ckpt.pt"
LAST_CHECKPOINT = "last.pt"


@dataclass(frozen=True)
class RunDir:
    path: Path

    @property
    def run_id(self) -> str:
        return self.path.name

    @property
    def config(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def metrics(self) -> Path:
        return self.path / METRICS_FILE

    @property
    def checkpoint(self) -> Path:
        return self.path / CHECKPOINT_FILE


def new_run_id(runs_dir: Path) -> str:
    """A timestamp id (sorts by start time), suffixed if that second is taken."""
    base = time.strftime("%Y%m%d-%H%M%S")
    run_id, n = base, 1
    while (runs_dir / run_id).exists():
        n += 1
        run_id = f"{base}-{n}"
    return run_id


def claim_run_dir(runs_dir: Path, name: str | None) -> Path:
    """Create the run directory now (before torch loads: a bad --name or an unwritable
    --runs-dir fails at once), so no other run takes the id. A directory without config.json
    is not a run yet; its trainer fills it."""
    if name is not None:
        check_run_id(name)
    try:
        if runs_dir.exists() and not runs_dir.is_dir():  # mkdir would say "File exists"
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
        runs_dir.mkdir(parents=True, exist_ok=True)  # the trainer probes the room it needs
        path = runs_dir / name if name is not None else _new_run_dir(runs_dir)
        path.mkdir(exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot write the run into {runs_dir}: {exc.strerror}") from None
    if (path / CONFIG_FILE).exists():
        raise ConfigError(f"run {name!r} already exists in {runs_dir}; pick another --name")
    return path


def _new_run_dir(runs_dir: Path) -> Path:
    while True:
        path = runs_dir / new_run_id(runs_dir)
        try:
            path.mkdir()
            return path
        except FileExistsError:  # another run took this second's id meanwhile
            continue


def write_config(run: RunDir, config: dict[str, Any], extra: dict[str, Any]) -> None:
    """config.json: the run's resolved options (TrainConfig.to_dict()) and `extra` (its id...)."""
    text = json.dumps({**config, **extra}, indent=2) + "\n"
    atomic_write(run.config, text.encode())


def append_metrics(path: Path, snap: Snapshot, extra: dict[str, int] | None = None) -> None:
    """Append a report's row to the metrics.jsonl at `path` (`extra` first: a sweep's member
    number); non-finite numbers are written as null (valid JSON). A failed write is cut off
    again (OSError raised), so no torn line stays for the next row to be glued to."""
    values = {**(extra or {}), **snap.metrics_row()}
    row = {k: (v if math.isfinite(v) else None) for k, v in values.items()}
    append_whole(path, (json.dumps(row) + "\n").encode("utf-8"))


def parse_row(line: str | bytes) -> dict[str, Any] | None:
    """One metrics.jsonl line as a row, or None for a half-written or damaged line: a JSON
    object whose step is a whole number and whose other values are numbers or null."""
    try:
        row = json.loads(line)
    except ValueError:  # JSONDecodeError, or bytes that are not UTF-8
        return None
    if not isinstance(row, dict) or not _whole(row.get("step")):
        return None
    numbers = all(v is None or (isinstance(v, (int, float)) and v is not True and v is not False)
                  for v in row.values())  # fmt: skip
    return row if numbers else None


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """Every complete row of a metrics.jsonl; a half-written or damaged line is skipped."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    return [row for row in map(parse_row, lines) if row is not None]


def trim_metrics(path: Path, step: int) -> int:
    """Keep the rows of the metrics.jsonl at `path` up to `step` (the checkpoint's), so a
    resumed run appends without duplicate steps; a half-written last line from a killed run
    goes too. Returns how many rows were dropped."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return 0
    lines = text.splitlines()
    rows = [parse_row(line) for line in lines]
    kept = [line for line, row in zip(lines, rows, strict=True) if row and row["step"] <= step]
    if len(kept) != len(lines) or not text.endswith("\n"):  # the next row must start a line
        atomic_write(path, "".join(line + "\n" for line in kept).encode())
    return len(lines) - len(kept)


def check_run_id(run_id: str) -> None:
    """A run id names one directory inside runs/: no separators, no dot names."""
    if not run_id or run_id in (".", "..") or "/" in run_id or "\\" in run_id or "\0" in run_id:
        raise ConfigError(f"--name must be a plain directory name, got {run_id!r}")
