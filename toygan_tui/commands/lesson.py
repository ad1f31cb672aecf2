"""`toygan lesson`: the lessons toygan ships, and one of them run: each part a run trained as
`toygan train` trains it (launch/foreground.py: the same trainer, keys and exit codes), with a
text panel beside the dashboard that says what to watch, pausing at the lesson's moments.

The lessons are data (core/lessons/). Every part's options are checked before the first part
trains. q or Ctrl-C stops the lesson as it stops a run (its checkpoint saved, exit 130); a part
that ends goes on to the next.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from toygan_tui.core.lessons import Lesson, find_lesson, lessons
from toygan_tui.launch.foreground import run_in_foreground
from toygan_tui.launch.start import RunStart
from toygan_tui.ui.i18n import _, use
from toygan_tui.ui.lesson_view import Guide, Guided, LessonScreen
from toygan_tui.ui.live import Steering
from toygan_tui.ui.screens import Screen

if TYPE_CHECKING:
    from toygan_tui.core.config import TrainConfig
    from toygan_tui.ui.terminal.controls import Controls


def run_lesson(
    *,
    lesson: str | None,
    runs_dir: Path,
    lang: str | None,
    speed: float | None,
    live: bool | None,
) -> None:
    use(lang)
    if lesson is None:
        Console().print(lesson_list(lessons()))
        return
    found = find_lesson(lesson)
    configs = [part.config() for part in found.parts]  # bad input now, not after part one
    for index, (part, cfg) in enumerate(zip(found.parts, configs, strict=True)):
        start = LessonStart.of(cfg, runs_dir, Guide(found, index))
        run_in_foreground(start, live, speed if speed is not None else part.speed)


class LessonStart(RunStart):
    """A part of a lesson: a fresh run, shown with the lesson's panel and paused at its
    moments."""

    guide: Guide

    @classmethod
    def of(cls, cfg: TrainConfig, runs_dir: Path, guide: Guide) -> LessonStart:
        start = cls.fresh(cfg, runs_dir, None)
        assert isinstance(start, LessonStart)
        start.guide = guide
        return start

    def screen(self) -> Screen:
        return LessonScreen(self.guide)

    def steering(self, controls: Controls) -> Steering:
        return Guided(controls, self.guide)


def lesson_list(found: list[Lesson]) -> Table:
    """The lessons, numbered, with their summaries, and how to run one."""
    table = Table(box=None, pad_edge=False, show_header=False, title_justify="left")
    table.title = _("Lessons (run one: toygan lesson N; keys as in toygan train)")
    table.add_column(justify="right", style="bold")
    table.add_column(style="bold")
    table.add_column()
    for lesson in found:
        table.add_row(str(lesson.number), _(lesson.title), _(lesson.summary))
    return table
