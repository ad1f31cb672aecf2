"""A picture's legend: one line of entries (a mark in its colour, then words) over the picture.

At 80 columns a dashboard's picture is about 46 cells wide, too narrow for every entry's full
words once the lab's drawings add theirs. Where the full line does not fit, every entry takes
its short words (by default its words without a remark in brackets: "G's curves (fixed
noise)" → "G's curves"; "−∇ G's loss (longest 0.12)" → "−∇ G's loss"), and what still does not
fit is cut at the right, where a view puts what matters least (the 2-D view's heat key).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text

BRACKETED = re.compile(r"\s*[(（][^()（）]*[)）]")  # " (fixed noise)", or "（固定噪声）" in zh


@dataclass(frozen=True)
class Entry:
    mark: str  # "━ ", "⣿ ", "↗ ": what the picture draws, in its colour
    style: str | Style | None
    words: str
    short: str = ""  # the words where the line is narrow ("": the words without brackets)

    def shortened(self) -> str:
        return self.short or BRACKETED.sub("", self.words)


def legend_line(
    entries: list[Entry],
    width: int | None = None,
    title: str = "",
    tail: Text | None = None,
    title_style: str = "bold",
) -> Text:
    """The title (in `title_style`), the entries two spaces apart, then `tail`: with short
    words (the title's without its bracketed remark) where the full ones, the tail left aside,
    are wider than `width`."""
    for short in (False, True):
        text = Text(no_wrap=True, overflow="ellipsis")
        if title:
            text.append(f"{BRACKETED.sub('', title) if short else title}  ", style=title_style)
        for i, entry in enumerate(entries):
            text.append("  " if i else "").append(entry.mark, style=entry.style)
            text.append(entry.shortened() if short else entry.words)
        if width is None or text.cell_len <= width:
            break
    text.rstrip()  # a title with no entries after it
    if tail is not None:
        text.append_text(tail)
    return text
