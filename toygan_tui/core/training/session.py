"""A training session: train() plus the files a run leaves (config, metrics, checkpoints).

Everything that can fail on the disk is tried before the first step (an unwritable or full
runs directory is bad input, not a crash an hour in). During the run checkpoints are written
off the training thread (training/saver.py), and a failed write never stops training: it is
reported and retried at the next save; only a final state that could not be saved ends the
run with SaveFailed. Non-finite losses or parameters end it with
Diverged, and are never written over the last good checkpoint.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import queue
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import cast

import numpy as np
import torch

from toygan_tui.core.config import ConfigError, TrainConfig
from toygan_tui.core.errors import Diverged, InputError, SaveFailed
from toygan_tui.core.runfiles.atomic import atomic_write, check_writable, clean_stale_temps
from toygan_tui.core.runfiles.frames import append_frame, trim_frames, view_arrays
from toygan_tui.core.runfiles.rundir import (
    LAST_CHECKPOINT,
    RunDir,
    append_metrics,
    check_run_id,
    new_run_id,
    write_config,
)
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.runfiles.status import StatusWriter
from toygan_tui.core.training.checkpoint import params_finite, restore_state, save_bytes
from toygan_tui.core.training.loop import train
from toygan_tui.core.training.resume import ResumePoint, trim_metrics
from toygan_tui.core.training.saver import CheckpointWriter
from toygan_tui.core.training.state import TrainState, new_state, resolve_device
from toygan_tui.core.world import World


class Session:
    """One run directory being trained into; creating it checks the device and the disk."""

    def __init__(
        self,
        cfg: TrainConfig,
        runs_dir: Path,
        run_id: str | None = None,
        *,
        resume: ResumePoint | None = None,
        world: World | None = None,
    ) -> None:
        self.cfg = cfg
        self.runs_dir = Path(runs_dir)
        # In a torchrun job this is rank 0: it joins the job, and hands its state to the others.
        self.device = resolve_device(cfg.device) if world is None else _join(world, cfg.device)
        if resume is None:
            self.run = self._new_run(run_id)
            self.state: TrainState = new_state(cfg, self.device)
        else:
            self.run = resume.run
            self.state = restore_state(resume.checkpoint, cfg, self.device, resume.data)
        self.resumed_from = resume.step if resume is not None else None
        self._saver = CheckpointWriter((self.run.checkpoint, self.last_checkpoint), self._failed)
        self._save_error = ""  # why the latest save failed
        self._warn: Callable[[str], None] = lambda message: None
        self._warned: set[str] = set()
        self._problems: queue.SimpleQueue[str] = queue.SimpleQueue()  # from the report thread
        self.status: StatusWriter | None = None  # once training has started: its status.json
        start = self._prepare_files()
        if world is not None:
            from toygan_tui.core.training.handover import share_state

            self.state.world = world
            share_state(start)

    @classmethod
    def resume(cls, point: ResumePoint, cfg: TrainConfig, world: World | None = None) -> Session:
        """Continue the run `point` names, in its own directory, under `cfg`."""
        return cls(cfg, point.run.path.parent, point.run.run_id, resume=point, world=world)

    def _new_run(self, run_id: str | None) -> RunDir:
        if run_id is not None:
            check_run_id(run_id)
            # A directory without config.json is not a run yet: `train --detach` makes it first.
            if RunDir(self.runs_dir / run_id).config.exists():
                raise ConfigError(
                    f"run {run_id!r} already exists in {self.runs_dir}; pick another --name"
                )
        return RunDir(self.runs_dir / (run_id or new_run_id(self.runs_dir)))

    def _prepare_files(self) -> bytes:
        """Write config.json and the starting checkpoint now: a disk problem is exit 2 here.
        Returns the checkpoint's bytes."""
        data = save_bytes(self.state, self.run.run_id)
        try:
            # Room for a checkpoint and its temp copy, twice over (ckpt.pt and last.pt).
            check_writable(self.runs_dir, 2 * len(data))
            self.run.path.mkdir(parents=True, exist_ok=True)
            for directory in (self.runs_dir, self.run.path):
                clean_stale_temps(directory)  # leftovers of a writer killed mid-write
            if self.resumed_from is not None:
                trim_metrics(self.run, self.state.step)  # no duplicate rows after resuming
                trim_frames(self.run.path, self.state.step)  # nor frames
            extra = {"run_id": self.run.run_id, "device": str(self.device)}
            write_config(self.run, self.cfg.to_dict(), extra)
            self._write(data)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise InputError(f"cannot write the run into {self.runs_dir}: {reason}") from None
        self._saver.saved_step = self.state.step
        return data

    @property
    def saved_step(self) -> int:
        """The step of the last good checkpoint (run.checkpoint): waits for a write in flight,
        so the step named is one whose checkpoint is on the disk."""
        self._saver.wait()
        return self._saver.saved_step

    @property
    def last_checkpoint(self) -> Path:
        return self.runs_dir / LAST_CHECKPOINT

    def snapshots(
        self,
        should_stop: Callable[[], bool] = lambda: False,
        on_warning: Callable[[str], None] | None = None,
        ahead: Callable[[], bool] = lambda: False,
    ) -> Iterator[Snapshot]:
        """Train, appending each report to metrics.jsonl and saving checkpoints as it goes.

        on_warning(message) hears of writes that failed while training went on; ahead() says
        whether the training may go on while a report is evaluated (training/loop.py).
        """
        self._warn = on_warning or (lambda message: None)
        status = self.status = StatusWriter(
            self.run.path, self.run.run_id, self.cfg.steps, self.state.step, str(self.device)
        )
        diverged = False
        stream = cast(  # a generator: closed at once if we stop reading it
            Generator[Snapshot, None, None],
            train(self.cfg, self.state, self.save, should_stop, ahead, self._record),
        )
        try:
            with contextlib.closing(stream):
                for snap in stream:
                    self._tell_problems()
                    status.report(snap)
                    what = non_finite(snap)
                    if what:
                        raise self._diverged(snap.step, what)
                    yield snap
        except Diverged:
            diverged = True
            raise
        finally:
            self._tell_problems()
            self._saver.wait()  # the last checkpoint is on the disk before the run says it ended
            status.end(self.state.step, diverged=diverged)  # for `toygan watch`
        if self.saved_step != self.state.step:
            raise SaveFailed(
                f"could not save the checkpoint at step {self.state.step} ({self._save_error}); "
                f"the last good checkpoint is {self.run.checkpoint} (step {self.saved_step})"
            )

    def save(self, state: TrainState) -> None:
        """Write the run's checkpoint, then runs/last.pt, behind the training; a failure is
        reported (at the next save, or the run's end), not raised."""
        if not params_finite(state):
            raise self._diverged(state.step, "parameters are")
        self._saver.submit(state.step, save_bytes(state, self.run.run_id))

    def _failed(self, path: Path, step: int, exc: OSError) -> None:
        self._save_error = exc.strerror or str(exc)
        self._report(
            f"could not save {path} at step {step} ({self._save_error}); "
            f"training goes on and will retry at the next save"
        )

    def _write(self, data: bytes) -> None:
        atomic_write(self.run.checkpoint, data)
        atomic_write(self.last_checkpoint, data)

    def _record(self, snap: Snapshot) -> Snapshot:
        """A report, named for the run, appended to metrics.jsonl and the frames. Called where
        the report is built (the report thread, in step order): what failed is told to the
        user from the training thread (_tell_problems), with the reports."""
        snap = dataclasses.replace(snap, run_id=self.run.run_id)
        try:
            append_metrics(self.run, snap)
        except OSError as exc:
            self._problems.put(f"could not append to {self.run.metrics} ({exc.strerror or exc})")
        try:
            append_frame(self.run.path, snap.step, view_arrays(snap))
        except OSError as exc:
            where = f"the frames in {self.run.path}"
            self._problems.put(f"could not append to {where} ({exc.strerror})")
        return snap

    def _tell_problems(self) -> None:
        while not self._problems.empty():
            self._report(self._problems.get())

    def _report(self, message: str) -> None:
        if message not in self._warned:  # once per distinct problem, not once per report
            self._warned.add(message)
            self._warn(message)

    def _diverged(self, step: int, what: str) -> Diverged:
        return Diverged(step, what, self.run.checkpoint, self.saved_step)


def _join(world: World, device_name: str) -> torch.device:
    from toygan_tui.core.engines.data_parallel.collectives import (
        join,  # torch.distributed: jobs only
    )

    return join(world, device_name)


def non_finite(snap: Snapshot) -> str:
    """What in a report is not finite ('' when all is): the loss's stats, or G's samples."""
    for name, value in snap.stats.items():
        if not math.isfinite(value):
            return f"{name} is"
    return "" if np.isfinite(snap.curves).all() else "G's samples are"
