"""One background write at a time (a run's checkpoints, a sweep's saves): the next one, and
the end of the run, wait for the one in flight; its failure is reported on the caller's thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

# A write returns None when it is on the disk, else the arguments on_error hears.
Write = Callable[[], "tuple[Any, ...] | None"]


class InFlight:
    def __init__(self, name: str, on_error: Callable[..., None]) -> None:
        self.name = name  # the worker thread's name
        self.on_error = on_error  # hears a failed write, on the caller's thread
        self._thread: threading.Thread | None = None
        self._failure: tuple[Any, ...] | None = None

    def start(self, write: Write) -> None:
        """Run `write` on a worker thread, after the write in flight has ended."""
        self.wait()

        def run() -> None:
            self._failure = write()

        self._thread = threading.Thread(target=run, name=self.name, daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Until the write in flight (if any) has ended; report its failure here."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._failure is not None:
            failure, self._failure = self._failure, None
            self.on_error(*failure)
