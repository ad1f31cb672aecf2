"""Presenting a stream of Snapshots: a live dashboard on a terminal, plain lines anywhere else.

Training and drawing share one thread, so drawing is paced here: there is no refresh thread
(it would compete with training for the GIL); a frame is drawn only when new data arrived, at
most `refresh_per_second` times a second, and never so often that drawing takes more than
UI_BUDGET of the wall time. The final frame is always drawn and stays on screen.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from rich.console import Console, ConsoleOptions, RenderResult
from rich.live import Live

from toygan_tui.core.runfiles.snapshot import Snapshot, Starting
from toygan_tui.ui.dashboard import render
from toygan_tui.ui.format import plain_line, starting_line
from toygan_tui.ui.history import History

UI_BUDGET = 0.03  # at most this share of wall time goes to drawing; the rest is training's

clock = time.perf_counter  # module attribute, so tests can swap in a fake clock


class Framed(Protocol):
    """A frame for Live: a Dashboard, or one with a key bar (ui/keybar.py)."""

    def leaving_lines(self, spare: int) -> Framed: ...

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult: ...


FrameT = TypeVar("FrameT", bound=Framed)


class Steering(Protocol):
    """Keys that steer a run as it is shown (commands/controls.py): they dress the frame
    (header, key bar) and may hold the stream between reports (pause, a speed cap)."""

    def frame(
        self,
        snapshot: Snapshot | None,
        history: History,
        starting: Starting | None = None,
        final: bool = False,
    ) -> Framed:
        """The frame to draw; `final`: the one left on screen once the stream has ended."""

    def at_speed(self, snapshot: Snapshot) -> Snapshot:
        """The report at the speed the run really goes (under a speed cap: at most the cap)."""

    def hold(self, snapshot: Snapshot, show: Callable[[bool], None]) -> None:
        """Called after each report is shown, before the next is asked for: training waits
        meanwhile. show(force) draws the latest report (force: now, whatever the pacing)."""


def wants_live(console: Console) -> bool:
    """A live dashboard only on an interactive terminal that can move the cursor."""
    return console.is_terminal and not console.is_dumb_terminal


def present(
    snapshots: Iterable[Snapshot],
    console: Console,
    *,
    live: bool,
    refresh_per_second: float = 4.0,
    steering: Steering | None = None,
    starting: Starting | None = None,
) -> Snapshot | None:
    """Consume the stream, showing it as it comes; return the last snapshot (None if empty).

    The first frame (or line) is drawn before the stream is first asked for a snapshot, with
    what `starting` says: the stream may take its time to start (`train` imports torch in it).
    """
    if not live:
        return _plain(snapshots, console, steering, starting)
    return _live(snapshots, console, refresh_per_second, steering, starting)


def _plain(
    snapshots: Iterable[Snapshot],
    console: Console,
    steering: Steering | None,
    starting: Starting | None,
) -> Snapshot | None:
    """One plain line per snapshot: no colour, no cursor movement, no markup."""
    if starting is not None:
        console.out(starting_line(starting), highlight=False)
    last = None
    for last in snapshots:
        shown = steering.at_speed(last) if steering is not None else last
        console.out(plain_line(shown), highlight=False)
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
    snapshots: Iterable[Snapshot],
    console: Console,
    per_second: float,
    steering: Steering | None,
    starting: Starting | None,
) -> Snapshot | None:
    history = History()
    pacer = Pacer(per_second)
    last: Snapshot | None = None
    behind = False  # a snapshot arrived that the screen does not show yet
    frame: Callable[..., Framed] = render if steering is None else steering.frame

    def show(force: bool = False) -> None:
        nonlocal behind
        started = clock()
        if force or (behind and pacer.due(started)):
            screen.update(fit_to_screen(frame(last, history)), refresh=True)
            pacer.drawn(started, clock())
            behind = False

    with Live(
        fit_to_screen(frame(None, history, starting)),
        console=console,
        auto_refresh=False,
        transient=False,
    ) as screen:
        try:
            for last in snapshots:
                history.add(last)
                behind = True
                show()
                if steering is not None:
                    steering.hold(last, show)
        finally:
            # Also on Ctrl-C: leaving Live draws this, so the newest numbers stay on screen,
            # without what only mattered while the run went (the key bar).
            if steering is not None:
                screen.update(fit_to_screen(steering.frame(last, history, starting, final=True)))
            elif behind:
                screen.update(fit_to_screen(frame(last, history)))
    return last


def fit_to_screen(frame: FrameT) -> FrameT:
    """The frame drawn one line shorter than the terminal, for rich.live.Live (here and in
    `toygan watch`): Live ends with a newline, which would otherwise scroll the frame's first
    line away."""
    frame.leaving_lines(1)
    return frame
