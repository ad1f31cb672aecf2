"""Checkpoint writes off the training thread: one save at a time, each durable before it counts.

A save serializes every member's state on the training thread (a consistent copy), then
writes the bytes on a worker thread while the next steps train: the fsyncs (~10 ms each on a
plain disk) release the GIL. At most one save is in flight: the next save, and the end of the
training, wait for it. A save counts (saved_step) only once it is on the disk, so every message
that names "the last good checkpoint" names one that is there. Torch-free (bytes).

Two layouts, one writer:
- a run (`write_run`): its ckpt.pt, then runs/last.pt (temp file, fsync, rename each);
- a sweep (`write_sweep`): all members at one step or none. Each member's checkpoint is first
  written beside its ckpt.pt as `ckpt.pt.step-<S>`; once every one is on the disk, saved.json
  says step S (the commit), and each is renamed over its ckpt.pt. A sweep killed at any
  instant resumes from the step saved.json names: `recover` finishes the renames of a
  committed step and deletes the files of one that was not.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from toygan_tui.core.runfiles.atomic import atomic_write
from toygan_tui.core.runfiles.inflight import InFlight
from toygan_tui.core.runfiles.rundir import CHECKPOINT_FILE
from toygan_tui.core.runfiles.sweeps import SAVED_FILE

PENDING = f"{CHECKPOINT_FILE}.step-"

# What a save writes: each member's directory and its checkpoint's bytes, at a step; the
# sweep's frozen members (number → step) ride along in its commit.
Files = Sequence[tuple[Path, bytes]]
Failure = tuple[Path, int, OSError]  # what could not be written, at which step, why
# A layout's write: (whether the save counts, what failed if anything).
Write = Callable[[int, Files, dict[int, int]], tuple[bool, Failure | None]]


class CheckpointWriter:
    """Saves in the background with `write` (write_run's or write_sweep's), one at a time."""

    def __init__(self, write: Write, on_error: Callable[[Path, int, OSError], None]) -> None:
        """on_error(path, step, exc) hears of a failed write, on the caller's thread."""
        self.saved_step = -1
        self._write = write
        self._writes = InFlight("toygan-checkpoint", on_error)

    def submit(self, step: int, files: Files, frozen: dict[int, int] | None = None) -> None:
        """Save `files` as the checkpoints of `step`, after the save in flight has ended."""
        frozen = dict(frozen or {})
        self._writes.start(lambda: self._save(step, files, frozen))

    def wait(self) -> None:
        """Until the save in flight (if any) is on the disk; report its failure here."""
        self._writes.wait()

    def _save(self, step: int, files: Files, frozen: dict[int, int]) -> Failure | None:
        saved, failure = self._write(step, files, frozen)
        if saved:
            self.saved_step = step
        return failure


def write_run(last: Path) -> Write:
    """A run's save: its ckpt.pt (which decides saved_step), then `last` (runs/last.pt)."""

    def write(step: int, files: Files, frozen: dict[int, int]) -> tuple[bool, Failure | None]:
        ((directory, data),) = files
        checkpoint = directory / CHECKPOINT_FILE
        for path in (checkpoint, last):
            try:
                atomic_write(path, data)
            except OSError as exc:
                # ckpt.pt written and last.pt not: the run's own checkpoint still counts
                return path != checkpoint, (path, step, exc)
        return True, None

    return write


def write_sweep(sweep_dir: Path) -> Write:
    """A sweep's save: every member's pending file, then the commit, then the renames."""

    def write(step: int, files: Files, frozen: dict[int, int]) -> tuple[bool, Failure | None]:
        try:
            for directory, data in files:
                atomic_write(directory / f"{PENDING}{step}", data)
            saved = {"step": step, "diverged": {str(k): v for k, v in frozen.items()}}
            atomic_write(sweep_dir / SAVED_FILE, json.dumps(saved).encode())
        except OSError as exc:
            for directory, _ in files:
                with contextlib.suppress(OSError):
                    (directory / f"{PENDING}{step}").unlink(missing_ok=True)
            return False, (sweep_dir, step, exc)
        for directory, _ in files:
            with contextlib.suppress(OSError):  # recover() finishes it at the next start
                os.replace(directory / f"{PENDING}{step}", directory / CHECKPOINT_FILE)
        return True, None

    return write


def read_saved(sweep_dir: Path) -> dict[str, Any]:
    """saved.json: {"step": S, "diverged": {member: step}}; {} before the first commit."""
    try:
        data = json.loads((sweep_dir / SAVED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def recover(sweep_dir: Path, member_dirs: Sequence[Path]) -> int:
    """Finish or undo an interrupted save; return the committed step (-1 if none)."""
    step = read_saved(sweep_dir).get("step", -1)
    for directory in member_dirs:
        for pending in directory.glob(f"{PENDING}*"):
            if pending.name == f"{PENDING}{step}":
                os.replace(pending, directory / CHECKPOINT_FILE)
            else:
                pending.unlink(missing_ok=True)
    return step if isinstance(step, int) else -1
