"""One run inside a trainer: its state, and where its reports and checkpoint go.

A run is a trainer of one member; a sweep's members are its runs. Every member has the same
files, written by the same code: config.json, frames and ckpt.pt in its directory, and one
metrics.jsonl row per report (in its own metrics.jsonl, or in its sweep's with its number).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from toygan_tui.core.problems.base import ReadsData
from toygan_tui.core.runfiles.events import Event, append_event
from toygan_tui.core.runfiles.frames import append_frame, view_arrays
from toygan_tui.core.runfiles.rundir import append_metrics
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.runfiles.sweeps import MEMBER_KEY
from toygan_tui.core.training.checkpoint import save_bytes
from toygan_tui.core.training.reporter import Reporter
from toygan_tui.core.training.state import TrainState


@dataclass(frozen=True)
class MemberFiles:
    """Where one run's files go."""

    directory: Path  # config.json, frames, ckpt.pt
    metrics: Path  # the metrics.jsonl its rows are appended to
    run_id: str  # what its checkpoints and reports are named
    number: int | None = None  # a sweep's member number (a column of the sweep's metrics)

    def record(self, snap: Snapshot) -> list[str]:
        """Append a report's metrics row and frame; what could not be written, as messages."""
        problems = []
        extra = {} if self.number is None else {MEMBER_KEY: self.number}
        try:
            append_metrics(self.metrics, snap, extra)
        except OSError as exc:
            problems.append(f"could not append to {self.metrics} ({exc.strerror or exc})")
        try:
            append_frame(self.directory, snap.step, view_arrays(snap))
        except OSError as exc:
            problems.append(f"could not append to the frames in {self.directory} ({exc.strerror})")
        return problems

    def record_event(self, event: Event) -> list[str]:
        """Append what a key changed to events.jsonl; what could not be written, as messages."""
        try:
            append_event(self.directory, event)
        except OSError as exc:
            return [f"could not append to the events in {self.directory} ({exc.strerror})"]
        return []


def config_extra(member: Member, run_id: str, trainer: Any) -> dict[str, Any]:
    """What a run's config.json holds besides its options: its id, its device, and what was
    found in the files it reads (a folder's counts)."""
    extra: dict[str, Any] = {"run_id": run_id, "device": str(trainer.device)}
    problem = member.state.problem
    if isinstance(problem, ReadsData):
        extra["folder"] = problem.record()
    return extra


@dataclass(eq=False)
class Member:
    state: TrainState
    files: MemberFiles | None = None  # None: a run that writes nothing (a library call)
    number: int | None = None  # a sweep's member number
    reporter: Reporter | None = None  # set by the trainer (none on a torchrun follower)
    frozen_at: int | None = None  # the step it diverged at: it stays at its last checkpoint

    @property
    def live(self) -> bool:
        return self.frozen_at is None

    def named(self, snap: Snapshot) -> Snapshot:
        """The report, named for its run."""
        return snap if self.files is None else dataclasses.replace(snap, run_id=self.files.run_id)

    def checkpoint(self) -> bytes:
        """The state as checkpoint bytes, named for its run."""
        return save_bytes(self.state, "" if self.files is None else self.files.run_id)


def non_finite(snap: Snapshot) -> str:
    """What in a report is not finite ('' when all is): the loss's stats, or G's samples."""
    for name, value in snap.stats.items():
        if not math.isfinite(value):
            return f"{name} is"
    return "" if np.isfinite(snap.samples).all() else "G's samples are"
