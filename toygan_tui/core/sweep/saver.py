"""A sweep's checkpoints, all members at one step or none: written off the training thread,
then committed together.

Each member's new checkpoint is first written beside its ckpt.pt as `ckpt.pt.step-<S>`; once
every one is on the disk, `saved.json` says step S (the commit), and each is renamed over its
ckpt.pt. A sweep killed at any instant resumes from the step saved.json names: recover() finishes
the renames of a committed step and deletes the files of one that was not. Torch-free (bytes).
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


class SweepSaver:
    def __init__(self, sweep_dir: Path, on_error: Callable[[int, OSError], None]) -> None:
        self.sweep_dir = sweep_dir
        self.saved_step = -1
        self._writes = InFlight("toygan-sweep-save", on_error)

    def submit(self, step: int, files: Sequence[tuple[Path, bytes]], diverged: dict) -> None:
        """Save `files` (member directory, checkpoint bytes) as step `step`, in the background,
        after the save in flight."""
        self._writes.start(lambda: self._write(step, files, diverged))

    def wait(self) -> None:
        """Until the save in flight (if any) is committed; report its failure here."""
        self._writes.wait()

    def _write(
        self, step: int, files: Sequence[tuple[Path, bytes]], diverged: dict
    ) -> tuple[int, OSError] | None:
        try:
            for directory, data in files:
                atomic_write(directory / f"{PENDING}{step}", data)
            saved = {"step": step, "diverged": {str(k): v for k, v in diverged.items()}}
            atomic_write(self.sweep_dir / SAVED_FILE, json.dumps(saved).encode())
        except OSError as exc:
            for directory, _ in files:
                with contextlib.suppress(OSError):
                    (directory / f"{PENDING}{step}").unlink(missing_ok=True)
            return (step, exc)
        self.saved_step = step
        for directory, _ in files:
            with contextlib.suppress(OSError):  # recover() finishes it at the next start
                os.replace(directory / f"{PENDING}{step}", directory / CHECKPOINT_FILE)
        return None
