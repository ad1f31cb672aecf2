"""Terminal line charts for Rich: plotext 5.3 draws the axes, ui/braille.py the lines.

The only module that imports plotext. plotext keeps one global figure and costs ~2 ms for a small
chart and ~10 ms for a large one in pure Python, so it only draws what rarely changes (frame,
ticks, labels): each build clears the figure, takes exactly the size Rich offers, and is cached
per (axes, size, colour). The data, which changes every frame, is drawn in braille with numpy onto
plotext's empty canvas, level with its ticks. Only limits and ticks ever reach plotext, all finite.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from toygan_tui.core.problems.curve_data import lower_bound, upper_bound
from toygan_tui.ui.braille import CELL_CHARS, Series, rasterize, segment_rows, series
from toygan_tui.ui.cells import merge_cells
from toygan_tui.ui.i18n import _
from toygan_tui.ui.legend import Entry, legend_line
from toygan_tui.ui.overlays import ARROW_STYLE, CurveArrows, Overlay

CURVES_YLIM = (-0.5, 3.5)  # fixed, so frames stay comparable while the curves evolve
MIN_WIDTH, MIN_HEIGHT = 16, 5  # below this there is no room for a plot inside the axes
BOUND_COLOR, REFERENCE_COLOR = "bright_red", "bright_black"
CURVE_COLORS = ("bright_cyan", "bright_green", "bright_blue", "bright_magenta", "yellow")
SERIES_COLORS = ("bright_cyan", "bright_magenta", "bright_green", "yellow", "bright_blue")
MARKS = {"solid": "━ ", "dashed": "╌ ", "dotted": "┈ "}  # a line's look, in the legend


@dataclass(frozen=True)
class Axes:
    """What plotext draws: limits and ticks (empty: round ones for the size)."""

    xlim: tuple[float, float]
    ylim: tuple[float, float]
    xticks: tuple[float, ...] = ()
    yticks: tuple[float, ...] = ()


@dataclass(eq=False)
class Chart:
    """A Rich renderable: the axes and lines drawn at the width (and height) Rich offers."""

    axes: Axes
    lines: list[Series] = field(default_factory=list)
    height: int | None = None  # None: the height Rich offers (or up to 20 lines when printed)
    title: str = ""
    arrows: CurveArrows | None = None  # drawn over the lines (the curves view's `a`)

    def legend(self, color: bool = True, width: int | None = None) -> Text:
        """The title, then the labelled series in their colours: one line to go above the chart
        (plotext's own legend sits inside the plot and would hide most of a small one), in
        short words where the full ones are wider than `width` (ui/legend.py)."""
        entries = [Entry(MARKS[s.pattern(color)], s.color, s.label) for s in self.lines if s.label]
        if self.arrows is not None:
            entries.append(Entry("↕ ", ARROW_STYLE if color else None, self.arrows.label))
        return legend_line(entries, width, self.title)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(min(MIN_WIDTH, options.max_width), options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Printed on its own: the legend, then the chart in the remaining height. A legend too
        long for one line (many runs compared) wraps rather than lose names."""
        width = options.max_width
        height = self.height or options.height or max(MIN_HEIGHT, min(20, options.size.height - 1))
        color = wants_color(console)
        legend = self.legend(color)
        if legend.plain:
            legend.no_wrap = False
            lines = console.render_lines(legend, options.update(width=width, height=None), pad=True)
            for line in lines:
                yield from line
                yield Segment.line()
            height -= len(lines)
        for line in self.render_lines(width, height, color):
            yield from line
            yield Segment.line()

    def render_lines(self, width: int, height: int, color: bool) -> list[list[Segment]]:
        """The chart as `height` (or fewer) lines of segments, each exactly `width` cells."""
        frame = _frame(self.axes, width, height, color)
        if frame.rows <= 0 or frame.cols <= 0:
            return [[Segment("(too small for a chart)"[:width].ljust(width), Style(dim=True))]]
        (xlim, ylim), lines = (self.axes.xlim, self.axes.ylim), self.lines
        codes, owner = rasterize(lines, xlim, ylim, frame.rows, frame.cols, color)
        styles = [Style(color=s.color) if color else Style() for s in lines]
        rows = [list(line) for line in frame.lines]
        if self.arrows is None:
            canvas = segment_rows(codes, owner, styles)
        else:
            over = self.arrows.overlay(xlim, ylim, frame.rows, frame.cols)
            canvas = _overlaid(codes, owner, styles, over, ARROW_STYLE if color else Style())
        for r, row in enumerate(canvas):
            prefix, _, suffix = frame.split[r]
            rows[frame.top + r] = prefix + row + suffix
        return rows


def _overlaid(
    codes: np.ndarray, owner: np.ndarray, styles: list[Style], over: Overlay, arrow: Style
) -> list[list[Segment]]:
    """The lines' cells with the arrows over them: a head takes its cell, a shaft adds its
    dots to the cell's and takes its colour."""
    out = []
    for r in range(codes.shape[0]):
        cells: list[tuple[str, Style | None]] = []
        for c in range(codes.shape[1]):
            if over.glyphs[r, c]:
                cells.append((str(over.glyphs[r, c]), arrow))
            elif over.codes[r, c]:
                cells.append((str(CELL_CHARS[codes[r, c] | over.codes[r, c]]), arrow))
            else:
                who = owner[r, c]
                cells.append((str(CELL_CHARS[codes[r, c]]), styles[who] if who >= 0 else None))
        out.append(merge_cells(cells))
    return out


def wants_color(console: Console) -> bool:
    """Colour only where the console shows it: not with NO_COLOR, not into a file."""
    return console.color_system is not None and not console.no_color


def curves_chart(
    x: np.ndarray,
    curves: np.ndarray,
    height: int | None = None,
    label: str = "G's curves",
    classes: np.ndarray | None = None,
) -> Chart:
    """The bounds x² and 2x² + 1 with the generated curves (n_show × n_points) between them.

    With `classes` (one label per curve, a conditional problem's) each class has one colour
    and one legend entry ("class 0", "class 1"), so the classes can be told apart."""
    x = np.asarray(x, dtype=np.float64)
    rows = np.atleast_2d(curves)
    if classes is None:
        drawn = [
            series("" if i else label, x, row, CURVE_COLORS[i % len(CURVE_COLORS)])
            for i, row in enumerate(rows)
        ]
    else:
        drawn = _class_series(x, rows, np.asarray(classes))
    bounds = [
        series(_("bounds x², 2x²+1"), x, upper_bound(x), BOUND_COLOR, dashed_without_color=True),
        series("", x, lower_bound(x), BOUND_COLOR, dashed_without_color=True),
    ]
    finite = x[np.isfinite(x)]
    xlim = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
    return Chart(Axes(xlim, CURVES_YLIM, yticks=(0, 1, 2, 3)), drawn + bounds, height)


CLASS_COLORS = ("bright_cyan", "bright_magenta", "bright_green", "yellow")


def _class_series(x: np.ndarray, rows: np.ndarray, classes: np.ndarray) -> list[Series]:
    """One colour per class; the first curve of each class carries its legend entry."""
    labelled: set[int] = set()
    drawn = []
    for row, c in zip(rows, classes.tolist(), strict=True):
        name = "" if c in labelled else f"class {c}"
        labelled.add(c)
        drawn.append(series(name, x, row, CLASS_COLORS[int(c) % len(CLASS_COLORS)]))
    return drawn


def history_chart(
    steps: Sequence[float],
    values: Mapping[str, Sequence[float]],
    hlines: Mapping[str, float] | None = None,
    title: str = "",
    height: int | None = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
) -> Chart:
    """Series over steps (e.g. D(real), D(fake)) with labelled dashed reference lines (e.g. 0.5).

    Works alone: `console.print(history_chart(steps, {"D(real)": d_real}, {"0.5": 0.5}))`;
    `legend()` is a coloured line naming the series, to print above it. The y-range snaps to
    round values so it, and the cached axes, change rarely while a run goes on.
    """
    drawn = [
        series(name, steps, ys, SERIES_COLORS[i % len(SERIES_COLORS)])
        for i, (name, ys) in enumerate(values.items())
    ]
    return line_chart(drawn, hlines, title, height, xlim, ylim)


def line_chart(
    drawn: Sequence[Series],
    hlines: Mapping[str, float] | None = None,
    title: str = "",
    height: int | None = None,
    xlim: tuple[float, float] | None = None,
    ylim: tuple[float, float] | None = None,
    dotted_refs: bool = False,
) -> Chart:
    """Lines made with `series` (each with its own x values, e.g. runs of other lengths) and
    reference lines, dashed (dotted where some lines are dashed too); the ranges (unless
    given) hold every point, y snapped as above."""
    xs = np.concatenate([s.x for s in drawn] + [np.zeros(0)])
    if xlim is None:
        xlim = (float(xs.min()), float(xs.max())) if xs.size else (0.0, 1.0)
    if not xlim[0] < xlim[1]:
        xlim = (xlim[0] - 0.5, xlim[0] + 0.5)
    refs = [
        series(name, xlim, (y, y), REFERENCE_COLOR, dashed=True, dotted=dotted_refs)
        for name, y in (hlines or {}).items()
    ]
    if ylim is None:
        ylim = snapped_range(np.concatenate([s.y for s in [*drawn, *refs]] + [np.zeros(0)]))
    return Chart(Axes(xlim, ylim), [*refs, *drawn], height, title)


def snapped_range(values: np.ndarray) -> tuple[float, float]:
    """A y-range holding every value, its ends on a coarse grid (one tenth of a power of ten of
    the spread), capped at ±1e12 so plotext's arithmetic stays finite."""
    if not values.size:
        return (0.0, 1.0)
    lo, hi = max(float(values.min()), -1e12), min(float(values.max()), 1e12)
    spread = hi - lo if hi > lo else max(abs(hi), 1.0)
    grid = 10 ** math.floor(math.log10(spread))
    lo, hi = math.floor(lo / grid) * grid, math.ceil(hi / grid) * grid
    return (lo, hi) if hi > lo else (lo - grid, hi + grid)


def nice_ticks(lo: float, hi: float, most: int) -> list[float]:
    """At most `most` round values (1, 2, 2.5 or 5 × 10ⁿ apart) inside [lo, hi]."""
    if hi <= lo or most < 2:
        return [lo, hi]
    raw = (hi - lo) / (most - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step) * step
    ticks = [round(first + i * step, 12) for i in range(int((hi - first) / step + 1e-9) + 1)]
    return ticks if len(ticks) >= 2 else [lo, hi]  # a lone tick says nothing of the scale


def tick_label(value: float) -> str:
    """Short labels: 2500 → '2.5k', 1e6 → '1M', 0.25 → '0.25'."""
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def canvas_shape(axes: Axes, width: int, height: int, color: bool) -> tuple[int, int]:
    """(rows, cols) of the plotting area inside plotext's axes at width × height (0, 0: none)."""
    frame = _frame(axes, width, height, color)
    return frame.rows, frame.cols


def draw_in_axes(
    axes: Axes, width: int, height: int, color: bool, canvas: list[list[Segment]]
) -> list[list[Segment]]:
    """plotext's axes at width × height with `canvas` (canvas_shape's rows, each its cols
    wide) in the plotting area: for views that draw their own data (ui/scatter.py)."""
    frame = _frame(axes, width, height, color)
    rows = [list(line) for line in frame.lines]
    for r, row in enumerate(canvas[: frame.rows]):
        prefix, _, suffix = frame.split[r]
        rows[frame.top + r] = prefix + row + suffix
    return rows


@dataclass(frozen=True)
class _Frame:
    """plotext's empty chart as segment lines, and where its canvas sits inside them."""

    lines: tuple[tuple[Segment, ...], ...]
    top: int  # first canvas line
    rows: int
    left: int  # first canvas column
    cols: int
    split: tuple[tuple[list[Segment], list[Segment], list[Segment]], ...]  # per canvas row


@functools.lru_cache(maxsize=32)
def _frame(axes: Axes, width: int, height: int, color: bool) -> _Frame:
    """The axes built by plotext at exactly width × height, cut into segments once."""
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return _Frame((), 0, 0, 0, 0, ())
    text = Text.from_ansi(_build_axes(axes, width, height, color), no_wrap=True)
    texts = text.split("\n", allow_blank=True)[:height]
    for line in texts:
        line.truncate(width, pad=True)
    plain = [line.plain for line in texts]
    top = next((i + 1 for i, p in enumerate(plain) if "┌" in p), 0)
    bottom = next((i for i, p in enumerate(plain) if "└" in p), len(plain))
    if not 0 < top < bottom:
        return _Frame((), 0, 0, 0, 0, ())
    left, right = plain[top - 1].index("┌") + 1, plain[top - 1].index("┐")
    lines = tuple(tuple(line.render(_NO_CONSOLE)) for line in texts)  # type: ignore[arg-type]
    split = tuple(tuple(Segment.divide(lines[r], [left, right, width])) for r in range(top, bottom))
    return _Frame(lines, top, bottom - top, left, right - left, split)  # type: ignore[arg-type]


def _build_axes(axes: Axes, width: int, height: int, color: bool) -> str:
    """plotext's ANSI text for an empty chart with these axes; the global figure is cleared."""
    # The one sanctioned plotext import, on first draw: it costs ~60 ms, and `--help` never draws.
    import plotext as plt  # noqa: TID251

    plt.clear_figure()
    plt.limit_size(False, False)  # the size comes from Rich, not from the terminal plotext sees
    plt.plot_size(width, height)
    plt.theme("pro" if color else "clear")
    (x0, x1), (y0, y1) = axes.xlim, axes.ylim
    # plotext draws ticks only around data: one blank point far below the canvas.
    plt.scatter([x0], [y0 - (y1 - y0)], marker=" ")
    plt.xlim(x0, x1)
    plt.ylim(y0, y1)
    xticks = axes.xticks or nice_ticks(x0, x1, most=max(3, width // 12))
    yticks = axes.yticks or nice_ticks(y0, y1, most=max(3, height // 3))
    plt.xticks(list(xticks), [tick_label(t) for t in xticks])
    plt.yticks(list(yticks), [tick_label(t) for t in yticks])
    return plt.build()


class _StyleOnly:
    """Text.render asks its console only to resolve style names; ours are Style objects, so
    this stands in for one (no Console is made at import time)."""

    @staticmethod
    def get_style(style: object, default: Style | None = None) -> Style:
        return style if isinstance(style, Style) else (default or Style.null())


_NO_CONSOLE = _StyleOnly()
