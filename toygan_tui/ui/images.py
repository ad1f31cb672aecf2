"""The image view: a grid of G's images for a fixed noise batch, drawn with half blocks.

Each character cell shows two pixels, one over the other: '▀' in the top pixel's colour on the
bottom pixel's colour, in truecolor (Rich turns it into the nearest of 256 colours where the
terminal has no truecolor). Without colour (NO_COLOR, a file) a cell is one grey level of the
mean of its two pixels, from a ramp of block characters (' ░▒▓█').

Sizes: the images are scaled (×4 … ×1 by repeating pixels, ½ and ¼ by averaging) to the
largest size at which at least MIN_SHOWN of them fit (all of them when fewer), with one blank
column between two images and one blank line between two rows; every line is exactly the
width given, never more lines than the height.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.color import Color
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from toygan_tui.ui.cells import merge_cells
from toygan_tui.ui.chart import wants_color
from toygan_tui.ui.i18n import N_, _
from toygan_tui.ui.legend import Entry, legend_line

UPPER_HALF = "▀"
RAMP = " ░▒▓█"  # grey levels without colour: black … white
SCALES = (4.0, 3.0, 2.0, 1.0, 0.5, 0.25)  # tried from the largest
MIN_SHOWN = 8  # fewer images than this (when there are more) means: scale down
GAP = 1  # blank cells between two images, and blank lines between two rows
Styles = dict[tuple[int, ...], Style]


@dataclass(eq=False)
class ImageGrid:
    """images (n × C × H × W, values in [-1, 1], C 1 or 3); labels: the class each was asked
    for (conditional problems), named in the legend (by `names` where given). Where every
    class gets a row of its own at the size the images are drawn, each row is one class, in
    order; else the images come as they are (the classes in turn)."""

    images: np.ndarray
    labels: np.ndarray | None = None
    title: str = N_("G's images (fixed noise)")
    names: tuple[str, ...] = ()

    def legend(self, color: bool = True, width: int | None = None) -> Text:
        """The title, then the classes asked for; the title without "(fixed noise)" where the
        line is wider than `width` (ui/legend.py)."""
        asked = []
        if self.labels is not None and len(self.labels):
            classes = list(dict.fromkeys(int(c) for c in self.labels))
            named = [self.names[c] if c < len(self.names) else str(c) for c in classes[:10]]
            shown = " ".join(named) + (" …" if len(classes) > 10 else "")
            asked.append(Entry("", None, _("asked for {labels} in turn").format(labels=shown)))
        return legend_line(asked, width, _(self.title), title_style="bold" if color else "")

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """Printed on its own (`toygan sample`): the legend, then the grid."""
        width = options.max_width
        height = options.height or min(40, options.size.height)
        color = wants_color(console)
        yield from console.render_lines(self.legend(color), options.update(width=width))[0]
        yield Segment.line()
        for line in self.render_lines(width, height - 1, color):
            yield from line
            yield Segment.line()

    def render_lines(self, width: int, height: int, color: bool) -> list[list[Segment]]:
        """At most `height` lines of exactly `width` cells."""
        if height <= 0 or width <= 0:
            return []
        images = np.asarray(self.images, dtype=np.float64)
        if images.ndim != 4 or len(images) == 0:
            return [[Segment(" " * width)] for _ in range(height)]
        layout = fit(images.shape, width, height)
        if layout is None:
            return [[Segment("(too small)"[:width].ljust(width), Style(dim=True))]]
        scale, cols, rows = layout
        order = self._class_rows(cols, height, scale) or [
            list(range(r * cols, min((r + 1) * cols, len(images)))) for r in range(rows)
        ]
        # One Style per colour pair, made for this drawing only: Rich caches a Style's codes
        # for the first console that draws it, truecolor or 256 colours alike.
        styles: Styles = {}
        lines: list[list[Segment]] = []
        for r, row in enumerate(order):
            if not row:
                break
            if r:
                lines += [[Segment(" " * width)] for _ in range(GAP)]
            lines += _row_lines([resized(images[i], scale) for i in row], width, color, styles)
        return lines[:height]

    def _class_rows(self, cols: int, height: int, scale: float) -> list[list[int]] | None:
        """A row of (up to `cols`) images per class, in class order, if every class's row
        fits in `height` lines at this scale; else None."""
        labels = self.labels
        if labels is None or len(labels) != len(self.images):
            return None
        classes = sorted({int(c) for c in labels})
        tile_h = -(-int(self.images.shape[2] * scale) // 2)
        if len(classes) < 2 or len(classes) * (tile_h + GAP) - GAP > height:
            return None
        return [[i for i, c in enumerate(labels) if c == k][:cols] for k in classes]


def fit(shape: tuple[int, ...], width: int, height: int) -> tuple[float, int, int] | None:
    """(scale, images per row, rows) of the largest scale showing at least MIN_SHOWN images
    (or all); else the smallest scale that shows any; None when not even one image fits."""
    n, _, h, w = shape
    best = None
    for scale in SCALES:
        tile_w, tile_h = int(w * scale), -(-int(h * scale) // 2)  # two pixel rows a line
        if tile_w < 1 or tile_h < 1:
            continue
        cols = min((width + GAP) // (tile_w + GAP), n)
        rows = min((height + GAP) // (tile_h + GAP), -(-n // max(cols, 1)))
        if cols * rows >= min(n, MIN_SHOWN):
            return scale, cols, rows
        if cols * rows > 0:
            best = (scale, cols, rows)
    return best


def resized(image: np.ndarray, scale: float) -> np.ndarray:
    """C × H × W scaled by repeating pixels (scale ≥ 1) or averaging blocks (½, ¼)."""
    if scale >= 1:
        k = int(scale)
        return np.asarray(image.repeat(k, axis=1).repeat(k, axis=2))
    k = round(1 / scale)
    c, h, w = image.shape
    cut = image[:, : h - h % k, : w - w % k]
    return np.asarray(cut.reshape(c, h // k, k, w // k, k).mean(axis=(2, 4)))


def _row_lines(
    tiles: list[np.ndarray], width: int, color: bool, styles: Styles
) -> list[list[Segment]]:
    """One row of images as text lines, padded to `width`."""
    pairs = [_pixel_pairs(tile) for tile in tiles]  # each (lines, W, 2, 3) 8-bit RGB
    lines = []
    for y in range(pairs[0].shape[0]):
        cells: list[tuple[str, Style | None]] = []
        for i, pair in enumerate(pairs):
            if i:
                cells += [(" ", None)] * GAP
            cells += [_cell(top, bottom, color, styles) for top, bottom in pair[y].tolist()]
        line = merge_cells(cells)
        used = sum(len(s.text) for s in line)
        lines.append(line + [Segment(" " * (width - used))] if used < width else line)
    return lines


def _pixel_pairs(tile: np.ndarray) -> np.ndarray:
    """C × H × W in [-1, 1] → (ceil(H/2) × W × 2 × 3) 8-bit RGB: each line's upper and lower
    pixel (grey channels repeated; an odd last row's lower pixel black)."""
    rgb = np.rint(np.clip(np.nan_to_num((tile + 1) / 2), 0, 1) * 255).astype(np.int64)
    rgb = np.repeat(rgb, 3, axis=0) if len(rgb) == 1 else rgb[:3]
    h = rgb.shape[1]
    if h % 2:
        rgb = np.concatenate([rgb, np.zeros_like(rgb[:, :1])], axis=1)
    return rgb.transpose(1, 2, 0).reshape(-1, 2, rgb.shape[2], 3).transpose(0, 2, 1, 3)


def _cell(
    top: list[int], bottom: list[int], color: bool, styles: Styles
) -> tuple[str, Style | None]:
    """Two pixels (8-bit RGB) as one character cell."""
    if not color:
        level = (sum(top) + sum(bottom)) / (6 * 255)  # 0 … 1
        return RAMP[int(level * (len(RAMP) - 1) + 0.5)], None
    key = (*top, *bottom)
    if key not in styles:
        styles[key] = Style(color=Color.from_rgb(*top), bgcolor=Color.from_rgb(*bottom))
    return UPPER_HALF, styles[key]
