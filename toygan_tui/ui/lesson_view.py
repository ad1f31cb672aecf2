"""A lesson on screen: the run's dashboard with a text panel that says what to watch, and the
moments the lesson pauses at (core/lessons/).

`Guide` follows one part of a lesson through the reports: which pause is due (the first report
at or past its step, or the first whose diagnosis is its state), and what the panel says.
`LessonScreen` is the Screen (ui/screens.py) of a lesson's run: the dashboard and the panel,
beside it on a wide terminal, under it on a narrow one; in plain lines, the texts between the
reports. `Guided` is the Steering (ui/live.py): the keys of `train` (ui/terminal/controls.py),
which it pauses at each moment; space goes on, as it always does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from toygan_tui.core.lessons import Lesson, Pause
from toygan_tui.core.runfiles.snapshot import Snapshot, Starting
from toygan_tui.ui.format import wrap
from toygan_tui.ui.i18n import _
from toygan_tui.ui.screens import Framed, RunScreen, Screen
from toygan_tui.ui.terminal.controls import Controls

BESIDE_MIN_WIDTH = 110  # from here the panel sits beside a full-width dashboard's layout
PANEL_WIDTH = 36  # the panel's columns beside the dashboard
PANEL_SHARE = 0.4  # under the dashboard, the panel takes at most this share of the lines


class Guide:
    """Part `index` of `lesson`, as its reports come: the pauses due and the panel's text."""

    def __init__(self, lesson: Lesson, index: int) -> None:
        self.lesson, self.index = lesson, index
        self.part = lesson.parts[index]
        self.left = list(self.part.pauses)  # the pauses still to come
        self.text = self.part.intro  # what the panel says now (English: shown translated)
        self.due: Pause | None = None  # a pause reached, not yet paused at
        self.waiting = False  # paused at a moment: the panel says how to go on

    def see(self, report: Snapshot) -> Pause | None:
        """A report came: the first pause it reaches (one per report; a second one reached at
        the same report is due at the next)."""
        state = report.diagnosis.state if report.diagnosis is not None else ""
        for pause in self.left:
            if (pause.at is not None and report.step >= pause.at) or pause.when == state:
                self.left.remove(pause)
                self.text, self.due = pause.text, pause
                return pause
        return None

    def heading(self) -> str:
        """'Lesson 2 · part 1 of 2: minimax, D's learning rate ×100'."""
        where = _("Lesson {n}").format(n=self.lesson.number) if self.lesson.number else ""
        where = where or _("Lesson")
        if len(self.lesson.parts) > 1:
            part = _("part {i} of {n}").format(i=self.index + 1, n=len(self.lesson.parts))
            where = f"{where} · {part}"
        title = _(self.part.title or self.lesson.title)
        return _("{where}: {title}").format(where=where, title=title)

    def panel(self) -> Panel:
        """The panel: the heading, how to go on while paused at a moment, then what to watch
        or the moment's text, in the language in use."""
        return Panel(self.heading(), _("space: go on") if self.waiting else "", _(self.text))

    def plain(self) -> list[str]:
        """The panel's words as plain lines (no terminal: nothing waits for a key)."""
        return ["", f"== {self.heading()}", *_(self.text).split("\n"), ""]


class LessonScreen:
    """A lesson run's dashboard with its panel; plain lines with the texts between them."""

    transient = False

    def __init__(self, guide: Guide) -> None:
        self.guide = guide
        self.run = RunScreen()

    def add(self, report: Snapshot) -> None:
        self.run.add(report)
        self.guide.see(report)

    def frame(self, report: Snapshot | None, starting: Starting | None = None) -> Framed:
        return WithPanel(self.run.frame(report, starting), self.guide.panel())

    def first_line(self, starting: Starting) -> str:
        return "\n".join([*self.guide.plain(), self.run.first_line(starting)])

    def lines(self, report: Snapshot) -> list[str]:
        said = self.guide.see(report) is not None
        return self.run.lines(report) + (self.guide.plain() if said else [])


class Guided:
    """train's keys, paused at each of the lesson's moments (space goes on)."""

    def __init__(self, controls: Controls, guide: Guide) -> None:
        self.controls, self.guide = controls, guide

    def frame(
        self, screen: Screen, report: Any, starting: Starting | None = None, final: bool = False
    ) -> Framed:
        self.guide.waiting = self.controls.paused and self.guide.due is not None and not final
        return self.controls.frame(screen, report, starting, final)

    def at_speed(self, report: Any) -> Any:
        return self.controls.at_speed(report)

    def hold(self, report: Any, show: Callable[[bool], None]) -> None:
        """At a moment the run pauses, where there are keys to go on with."""
        if self.guide.due is not None and self.controls.reading:
            self.controls.pause()
        self.controls.hold(report, show)
        self.guide.due = None


@dataclass(frozen=True)
class Panel:
    """A lesson's panel, laid out for the width it gets: beside the dashboard, the heading
    wrapped and the hint on a line of its own; under it, both on one line (the heading cut
    short first). The body is wrapped at the width (ui/format.py wrap: Chinese too)."""

    heading: str
    hint: str  # "space: go on" while paused at a moment, else ""
    body: str

    def text(self, width: int, beside: bool) -> Text:
        text = Text(no_wrap=True, overflow="crop")
        if beside:
            text.append("\n".join(wrap(self.heading, width)), style="bold")
            if self.hint:
                text.append("\n").append(self.hint, style="bold reverse")
            text.append("\n")
        else:
            room = max(width - (cell_len(self.hint) + 2 if self.hint else 0), 0)
            heading = self.heading
            if cell_len(heading) > room:
                heading = set_cell_size(heading, max(room - 1, 0)) + "…"
            text.append(heading, style="bold")
            if self.hint:
                text.append("  ").append(self.hint, style="bold reverse")
        return text.append("\n" + "\n".join(wrap(self.body, width)))

    def rows(self, width: int, beside: bool) -> int:
        """The lines the panel's text takes at this width."""
        return len(self.text(width, beside).plain.split("\n"))


class WithPanel:
    """A frame (the dashboard) with the lesson's panel beside it (a rule on its left) or under
    it (a rule over it)."""

    def __init__(self, frame: Framed, panel: Panel) -> None:
        self.frame, self.panel = frame, panel
        self.spare_lines = 0

    def leaving_lines(self, spare: int) -> WithPanel:
        self.spare_lines = spare
        return self

    def spares_a_line(self, width: int, height: int) -> bool:
        if width >= BESIDE_MIN_WIDTH:
            return self.frame.spares_a_line(width - PANEL_WIDTH - 2, height)
        return self.frame.spares_a_line(width, height - self._rows(width, height))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        height = options.height
        if height is None:
            height = max(1, options.size.height - self.spare_lines)
        rule = Style(dim=True)
        if width >= BESIDE_MIN_WIDTH:
            left = width - PANEL_WIDTH - 2
            lines = console.render_lines(self.frame, options.update(width=left, height=height))
            panel = options.update(width=PANEL_WIDTH, height=height)
            text = console.render_lines(self.panel.text(PANEL_WIDTH, beside=True), panel)
            for line, words in zip(lines, text, strict=True):
                line += [Segment(" │", rule), *words]
        else:
            rows = self._rows(width, height)
            lines = []
            if height > rows:
                top = options.update(width=width, height=height - rows)
                lines = console.render_lines(self.frame, top)
            if rows:
                lines.append([Segment("─" * width, rule)])
                panel = options.update(width=width, height=rows - 1)
                lines += console.render_lines(self.panel.text(width, beside=False), panel)
        for line in lines:
            yield from line
            yield Segment.line()

    def _rows(self, width: int, height: int) -> int:
        """The lines the panel takes under the dashboard: its rule, heading and wrapped text,
        at most PANEL_SHARE of the height (the text's end is then cut, its heading kept)."""
        return max(0, min(1 + self.panel.rows(width, beside=False), int(height * PANEL_SHARE)))
