"""Signals while a training runs (`train`, `sweep`): stop cleanly, abort on a second request,
survive a hang-up.

- SIGINT (Ctrl-C) or SIGTERM: ask training to stop after the current chunk of steps; it then
  saves and the command exits 130 or 143. A second one aborts at once (KeyboardInterrupt):
  the last good checkpoint stays, since every write is atomic.
- SIGHUP (the terminal or SSH connection is gone): stop drawing, keep training to the end.

The handlers live only inside `stop_on_signals()` and the previous ones come back when it
exits, so the training core stays a plain library that never touches signals.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

_SIGHUP = getattr(signal, "SIGHUP", None)  # not on Windows
EXIT_CODES: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}
if _SIGHUP is not None:
    EXIT_CODES[_SIGHUP] = 129


class StopRequest:
    """Polled by training between chunks of steps: true once a stop signal arrived."""

    def __init__(self) -> None:
        self.signum: int | None = None  # the signal that asked to stop (the latest one)
        self.key: str | None = None  # or the key that did, standing in for SIGINT
        self.hung_up = False

    def __call__(self) -> bool:
        return self.signum is not None

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(signal.SIGINT if self.signum is None else self.signum, 130)

    @property
    def name(self) -> str:
        if self.key is not None and self.signum == signal.SIGINT:
            return self.key
        if self.signum is not None and self.signum == _SIGHUP:
            return "SIGHUP"
        return "Ctrl-C" if self.signum in (None, signal.SIGINT) else "SIGTERM"


@contextmanager
def stop_on_signals(
    on_hangup: Callable[[], None], hangup_stops: bool = False
) -> Iterator[StopRequest]:
    """Install the handlers for the duration of the block; restore the previous ones after.
    hangup_stops: SIGHUP stops as SIGTERM does (exit 129), for a torchrun job, whose launcher
    passes a hang-up on to its processes and kills them 30 s later."""
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request  # only the main thread may handle signals; a library caller keeps its own
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        again = request.signum is not None
        request.signum = signum
        if again:
            raise KeyboardInterrupt  # the user insists: abort now, mid-step if need be

    def hangup(signum: int, frame: FrameType | None) -> None:
        request.hung_up = True
        on_hangup()

    previous: dict[int, Any] = {}
    on_hup = stop if hangup_stops else hangup
    for signum, handler in ((signal.SIGINT, stop), (signal.SIGTERM, stop), (_SIGHUP, on_hup)):
        # An ignored signal stays ignored: `nohup` ignores SIGHUP, a background job SIGINT.
        if signum is not None and signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, handler)
    try:
        yield request
    finally:
        for signum, handler in previous.items():
            # None: a handler from outside Python, which cannot be put back; default it is.
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
