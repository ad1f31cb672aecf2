"""Character cells, each with its own style, as the few Segments Rich writes for them."""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style


def merge_cells(cells: Sequence[tuple[str, Style | None]]) -> list[Segment]:
    """Runs of cells in one style as one segment each (a styled cell per segment would write
    an escape sequence per character: several times the bytes over SSH)."""
    out: list[Segment] = []
    run, style = "", None
    for char, cell_style in cells:
        if cell_style is not style and run:
            out.append(Segment(run, style))
            run = ""
        run, style = run + char, cell_style
    if run:
        out.append(Segment(run, style))
    return out
