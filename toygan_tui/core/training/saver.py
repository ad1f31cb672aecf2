"""Checkpoint writes off the training thread: one at a time, each durable before it counts.

A save serializes the state on the training thread (a consistent copy), then writes the run's
checkpoint and runs/last.pt (temp file, fsync, rename, as ever) on a worker thread, while the
next steps train: the fsyncs (~10 ms each on a plain disk, a fifth of a default run) release
the GIL. At most one write is in flight: the next save, and the end of the run, wait for it.
A checkpoint counts as saved (saved_step) only once it is on the disk, so every message that
names "the last good checkpoint" names one that is there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from toygan_tui.core.runfiles.atomic import atomic_write
from toygan_tui.core.runfiles.inflight import InFlight


class CheckpointWriter:
    def __init__(self, paths: Sequence[Path], on_error: Callable[[Path, int, OSError], None]):
        self.paths = tuple(paths)  # the run's checkpoint first: it decides saved_step
        self.saved_step = -1
        self._writes = InFlight("toygan-checkpoint", on_error)

    def submit(self, step: int, data: bytes) -> None:
        """Write `data` as the checkpoint of `step`, after the write in flight has ended."""
        self._writes.start(lambda: self._write(step, data))

    def wait(self) -> None:
        """Until the write in flight (if any) is on the disk; report its failure here."""
        self._writes.wait()

    def _write(self, step: int, data: bytes) -> tuple[Path, int, OSError] | None:
        for path in self.paths:
            try:
                atomic_write(path, data)
            except OSError as exc:
                return (path, step, exc)
            if path == self.paths[0]:
                self.saved_step = step
        return None
