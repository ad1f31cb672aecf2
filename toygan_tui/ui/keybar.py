"""The key bar: one line under a frame (a run's dashboard, a sweep's table) saying which keys
do what.

It is the first thing to go when space runs out: it takes the frame's last line only where
that line costs the frame nothing (no line of numbers, no chart). Where its keys do not fit
two spaces apart it sets them one apart (a run's lab keys at 80 columns); where they do not
fit one apart it leaves out its spare keys, in their order (replay's Home/End at 80 columns,
so that `q quit` stays in sight), and it is cut short (never wrapped) when narrower still.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.text import Text

from toygan_tui.ui.i18n import _
from toygan_tui.ui.screens import Framed


@dataclass(frozen=True)
class KeyBar:
    """'space pause  s step  +/- speed  q quit', keys in bold, what they do dimmed (in the
    language in use), drawn as wide as the width it is given allows."""

    keys: tuple[tuple[str, str], ...]
    spare: tuple[str, ...] = ()  # keys left out, in this order, where the bar would not fit

    def text(self, width: int | None = None) -> Text:
        """The bar, its keys two spaces apart; where that is wider than `width`, one apart;
        then without its spare keys, one more at a time."""
        shapes = [(self.keys, "  "), (self.keys, " ")]
        keys = self.keys
        for spare in self.spare:
            keys = tuple(entry for entry in keys if entry[0] != spare)
            shapes.append((keys, " "))
        for keys, gap in shapes:
            text = Text(no_wrap=True, overflow="ellipsis")
            for i, (key, what) in enumerate(keys):
                text.append(gap if i else "").append(key, style="bold")
                text.append(f" {_(what)}", style="dim")
            if width is None or text.cell_len <= width:
                break
        return text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.text(options.max_width)


def key_bar(keys: Sequence[tuple[str, str]], spare: Sequence[str] = ()) -> KeyBar:
    return KeyBar(tuple(keys), tuple(spare))


class WithKeyBar:
    """A frame with the key bar under it, when the bar fits without costing the frame."""

    def __init__(self, frame: Framed, bar: KeyBar) -> None:
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
