"""Where a trainer's files go, and what it hands out per report: the one thing that differs
between a run and a sweep (training/trainer.py runs the same loop for both).

- `Layout` (the base): no files; the report handed out is the member's own Snapshot. A run
  trained as a library call (`trainer.train`), or a torchrun job's follower.
- `RunLayout`: runs/<id>/ (config.json, metrics.jsonl, frames, ckpt.pt, status.json) and
  runs/last.pt; the report handed out is the run's Snapshot with its diagnosis (read off the
  latest rows, a resumed run's before it too); a run whose numbers stop being finite ends
  (Diverged).
- `SweepLayout`: runs/sweep-<n>/ (config.json, one metrics.jsonl with a member column,
  status.json with the table) and members/<k>/ (each a run's config.json, frames, ckpt.pt);
  checkpoints committed all at one step (runfiles/saving.py); the report handed out is the
  SweepReport; a member whose numbers stop being finite is frozen and the others go on.

Everything that can fail on the disk is tried before the first step (`prepare`): an unwritable
or full runs directory is bad input, not a crash an hour in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from toygan_tui.core.errors import Diverged, InputError, SaveFailed
from toygan_tui.core.runfiles.atomic import atomic_write, check_writable, clean_stale_temps
from toygan_tui.core.runfiles.catalog import run_kind
from toygan_tui.core.runfiles.diagnosis import WINDOW, Recent
from toygan_tui.core.runfiles.frames import trim_frames
from toygan_tui.core.runfiles.rundir import LAST_CHECKPOINT, RunDir, trim_metrics, write_config
from toygan_tui.core.runfiles.runinfo import tail_rows
from toygan_tui.core.runfiles.saving import CheckpointWriter, write_run, write_sweep
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.runfiles.status import StatusWriter
from toygan_tui.core.runfiles.sweepreport import MemberResult, SweepReport, status_fields
from toygan_tui.core.runfiles.sweeps import SweepDir

if TYPE_CHECKING:
    import torch

    from toygan_tui.core.sweep_plan import SweepPlan
    from toygan_tui.core.training.member import Member
    from toygan_tui.core.training.state import TrainState


class Training(Protocol):
    """What a layout reads of the trainer it serves (training/trainer.py: Trainer)."""

    members: list[Member]
    step: int
    steps: int
    device: torch.device
    engine: str
    save_error: str

    @property
    def saved_step(self) -> int: ...

    @property
    def frozen(self) -> dict[int, int]: ...

    def save(self) -> None: ...

    def warn(self, message: str) -> None: ...

    def write_failed(self, path: Any, step: int, exc: OSError) -> None: ...


class Layout:
    """No files: reports are handed out as the member's Snapshot, nothing is saved."""

    reports = True  # whether this trainer evaluates reports (a torchrun follower does not)
    watches_divergence = False  # whether non-finite numbers freeze a member (and end a run)

    def __init__(
        self,
        on_save: Callable[[TrainState], None] | None = None,
        on_report: Callable[[Snapshot], Snapshot] = lambda snap: snap,
    ) -> None:
        self.on_save = on_save  # a library caller's hooks: on_save(state) at each save,
        self.on_report = on_report  # on_report(snap) where each report is built
        self.writer: CheckpointWriter | None = None

    def prepare(self, trainer: Training, resumed: bool) -> None:
        """The files before the first step (none here)."""

    def status(self, trainer: Training) -> StatusWriter | None:
        return None

    def save(self, trainer: Training, members: Sequence[Member]) -> None:
        if self.on_save is not None:
            for member in members:
                self.on_save(member.state)

    def view(self, trainer: Training, snaps: Sequence[Snapshot | None]) -> Any:
        """What the trainer hands out for a report: the one member's Snapshot."""
        (snap,) = snaps
        return snap

    def frozen(self, trainer: Training, member: Member, what: str) -> None:
        """A member's numbers stopped being finite (`what`: 'd_loss is'...)."""

    def all_frozen(self, trainer: Training, member: Member, what: str) -> Diverged:
        raise NotImplementedError

    def save_failed(self, trainer: Training, error: str) -> SaveFailed:
        return SaveFailed(f"could not save at step {trainer.step} ({error})")

    def failed_write(self, path: Path, step: int, reason: str) -> str:
        return f"could not save {path} at step {step} ({reason})"


class Follower(Layout):
    """A torchrun job's rank 1…: trains in step with rank 0, reports and writes nothing."""

    reports = False


class RunLayout(Layout):
    """runs/<id>/ and runs/last.pt, for one member."""

    watches_divergence = True

    def __init__(self, run: RunDir) -> None:
        super().__init__()
        self.run = run
        self.last_checkpoint = run.path.parent / LAST_CHECKPOINT
        self.recent = Recent(None)  # the latest rows, for the diagnosis

    def prepare(self, trainer: Training, resumed: bool) -> None:
        (member,) = trainer.members
        cfg = member.state.cfg
        self.recent = Recent(run_kind(cfg.problem, cfg.loss))
        data = member.checkpoint()
        runs_dir = self.run.path.parent
        try:
            # Room for a checkpoint and its temp copy, twice over (ckpt.pt and last.pt).
            check_writable(runs_dir, 2 * len(data))
            self.run.path.mkdir(parents=True, exist_ok=True)
            for directory in (runs_dir, self.run.path):
                clean_stale_temps(directory)  # leftovers of a writer killed mid-write
            if resumed:
                trim_metrics(self.run.metrics, trainer.step)  # no duplicate rows after resuming
                trim_frames(self.run.path, trainer.step)  # nor frames
                self.recent.extend(tail_rows(self.run.metrics, WINDOW))
            extra = {"run_id": self.run.run_id, "device": str(trainer.device)}
            write_config(self.run, member.state.cfg.to_dict(), extra)
            atomic_write(self.run.checkpoint, data)
            atomic_write(self.last_checkpoint, data)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise InputError(f"cannot write the run into {runs_dir}: {reason}") from None
        self.writer = CheckpointWriter(write_run(self.last_checkpoint), trainer.write_failed)
        self.writer.saved_step = trainer.step

    def status(self, trainer: Training) -> StatusWriter:
        cfg = trainer.members[0].state.cfg
        return StatusWriter(self.run.path, self.run.run_id, cfg.steps, trainer.step,
                            str(trainer.device))  # fmt: skip

    def save(self, trainer: Training, members: Sequence[Member]) -> None:
        assert self.writer is not None, "prepare() makes the writer"
        self.writer.submit(trainer.step, [(self.run.path, m.checkpoint()) for m in members])

    def view(self, trainer: Training, snaps: Sequence[Snapshot | None]) -> Any:
        """The run's Snapshot, with the diagnosis of its latest rows."""
        (snap,) = snaps
        if snap is None:
            return None
        return dataclasses.replace(snap, diagnosis=self.recent.add(snap.metrics_row()))

    def all_frozen(self, trainer: Training, member: Member, what: str) -> Diverged:
        where = f"checkpoint is {self.run.checkpoint}"
        return Diverged(trainer.step, what, where, trainer.saved_step)

    def save_failed(self, trainer: Training, error: str) -> SaveFailed:
        return SaveFailed(
            f"could not save the checkpoint at step {trainer.step} ({error}); "
            f"the last good checkpoint is {self.run.checkpoint} (step {trainer.saved_step})"
        )


class SweepLayout(Layout):
    """runs/sweep-<n>/ and its members' directories."""

    watches_divergence = True

    def __init__(self, plan: SweepPlan, files: SweepDir) -> None:
        super().__init__()
        self.plan, self.files = plan, files

    def prepare(self, trainer: Training, resumed: bool) -> None:
        """config.json and every member's files, and the first checkpoints."""
        self.writer = CheckpointWriter(write_sweep(self.files.path), trainer.write_failed)
        try:
            check_writable(self.files.path, 4 * len(trainer.members[0].checkpoint()))
            clean_stale_temps(self.files.path)
            self.plan.write_config(self.files.path, str(trainer.device))
            for member in trainer.members:
                assert member.files is not None
                directory = member.files.directory
                directory.mkdir(parents=True, exist_ok=True)
                clean_stale_temps(directory)
                extra = {"run_id": member.files.run_id, "device": str(trainer.device)}
                write_config(RunDir(directory), member.state.cfg.to_dict(), extra)
                if resumed:
                    trim_frames(directory, trainer.step)
            if resumed:
                trim_metrics(self.files.metrics, trainer.step)  # no report twice
                self.writer.saved_step = trainer.step
            else:
                trainer.save()
                self.writer.wait()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise InputError(f"cannot write the sweep into {self.files.path}: {reason}") from None
        if self.writer.saved_step != trainer.step:
            raise InputError(f"cannot write the sweep into {self.files.path}: {trainer.save_error}")

    def status(self, trainer: Training) -> StatusWriter:
        return StatusWriter(self.files.path, self.files.sweep_id, trainer.steps, trainer.step,
                            str(trainer.device), fields=status_fields)  # fmt: skip

    def save(self, trainer: Training, members: Sequence[Member]) -> None:
        assert self.writer is not None, "prepare() makes the writer"
        files = [(m.files.directory, m.checkpoint()) for m in members if m.files is not None]
        self.writer.submit(trainer.step, files, trainer.frozen)

    def view(self, trainer: Training, snaps: Sequence[Snapshot | None]) -> SweepReport:
        results = []
        for member, m, snap in zip(trainer.members, self.plan.members, snaps, strict=True):
            quality: dict[str, float] = {}
            if snap is not None:
                # A member with --ema is judged by its EMA of G: what `sample` draws from it.
                quality = snap.ema_quality or snap.quality
                if not member.live:
                    quality = {k: float("nan") for k in quality}
            results.append(MemberResult(m.number, m.set_index, m.seed, quality))
        timing = next((s for s in snaps if s is not None), None)
        return SweepReport(
            sweep_id=self.files.sweep_id, step=trainer.step, total=trainer.steps,
            labels=self.plan.labels, problems=self.plan.problems(), members=results,
            steps_per_s=timing.steps_per_s if timing else float("nan"),
            elapsed=timing.elapsed if timing else 0.0, engine=trainer.engine,
        )  # fmt: skip

    def frozen(self, trainer: Training, member: Member, what: str) -> None:
        m = next(p for t, p in zip(trainer.members, self.plan.members, strict=True) if t is member)
        label = self.plan.labels[m.set_index]
        trainer.warn(
            f"member {m.number} ({label}, seed {m.seed}) diverged at step {trainer.step} "
            f"({what} not finite); it stays at its last good checkpoint, the others go on"
        )

    def all_frozen(self, trainer: Training, member: Member, what: str) -> Diverged:
        where = f"checkpoints are in {self.files.path}"
        return Diverged(trainer.step, f"every member's numbers are, the last's {what}", where,
                        trainer.saved_step)  # fmt: skip

    def save_failed(self, trainer: Training, error: str) -> SaveFailed:
        return SaveFailed(
            f"could not save the sweep at step {trainer.step} ({error}); "
            f"its last good checkpoints are at step {trainer.saved_step}"
        )

    def failed_write(self, path: Path, step: int, reason: str) -> str:
        return f"could not save the sweep at step {step} ({reason})"
