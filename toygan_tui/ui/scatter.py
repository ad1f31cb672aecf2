"""The 2-D view (GAN Lab's signature picture): real points dim and G's points bright, in
braille, over a background heatmap of D's output on a grid over the problem's box (where D
says "real" and where "fake"), with a legend line; on demand (the keys m and a) G's manifold
and the arrows of G's loss over them (ui/overlays.py).

Sizes: axes and canvas when there is room; the axes go first as space runs out, then the view
says it is too small; the legend's heat key is cut before its point key. Every line is exactly
the width given, never more lines than the height. Without colour (NO_COLOR, a file, plain
mode) there is no heatmap: G's points in braille, real points as '·' where G has none.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from toygan_tui.ui.braille import CELL_CHARS, DOT_BITS
from toygan_tui.ui.cells import merge_cells
from toygan_tui.ui.chart import Axes, canvas_shape, draw_in_axes, nice_ticks, wants_color
from toygan_tui.ui.i18n import _
from toygan_tui.ui.legend import Entry, legend_line
from toygan_tui.ui.overlays import (
    ARROW_STYLE,
    MANIFOLD_SHADES,
    NO_LAYERS,
    Layers,
    Overlay,
    arrows_label,
    arrows_overlay,
    manifold_overlay,
)

Box = tuple[tuple[float, float], tuple[float, float]]

REAL_COLOR, FAKE_COLOR = "grey58", "bright_yellow"  # dim real points, bright G's points
# D's output as a background: fake (0) purple, undecided (½) near black, real (1) green.
HEAT_FAKE, HEAT_MID, HEAT_REAL = (96, 40, 120), (24, 24, 24), (24, 110, 56)
HEAT_LEVELS = 9  # shades drawn: fewer styles, longer runs of one segment
PLAIN_REAL = "·"  # a real point's cell without colour
MIN_CANVAS = (2, 4)  # rows, cols: below this the view only says it is too small


@dataclass(eq=False)
class PointsChart:
    """Real and G's points (n × 2 each) and D's output on a grid over `box`.

    heat[i, j] ∈ [0, 1] is D's output at row i (from the bottom, y0 → y1) and column j
    (x0 → x1) of an even grid over the box, 1 meaning "real"; None draws no heatmap.
    """

    real: np.ndarray
    fake: np.ndarray
    box: Box
    heat: np.ndarray | None = None
    title: str = ""
    manifold: np.ndarray | None = None  # G on the noise grid (rows × cols × 2)
    arrows: np.ndarray | None = None  # −∇ of G's loss at fake[:k] (k × 2)
    layers: Layers = NO_LAYERS  # which of the two are drawn

    def legend(self, color: bool = True, width: int | None = None) -> Text:
        """'G's points · real points · [the drawings shown] · D says: real ▆ … ▆ fake', in short
        words where the full ones are wider than `width` (ui/legend.py), and cut from the
        right: the heat's key goes first."""
        fake_style = FAKE_COLOR if color else None
        entries = [Entry("⣿ ", fake_style, _("G's points"), "G")]
        if color:
            entries.append(Entry("⣿ ", REAL_COLOR, _("real points"), _("real")))
        else:
            entries.append(Entry(PLAIN_REAL + " ", None, _("real points"), _("real")))
        if self._manifold() is not None:
            shade = _hex(MANIFOLD_SHADES[-1]) if color else None
            entries.append(Entry("⠉⠒ ", shade, _("G's manifold"), _("manifold")))
        if self._arrows() is not None:
            assert self.arrows is not None
            magnitude = np.linalg.norm(self.arrows, axis=1)
            entries.append(Entry("↗ ", ARROW_STYLE if color else None, arrows_label(magnitude)))
        return legend_line(entries, width, self.title, self._heat_key(color))

    def _heat_key(self, color: bool) -> Text | None:
        """'  D says ▆ real ▆ fake' (colour only: the heat is drawn in background colours)."""
        if not color or self.heat is None:
            return None
        real, fake = Style(bgcolor=_heat_color(1.0)), Style(bgcolor=_heat_color(0.0))
        text = Text("  " + _("D says") + " ").append("  ", style=real)
        return text.append(" " + _("real") + " ").append("  ", style=fake).append(" " + _("fake"))

    def _manifold(self) -> np.ndarray | None:
        shown = self.layers.manifold and self.manifold is not None and self.manifold.size
        return self.manifold if shown else None

    def _arrows(self) -> np.ndarray | None:
        shown = self.layers.arrows and self.arrows is not None and len(self.arrows)
        return self.arrows if shown else None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Printed on its own: the legend line, then the view in the remaining height."""
        width = options.max_width
        height = options.height or min(24, options.size.height)
        color = wants_color(console)
        if height >= 2:  # the legend only above a view
            yield from console.render_lines(self.legend(color), options.update(width=width))[0]
            yield Segment.line()
            height -= 1
        for line in self.render_lines(width, height, color):
            yield from line
            yield Segment.line()

    def render_lines(self, width: int, height: int, color: bool) -> list[list[Segment]]:
        """At most `height` lines, each exactly `width` cells: axes and canvas, or the canvas
        alone when the axes do not fit, or a short notice."""
        if height <= 0 or width <= 0:
            return []
        axes = self._axes(width, height, color)
        rows, cols = canvas_shape(axes, width, height, color) if axes else (0, 0)
        if (rows, cols) >= MIN_CANVAS and cols >= MIN_CANVAS[1]:
            return draw_in_axes(axes, width, height, color, self._canvas(axes, rows, cols, color))
        if height >= MIN_CANVAS[0] and width >= MIN_CANVAS[1]:  # the axes go first
            return self._canvas(_square_axes(self.box, height, width), height, width, color)
        return [[Segment("(too small)"[:width].ljust(width), Style(dim=True))]]

    def _axes(self, width: int, height: int, color: bool) -> Axes:
        """The box, widened on one axis so a circle looks round (a braille dot is about
        square: a cell is 2 dots wide and 4 tall, and about twice as tall as it is wide)."""
        (x0, x1), (y0, y1) = self.box
        first = Axes((x0, x1), (y0, y1), _ticks(x0, x1), _ticks(y0, y1))
        rows, cols = canvas_shape(first, width, height, color)
        if rows <= 0 or cols <= 0:
            return first
        square = _square_axes(self.box, rows, cols)
        return Axes(square.xlim, square.ylim, _ticks(*square.xlim), _ticks(*square.ylim))

    def _canvas(self, axes: Axes, rows: int, cols: int, color: bool) -> list[list[Segment]]:
        fake = _cells(self.fake, axes, rows, cols)
        real = _cells(self.real, axes, rows, cols)
        heat = _heat_levels(self.heat, self.box, axes, rows, cols) if color else None
        lines, arrows = self._overlays(axes, rows, cols)
        out: list[list[Segment]] = []
        for r in range(rows):
            if lines is None and arrows is None:
                cells = [_cell(fake[r, c], real[r, c], heat, r, c, color) for c in range(cols)]
            else:
                cells = [
                    _over(lines, arrows, fake[r, c], (r, c), color, heat)
                    or _cell(fake[r, c], real[r, c], heat, r, c, color)
                    for c in range(cols)
                ]  # fmt: skip
            out.append(merge_cells(cells))
        return out

    def _overlays(self, axes: Axes, rows: int, cols: int) -> tuple[Overlay | None, Overlay | None]:
        """The manifold and the arrows in this canvas, where they are shown."""
        manifold, arrows = self._manifold(), self._arrows()
        lines = (
            None
            if manifold is None
            else manifold_overlay(_dots(manifold, axes, rows, cols), rows, cols)
        )
        if arrows is None:
            return lines, None
        starts = _dots(self.fake[: len(arrows)], axes, rows, cols)
        pushes = _dots(arrows, axes, rows, cols, shift=False)
        magnitude = np.linalg.norm(arrows, axis=1)
        return lines, arrows_overlay(starts, pushes, magnitude, rows, cols)


def _ticks(lo: float, hi: float) -> tuple[float, ...]:
    return tuple(nice_ticks(lo, hi, most=5))


def _square_axes(box: Box, rows: int, cols: int) -> Axes:
    """The box widened (centred) to the canvas' shape: x spans 2·cols dots, y 4·rows dots."""
    (x0, x1), (y0, y1) = box
    per_dot = max((x1 - x0) / (2 * cols), (y1 - y0) / (4 * rows))
    xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = per_dot * cols, per_dot * 2 * rows
    return Axes((xm - half_w, xm + half_w), (ym - half_h, ym + half_h))


def _cells(points: np.ndarray, axes: Axes, rows: int, cols: int) -> np.ndarray:
    """Braille dot codes (rows × cols, row 0 at the top) of the points inside the axes."""
    codes = np.zeros((rows, cols), dtype=np.uint8)
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    (x0, x1), (y0, y1) = axes.xlim, axes.ylim
    px = np.floor((pts[:, 0] - x0) / (x1 - x0) * 2 * cols).astype(np.int64)
    py = np.floor((pts[:, 1] - y0) / (y1 - y0) * 4 * rows).astype(np.int64)
    inside = (px >= 0) & (px < 2 * cols) & (py >= 0) & (py < 4 * rows)
    px, py = px[inside], py[inside]
    np.bitwise_or.at(codes, (rows - 1 - py // 4, px // 2), DOT_BITS[px % 2, 3 - py % 4])
    return codes


def _dots(points: np.ndarray, axes: Axes, rows: int, cols: int, shift: bool = True) -> np.ndarray:
    """Points (… × 2) in dots from the canvas' bottom-left corner (shift=False: vectors)."""
    (x0, x1), (y0, y1) = axes.xlim, axes.ylim
    p = np.asarray(points, dtype=np.float64)
    scale = np.array([2 * cols / (x1 - x0), 4 * rows / (y1 - y0)])
    return (p - np.array([x0, y0]) * shift) * scale  # type: ignore[no-any-return]


def _heat_levels(
    heat: np.ndarray | None, box: Box, axes: Axes, rows: int, cols: int
) -> np.ndarray | None:
    """Per cell (row 0 at the top), the shade of D's output at its centre, -1 off the box."""
    if heat is None or heat.size == 0:
        return None
    (x0, x1), (y0, y1) = axes.xlim, axes.ylim
    xs = x0 + (np.arange(cols) + 0.5) * (x1 - x0) / cols
    ys = y1 - (np.arange(rows) + 0.5) * (y1 - y0) / rows
    (bx0, bx1), (by0, by1) = box
    gy, gx = heat.shape
    j = np.floor((xs - bx0) / (bx1 - bx0) * gx).astype(np.int64)
    i = np.floor((ys - by0) / (by1 - by0) * gy).astype(np.int64)
    values = heat[np.clip(i, 0, gy - 1)[:, None], np.clip(j, 0, gx - 1)[None, :]]
    levels = np.rint(np.clip(np.nan_to_num(values, nan=0.5), 0, 1) * (HEAT_LEVELS - 1))
    off_box = ((i < 0) | (i >= gy))[:, None] | ((j < 0) | (j >= gx))[None, :]
    return np.where(off_box, -1, levels).astype(np.int64)


def _over(
    lines: Overlay | None,
    arrows: Overlay | None,
    fake: int,
    at: tuple[int, int],
    color: bool,
    heat: np.ndarray | None,
) -> tuple[str, Style] | None:
    """A cell of the drawings over the points, else None (the points' own cell): an arrow's
    head over everything, G's points over a shaft, a shaft over the manifold's lines."""
    r, c = at
    level = -1 if heat is None else int(heat[r, c])
    arrow = ARROW_STYLE if color else None
    if arrows is not None and arrows.glyphs[r, c]:
        return str(arrows.glyphs[r, c]), _style(arrow, level)
    if fake:
        return None
    if arrows is not None and arrows.codes[r, c]:
        return str(CELL_CHARS[arrows.codes[r, c]]), _style(arrow, level)
    if lines is not None and lines.codes[r, c]:
        shade = _hex(MANIFOLD_SHADES[lines.shade[r, c]]) if color else None
        return str(CELL_CHARS[lines.codes[r, c]]), _style(shade, level)
    return None


def _cell(
    fake: int, real: int, heat: np.ndarray | None, r: int, c: int, color: bool
) -> tuple[str, Style]:
    """One cell: G's dots if it has any (so G's shape shows exactly), else the real ones."""
    level = -1 if heat is None else int(heat[r, c])
    if fake:
        return str(CELL_CHARS[fake]), _style(FAKE_COLOR if color else None, level)
    if real:
        char = str(CELL_CHARS[real]) if color else PLAIN_REAL
        return char, _style(REAL_COLOR if color else None, level)
    return " ", _style(None, level)


_STYLES: dict[tuple[str | Style | None, int], Style] = {}


def _style(fg: str | Style | None, level: int) -> Style:
    """A foreground (a colour, or a whole style) over the heat's shade at `level` (-1: none)."""
    key = (fg, level)
    if key not in _STYLES:
        bg = _heat_color(level / (HEAT_LEVELS - 1)) if level >= 0 else None
        base = fg if isinstance(fg, Style) else Style(color=fg)
        _STYLES[key] = base + Style(bgcolor=bg)
    return _STYLES[key]


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _heat_color(value: float) -> Color:
    """fake (0) → undecided (½) → real (1), blended in RGB."""
    a, b, t = (
        (HEAT_FAKE, HEAT_MID, value * 2) if value < 0.5 else (HEAT_MID, HEAT_REAL, value * 2 - 1)
    )
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return Color.from_rgb(r, g, bl)
