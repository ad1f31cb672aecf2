"""Presenting a stream of reports: live frames on a terminal, plain lines anywhere else.

Training and drawing share one thread, so drawing is paced here: there is no refresh thread
(it would compete with training for the GIL); a frame is drawn only when new data arrived, at
most `refresh_per_second` times a second, and never so often that drawing takes more than
UI_BUDGET of the wall time. The final frame is always drawn and stays on screen.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

from rich.console import Console
from rich.live import Live

from toygan_tui.core.runfiles.snapshot import Starting
from toygan_tui.ui.screens import Framed, RunScreen, Screen

UI_BUDGET = 0.03  # at most this share of wall time goes to drawing; the rest is training's

clock = time.perf_counter  # module attribute, so tests can swap in a fake clock


FrameT = TypeVar("FrameT", bound=Framed)


class Steering(Protocol):
    """Keys that steer a training as it is shown (ui/terminal/controls.py): they dress the
    frame (header, key bar) and may hold the stream between reports (pause, a speed cap)."""

    def frame(
        self, screen: Screen, report: Any, starting: Starting | None = None, final: bool = False
    ) -> Framed:
        """The frame to draw; `final`: the one left on screen once the stream has ended."""

    def at_speed(self, report: Any) -> Any:
        """The report at the speed the run really goes (under a speed cap: at most the cap)."""

    def hold(self, report: Any, show: Callable[[bool], None]) -> None:
        """Called after each report is shown, before the next is asked for: training waits
        meanwhile. show(force) draws the latest report (force: now, whatever the pacing)."""


def wants_live(console: Console) -> bool:
    """A live dashboard only on an interactive terminal that can move the cursor."""
    return console.is_terminal and not console.is_dumb_terminal


def present(
    reports: Iterable[Any],
    console: Console,
    *,
    live: bool,
    refresh_per_second: float = 4.0,
    steering: Steering | None = None,
    starting: Starting | None = None,
    screen: Screen | None = None,
) -> Any:
    """Consume the stream, showing it as it comes; return the last report (None if empty).
    `screen` says how a report looks (default: a run's dashboard, ui/screens.py).

    The first frame (or line) is drawn before the stream is first asked for a report, with
    what `starting` says: the stream may take its time to start (`train` imports torch in it).
    """
    screen = screen or RunScreen()
    if not live:
        return _plain(reports, console, screen, steering, starting)
    return _live(reports, console, screen, refresh_per_second, steering, starting)


def _plain(
    reports: Iterable[Any],
    console: Console,
    screen: Screen,
    steering: Steering | None,
    starting: Starting | None,
) -> Any:
    """Plain lines per report: no colour, no cursor movement, no markup."""
    if starting is not None:
        console.out(screen.first_line(starting), highlight=False)
    last = None
    for last in reports:
        shown = steering.at_speed(last) if steering is not None else last
        for line in screen.lines(shown):
            console.out(line, highlight=False)
        if steering is not None:
            steering.hold(last, lambda force: None)
    return last


class Pacer:
    """Decides when a frame may be drawn: at most `per_second` a second, and no more often
    than keeps drawing within `budget` of the wall time at a frame's typical cost, taken as the
    cheapest of the last few. A one-off slow frame (plotext's import, new axes after a resize)
    is not typical and does not stall the screen; a terminal so big that every frame is slow
    is drawn less often."""

    def __init__(self, per_second: float, budget: float = UI_BUDGET, window: int = 3) -> None:
        self.interval = 1.0 / per_second if per_second > 0 else 0.0
        self.budget = budget
        self.costs: deque[float] = deque(maxlen=window)
        self.next_at = float("-inf")

    def due(self, now: float) -> bool:
        return now >= self.next_at

    def drawn(self, started: float, finished: float) -> None:
        self.costs.append(finished - started)
        typical = min(self.costs) if len(self.costs) == self.costs.maxlen else 0.0
        self.next_at = started + max(self.interval, typical / self.budget)


def _live(
    reports: Iterable[Any],
    console: Console,
    screen: Screen,
    per_second: float,
    steering: Steering | None,
    starting: Starting | None,
) -> Any:
    pacer = Pacer(per_second)
    last: Any = None
    behind = False  # a report arrived that the screen does not show yet

    def frame(final: bool = False) -> Framed:
        if steering is None:
            return screen.frame(last, starting)
        return steering.frame(screen, last, starting, final=final)

    def show(force: bool = False) -> None:
        nonlocal behind
        started = clock()
        if force or (behind and pacer.due(started)):
            view.update(fit_to_screen(frame()), refresh=True)
            pacer.drawn(started, clock())
            behind = False

    with Live(
        fit_to_screen(frame()), console=console, auto_refresh=False, transient=screen.transient
    ) as view:
        try:
            for last in reports:
                screen.add(last)
                behind = True
                show()
                if steering is not None:
                    steering.hold(last, show)
        finally:
            # Also on Ctrl-C: leaving Live draws this, so the newest numbers stay on screen,
            # without what only mattered while the run went (the key bar).
            if steering is not None or behind:
                view.update(fit_to_screen(frame(final=True)))
    return last


def fit_to_screen(frame: FrameT) -> FrameT:
    """The frame drawn one line shorter than the terminal, for rich.live.Live (here and in
    `toygan watch`): Live ends with a newline, which would otherwise scroll the frame's first
    line away."""
    frame.leaving_lines(1)
    return frame
