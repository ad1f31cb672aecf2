"""Checkpoint writes off the training thread: one at a time, each durable before it counts.

A save serializes the state on the training thread (a consistent copy), then writes the run's
checkpoint and runs/last.pt (temp file, fsync, rename, as ever) on a worker thread, while the
next steps train: the fsyncs (~10 ms each on a plain disk, a fifth of a default run) release
the GIL. At most one write is in flight: the next save, and the end of the run, wait for it.
A checkpoint counts as saved (saved_step) only once it is on the disk, so every message that
names "the last good checkpoint" names one that is there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from toygan_tui.core.runfiles.atomic import atomic_write


class CheckpointWriter:
    def __init__(self, paths: Sequence[Path], on_error: Callable[[Path, int, OSError], None]):
        self.paths = tuple(paths)  # the run's checkpoint first: it decides saved_step
        self.on_error = on_error  # hears a failed write, on the training thread
        self.saved_step = -1
        self._thread: threading.Thread | None = None
        self._failure: tuple[Path, int, OSError] | None = None

    def submit(self, step: int, data: bytes) -> None:
        """Write `data` as the checkpoint of `step`, after the write in flight has ended."""
        self.wait()
        self._thread = threading.Thread(
            target=self._write, args=(step, data), name="toygan-checkpoint", daemon=True
        )
        self._thread.start()

    def wait(self) -> None:
        """Until the write in flight (if any) is on the disk; report its failure here."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._failure is not None:
            failure, self._failure = self._failure, None
            self.on_error(*failure)

    def _write(self, step: int, data: bytes) -> None:
        for path in self.paths:
            try:
                atomic_write(path, data)
            except OSError as exc:
                self._failure = (path, step, exc)
                return
            if path == self.paths[0]:
                self.saved_step = step
