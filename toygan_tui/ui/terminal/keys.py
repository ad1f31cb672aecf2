"""Key presses from the terminal, one at a time, without Enter or echo (cbreak mode).

Used as a timed wait: `keys.wait(0.25)` returns what was typed in that time. Signals still work
in cbreak mode, so Ctrl-C interrupts as usual. The terminal's settings are restored on exit,
whatever happens; SIGTERM meanwhile exits with 143 through that restore, so a viewer killed
from another shell does not leave the terminal without echo. Without a terminal on stdin (a
pipe, /dev/null) it only waits.

Job control: only a process in the terminal's foreground may change its settings or read it
(a background job that tries is stopped by SIGTTOU or SIGTTIN). So `toygan train &` draws
without keys; after Ctrl-Z and `fg` (SIGCONT) cbreak mode is put back, since the shell reset
the terminal meanwhile; after `bg` the keys rest until the next `fg`.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import time
from types import TracebackType
from typing import IO, Any

# What each key group is, for every view that reads keys (train, watch, replay).
QUIT_KEYS = ("q", "Q")
PAUSE_KEYS = (" ", "p")
STEP_KEYS = ("s", "S", "n", "N")
FASTER_KEYS = ("+", "=")
SLOWER_KEYS = ("-", "_")
# The drawings over G's samples each key toggles (ui/overlays.py), in every view that has them.
LAYER_KEYS = {"m": "manifold", "M": "manifold", "a": "arrows", "A": "arrows"}
# GAN Lab's controls of a training run: one update of a player, its learning rate ½ or ×2.
UPDATE_KEYS = {"d": "D", "D": "D", "g": "G", "G": "G"}
LR_KEYS = {"[": ("D", 0.5), "]": ("D", 2.0), "{": ("G", 0.5), "}": ("G", 2.0)}


class Keys:
    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdin
        self.fd: int | None = None  # the terminal being read; None: only wait
        self.saved: tuple[int, list[Any]] | None = None  # its settings before cbreak
        self.sigterm: Any = None  # the SIGTERM handler to put back, once replaced
        self.sigcont: Any = None  # the SIGCONT handler to put back, once replaced
        self.tty: int | None = None  # the terminal on stdin, read or not (job control)

    def __enter__(self) -> Keys:
        try:
            import termios  # noqa: F401  (none on Windows: waits only)

            fd = self.stream.fileno()
            if os.isatty(fd):
                self.tty = fd
                self.sigterm = signal.signal(signal.SIGTERM, _exit_143)
                self.sigcont = signal.signal(signal.SIGCONT, self._continued)
                self._take()
        except (ImportError, OSError, ValueError, AttributeError):
            self.fd = None  # no termios (Windows) or no usable stdin: waits only
        return self

    def _take(self) -> None:
        """Read the terminal key by key, if this process is in its foreground; else leave it
        alone and only wait."""
        import termios
        import tty

        fd = self.tty
        if fd is None or not _in_foreground(fd):
            self.fd = None
            return
        if self.saved is None:
            self.saved = (fd, termios.tcgetattr(fd))
        tty.setcbreak(fd, termios.TCSANOW)  # TCSANOW: keys typed just before are kept
        self.fd = fd

    def _continued(self, signum: int, frame: object) -> None:
        """SIGCONT: back from Ctrl-Z (`fg` or `bg`): take the terminal again, or let it be."""
        with contextlib.suppress(OSError, ImportError):
            self._take()
        if callable(self.sigcont):
            self.sigcont(signum, frame)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.saved is not None:
            fd, settings = self.saved
            _restore(fd, settings)
        if self.sigterm is not None:
            signal.signal(signal.SIGTERM, self.sigterm)
        if self.sigcont is not None:
            signal.signal(signal.SIGCONT, self.sigcont)
        self.fd, self.saved, self.sigterm, self.sigcont, self.tty = None, None, None, None, None

    def wait(self, timeout: float) -> str:
        """Wait up to `timeout` seconds; return the keys typed meanwhile ('' if none)."""
        if self.fd is None:
            time.sleep(timeout)
            return ""
        try:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if not ready:
                return ""
            data = os.read(self.fd, 64)
        except OSError:  # EIO: the terminal hung up
            data = b""
        if not data:  # the terminal hung up: nothing more will be typed
            self.fd = None
        return data.decode("utf-8", errors="replace")


# What the special keys send (xterm and its kin, in normal and application cursor mode).
SEQUENCES = {
    "\x1b[D": "left", "\x1bOD": "left", "\x1b[C": "right", "\x1bOC": "right",
    "\x1b[5~": "pgup", "\x1b[6~": "pgdn",
    "\x1b[H": "home", "\x1bOH": "home", "\x1b[1~": "home", "\x1b[7~": "home",
    "\x1b[F": "end", "\x1bOF": "end", "\x1b[4~": "end", "\x1b[8~": "end",
}  # fmt: skip


def key_names(typed: str) -> list[str]:
    """What `wait` returned, one key at a time: the special keys by name ('left', 'pgup',
    'home'...), every other character as itself; an unknown escape sequence is dropped."""
    keys: list[str] = []
    i = 0
    while i < len(typed):
        known = next((seq for seq in SEQUENCES if typed.startswith(seq, i)), None)
        if known is not None:
            keys.append(SEQUENCES[known])
            i += len(known)
        elif typed[i] == "\x1b":
            i = _after_sequence(typed, i)
        else:
            keys.append(typed[i])
            i += 1
    return keys


def _after_sequence(typed: str, i: int) -> int:
    """Where an escape sequence starting at i ends: ESC [ or ESC O, then parameters, then one
    final character in @..~ (ECMA-48); a lone ESC is just itself."""
    if typed[i + 1 : i + 2] not in ("[", "O"):
        return i + 1
    j = i + 2
    while j < len(typed) and not "@" <= typed[j] <= "~":
        j += 1
    return j + 1


def _in_foreground(fd: int) -> bool:
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:  # a terminal that hung up
        return False


def _restore(fd: int, settings: list[Any]) -> None:
    """Put the terminal's settings back, from the foreground only: in the background (moved
    there by Ctrl-Z and `bg`) the shell has reset them already, and whoever holds the terminal
    now has their own. SIGTTOU is ignored meanwhile: a job moved away between the check and
    the call is not stopped on its way out."""
    import termios

    if not _in_foreground(fd):
        return
    previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        with contextlib.suppress(termios.error, OSError):  # a terminal that hung up
            termios.tcsetattr(fd, termios.TCSADRAIN, settings)
    finally:
        signal.signal(signal.SIGTTOU, previous)


def _exit_143(signum: int, frame: object) -> None:
    raise SystemExit(128 + signal.SIGTERM)
