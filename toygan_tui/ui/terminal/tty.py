"""Output that survives its reader: a dead terminal (EIO after a hang-up) or a closed pipe.

A run must never crash because nobody is reading any more. SafeStream swallows the error,
points the file descriptor at /dev/null (so later writes, and the interpreter's own flush at
exit, succeed silently) and lets training go on.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import Any, TextIO


def silence(fd: int) -> None:
    """Point `fd` at /dev/null: every later write to it succeeds and goes nowhere."""
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, fd)
        finally:
            os.close(null)


class SafeStream:
    """A text stream whose writes never raise: after the first failure it discards output."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self._stream.write(text)
            except OSError:  # EIO from a hung-up terminal, EPIPE from a closed pipe, ENOSPC
                self._break()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self._stream.flush()
            except OSError:
                self._break()

    def _break(self) -> None:
        self.broken = True
        with contextlib.suppress(OSError, ValueError):
            silence(self._stream.fileno())

    def __getattr__(self, name: str) -> Any:
        # isatty, fileno, encoding...: what Rich asks of a file, answered by the real one.
        return getattr(self._stream, name)


def say(message: str) -> None:
    """One line for the user on stderr, which may be dead too: then nobody hears it."""
    try:
        print(message, file=sys.stderr, flush=True)
    except OSError:
        silence(2)


def terminal_fds() -> tuple[int, ...]:
    """stdout and stderr, where they are a terminal. Ask early: a hung-up terminal no longer
    says it is one."""
    found = []
    for fd in (1, 2):
        with contextlib.suppress(OSError):
            if os.isatty(fd):
                found.append(fd)
    return tuple(found)


def hang_up(fds: tuple[int, ...]) -> None:
    """The terminal is gone (SIGHUP): silence the standard streams that were attached to it.

    A stream redirected to a file or a pipe keeps its output (`toygan train > log` over SSH
    goes on logging after the connection drops).
    """
    for fd in fds:
        silence(fd)
