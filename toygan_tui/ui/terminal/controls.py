"""Keys while a training is shown (`train`'s dashboard, `sweep`'s table): pause, step, slow
motion, quit.

Training is a generator the dashboard pulls reports from, so holding between two reports
really stops it: nothing runs until the next report is asked for. space pauses and resumes,
`s` lets exactly one more report through while paused, + and - move along a ladder of speed
caps (steps per second), `q` stops the run as Ctrl-C does (checkpoint, resume line, 130).
At full speed a report costs one zero-timeout select() on stdin (microseconds against the
milliseconds of a report). A cap from `--speed` also paces a run with no terminal (no keys).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import signal
import time
from collections.abc import Callable
from typing import Any, TypeVar

from toygan_tui.core.errors import UsageError
from toygan_tui.core.runfiles.snapshot import Starting
from toygan_tui.core.runfiles.status import StatusWriter, at_speed
from toygan_tui.ui.keybar import WithKeyBar, key_bar
from toygan_tui.ui.screens import Framed, Screen
from toygan_tui.ui.terminal.keys import (
    FASTER_KEYS,
    PAUSE_KEYS,
    QUIT_KEYS,
    SLOWER_KEYS,
    STEP_KEYS,
    Keys,
    key_names,
)
from toygan_tui.ui.terminal.signals import StopRequest

R = TypeVar("R")  # a report: a run's Snapshot, a sweep's SweepReport

# Speed caps in steps per second, fastest first; None is full speed.
LADDER: tuple[float | None, ...] = (None, 1000, 300, 100, 30, 10)
KEYS = (("space", "pause"), ("s", "step"), ("+/-", "speed"), ("q", "quit"))
POLL_S = 0.1  # while holding, keys are looked at this often: the keys' reaction time
HEARTBEAT_S = 10.0  # a held run rewrites status.json this often, so it never reads as stalled


def check_speed(speed: float | None) -> None:
    """--speed must be a positive, finite number of steps per second."""
    if speed is not None and not (math.isfinite(speed) and speed > 0):
        raise UsageError(f"--speed must be a positive number of steps per second, got {speed}")


def speed_label(cap: float | None) -> str:
    return "max" if cap is None else f"≤{cap:g} steps/s"


def step_speed(cap: float | None, faster: bool) -> float | None:
    """The next rung of the ladder from `cap` (which may lie between rungs, from --speed)."""
    rate = math.inf if cap is None else cap
    rungs = [math.inf if r is None else r for r in LADDER]
    if faster:
        options = [r for r in rungs if r > rate]
        new = min(options) if options else rate
    else:
        options = [r for r in rungs if r < rate]
        new = max(options) if options else rate
    return None if math.isinf(new) else new


class Controls:
    """The Steering (ui/live.py) of `train` and `sweep`: reads keys while it holds the stream."""

    def __init__(
        self,
        keys: Keys | None,
        stop: StopRequest,
        status: Callable[[], StatusWriter | None],
        cap: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.keys = keys  # None: no terminal to read (plain output): only the cap applies
        self.stop = stop
        self.status = status  # the run's status.json writer, once training has started
        self.cap = cap
        self.clock = clock
        self.paused = False
        self.stepping = False  # `s` was pressed: one report may pass
        self.step = 0  # the step of the latest report
        self.anchor: tuple[float, int] | None = None  # (time, step) the cap is counted from
        self.beat = 0.0  # when status.json was last rewritten while holding

    def frame(
        self, screen: Screen, report: Any, starting: Starting | None = None, final: bool = False
    ) -> Framed:
        """The screen's frame with what the keys set in its header, and the key bar under it
        while the keys do something: a terminal's keys are read (not with stdin from a file,
        nor from the background, nor after a hang-up), training has started and not yet ended."""
        frame = screen.frame(self._dressed(report), starting)
        reading = self.keys is not None and self.keys.fd is not None
        if reading and report is not None and not final:
            return WithKeyBar(frame, key_bar(KEYS))
        return frame

    @property
    def reading(self) -> bool:
        """Whether a terminal's keys are read: there is someone to press space."""
        return self.keys is not None and self.keys.fd is not None

    def pause(self) -> None:
        """Pause here, as space does (a lesson's moment); space goes on."""
        self._pause(True)

    def _dressed(self, report: Any) -> Any:
        if report is None:
            return None
        extra = {**report.extra, "speed": speed_label(self.cap)}
        if self.paused:
            extra["status"] = "PAUSED"
        return dataclasses.replace(self.at_speed(report), extra=extra)

    def at_speed(self, report: R) -> R:
        """Under a cap the run goes at the cap, not at the engine's speed: so does the ETA."""
        return at_speed(report, self.cap)

    def full_speed(self) -> bool:
        """Neither paused nor capped: the training may run a chunk ahead of the report shown
        (it is evaluated meanwhile); held, the screen shows the step the training is at."""
        return not self.paused and self.cap is None

    def begin(self, step: int) -> None:
        """Training is about to start at `step`: the cap counts from now, so the first report
        interval is paced as every other one."""
        self.step = step
        self.anchor = (self.clock(), step)

    def hold(self, report: Any, show: Callable[[bool], None]) -> None:
        """Between two reports: look at the keys; wait while paused or ahead of the cap."""
        self.step = report.step
        self._status(lambda writer: writer.limit(self.cap))  # for `watch`: the speed it goes
        if self.anchor is None:  # begin() was not called: count from the first report
            self.anchor = (self.clock(), report.step)
        if self.paused:
            show(True)  # the report `s` let through, drawn whatever the pacing
        self.beat = self.clock()
        while not self.stop():
            if self.stop.hung_up:  # nobody is left to press a key: go on unattended
                self.keys = None
                if self.paused:
                    self._pause(False)
            left = POLL_S if self.paused else self._due() - self.clock()
            if self._keys(min(max(left, 0.0), POLL_S)):
                show(True)
            if self.stepping:
                self.stepping = False
                return
            if not self.paused and self._due() <= self.clock():
                return
            show(False)  # a report the pacing held back is drawn once it may be
            if self.clock() - self.beat >= HEARTBEAT_S:
                self.beat = self.clock()
                self._status(lambda writer: writer.heartbeat())

    def _due(self) -> float:
        """When the cap allows the run to go on from the latest report."""
        if self.cap is None or self.anchor is None:
            return -math.inf
        since, from_step = self.anchor
        return since + (self.step - from_step) / self.cap

    def _keys(self, timeout: float) -> bool:
        """Wait up to `timeout` s for keys and act on them; True if the frame should change."""
        if self.keys is None:
            if timeout > 0:
                time.sleep(timeout)
            return False
        changed = False
        for key in key_names(self.keys.wait(timeout)):
            changed |= self._press(key)
        return changed

    def _press(self, key: str) -> bool:
        if key in QUIT_KEYS:
            self.stop.signum, self.stop.key = signal.SIGINT, "q"  # as Ctrl-C, said as q
            return False
        if key in PAUSE_KEYS:
            self._pause(not self.paused)
        elif key in STEP_KEYS:
            if self.paused:
                self.stepping = True
                return False
            self._pause(True)  # `s` while running: stop here, ready to step
        elif key in FASTER_KEYS or key in SLOWER_KEYS:
            self.cap = step_speed(self.cap, faster=key in FASTER_KEYS)
            self._status(lambda writer: writer.limit(self.cap))
        else:
            return False
        self.anchor = (self.clock(), self.step)  # a new speed, or going again, counts from now
        return True

    def _pause(self, paused: bool) -> None:
        self.paused = paused
        self._status(lambda writer: writer.pause(paused))

    def _status(self, act: Callable[[StatusWriter], None]) -> None:
        writer = self.status()
        if writer is not None:
            act(writer)


def keys_for(live: bool) -> contextlib.AbstractContextManager[Keys | None]:
    """The terminal's keys for a live dashboard; none for plain lines."""
    return Keys() if live else contextlib.nullcontext()
