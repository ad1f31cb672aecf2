"""The key bar: one line under a frame (a run's dashboard, a sweep's table) saying which keys
do what.

It is the first thing to go when space runs out: it takes the frame's last line only where
that line costs the frame nothing (no line of numbers, no chart), and it is cut short (never
wrapped) when narrow.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.text import Text

from toygan_tui.ui.i18n import _
from toygan_tui.ui.screens import Framed


def key_bar(keys: Sequence[tuple[str, str]]) -> Text:
    """'space pause  s step  +/- speed  q quit', keys in bold, what they do dimmed (in the
    language in use)."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for i, (key, what) in enumerate(keys):
        text.append("  " if i else "").append(key, style="bold").append(f" {_(what)}", style="dim")
    return text


class WithKeyBar:
    """A frame with the key bar under it, when the bar fits without costing the frame."""

    def __init__(self, frame: Framed, bar: Text) -> None:
        self.frame = frame
        self.bar = bar
        self.spare_lines = 0

    def spares_a_line(self, width: int, height: int) -> bool:
        return False  # its last line is the bar's

    def leaving_lines(self, spare: int) -> WithKeyBar:
        """As Dashboard.leaving_lines: drawn `spare` lines shorter than the terminal."""
        self.spare_lines = spare
        return self

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        height = options.height
        if height is None:
            height = max(1, options.size.height - self.spare_lines)
        with_bar = self.frame.spares_a_line(width, height)
        frame_height = height - 1 if with_bar else height
        lines = console.render_lines(self.frame, options.update(width=width, height=frame_height))
        if with_bar:
            lines += console.render_lines(self.bar, options.update(width=width, height=1))
        for line in lines:
            yield from line
            yield Segment.line()
