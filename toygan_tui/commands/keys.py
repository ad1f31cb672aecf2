"""Key presses from the terminal, one at a time, without Enter or echo (cbreak mode).

Used as a timed wait: `keys.wait(0.25)` returns what was typed in that time. Signals still work
in cbreak mode, so Ctrl-C interrupts as usual. The terminal's settings are restored on exit,
whatever happens; SIGTERM meanwhile exits with 143 through that restore, so a viewer killed
from another shell does not leave the terminal without echo. Without a terminal on stdin (a
pipe, /dev/null) it only waits.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time
from types import TracebackType
from typing import IO, Any


class Keys:
    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdin
        self.fd: int | None = None  # the terminal being read; None: only wait
        self.saved: tuple[int, list[Any]] | None = None  # its settings before cbreak
        self.sigterm: Any = None  # the SIGTERM handler to put back, once replaced

    def __enter__(self) -> Keys:
        try:
            import termios
            import tty

            fd = self.stream.fileno()
            if os.isatty(fd):
                self.sigterm = signal.signal(signal.SIGTERM, _exit_143)
                self.saved = (fd, termios.tcgetattr(fd))
                tty.setcbreak(fd)
                self.fd = fd
        except (ImportError, OSError, ValueError, AttributeError):
            self.fd = None  # no termios (Windows) or no usable stdin: waits only
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.saved is not None:
            import termios

            fd, settings = self.saved
            termios.tcsetattr(fd, termios.TCSADRAIN, settings)
        if self.sigterm is not None:
            signal.signal(signal.SIGTERM, self.sigterm)
        self.fd, self.saved, self.sigterm = None, None, None

    def wait(self, timeout: float) -> str:
        """Wait up to `timeout` seconds; return the keys typed meanwhile ('' if none)."""
        if self.fd is None:
            time.sleep(timeout)
            return ""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return ""
        data = os.read(self.fd, 64)
        if not data:  # the terminal hung up: nothing more will be typed
            self.fd = None
        return data.decode("utf-8", errors="replace")


def _exit_143(signum: int, frame: object) -> None:
    raise SystemExit(128 + signal.SIGTERM)
