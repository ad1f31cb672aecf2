"""What a stream of reports looks like: a run's dashboard, or a sweep's table. The presenter
(ui/live.py) and the keys (ui/terminal/controls.py) draw either through a Screen.
"""

from __future__ import annotations

from typing import Any, Protocol

from rich.console import Console, ConsoleOptions, RenderResult

from toygan_tui.core.runfiles.snapshot import Snapshot, Starting
from toygan_tui.core.runfiles.sweepreport import SweepReport
from toygan_tui.ui.dashboard import render
from toygan_tui.ui.format import plain_line, starting_line
from toygan_tui.ui.history import History
from toygan_tui.ui.overlays import NO_LAYERS, Layers
from toygan_tui.ui.sweep_view import SweepView, plain_lines


class Framed(Protocol):
    """A frame for Live: a Dashboard, a SweepView, or either with a key bar (ui/keybar.py)."""

    def leaving_lines(self, spare: int) -> Framed: ...

    def spares_a_line(self, width: int, height: int) -> bool:
        """Whether the frame leaves its last line free at this size (for the key bar)."""
        ...

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult: ...


class Screen(Protocol):
    """How one kind of report is shown."""

    transient: bool  # whether the live frames leave the screen at the end (for a final table)

    def add(self, report: Any) -> None:
        """Remember a report that came (a dashboard's history charts draw them all)."""

    def frame(
        self, report: Any, starting: Starting | None = None, layers: Layers = NO_LAYERS
    ) -> Framed:
        """The frame of the latest report (None: starting, as `starting` says if given), with
        the drawings over G's samples that `layers` turns on (where the screen has them)."""
        ...

    def first_line(self, starting: Starting) -> str:
        """The plain line said before the first report."""
        ...

    def lines(self, report: Any) -> list[str]:
        """A report as plain lines, for logs, pipes and dumb terminals."""
        ...


class RunScreen:
    """A run's dashboard, with the history of every report so far."""

    transient = False  # the final frame stays on screen

    def __init__(self) -> None:
        self.history = History()

    def add(self, report: Snapshot) -> None:
        self.history.add(report)

    def frame(
        self, report: Snapshot | None, starting: Starting | None = None, layers: Layers = NO_LAYERS
    ) -> Framed:
        return render(report, self.history, starting, layers)

    def first_line(self, starting: Starting) -> str:
        return starting_line(starting)

    def lines(self, report: Snapshot) -> list[str]:
        return [plain_line(report)]


class SweepScreen:
    """A sweep's table, redrawn as its members report; the final one is printed by the command."""

    transient = True

    def add(self, report: SweepReport) -> None:
        pass  # the table shows the latest report only

    def frame(
        self,
        report: SweepReport | None,
        starting: Starting | None = None,
        layers: Layers = NO_LAYERS,
    ) -> Framed:
        return SweepView(report, starting.run_id if starting else "")

    def first_line(self, starting: Starting) -> str:
        return f"sweep {starting.run_id}: starting"

    def lines(self, report: SweepReport) -> list[str]:
        return plain_lines(report)
