"""GAN Lab's drawings over G's samples, which the keys `m` and `a` toggle: G's manifold (the
grid of noise as G warps it into the data space, its density as shade) and the arrows (where
G's loss pushes each of a few samples: −∇ of G's loss at the sample). Pure numpy: each is
drawn into a canvas of braille cells that a view (ui/scatter.py, ui/chart.py) lays over its
own, in dot coordinates (x right from the left edge, y up from the bottom; 2 × 4 dots a cell).

Without colour both still read: the manifold as braille lines, the arrows as a braille shaft
ending in an arrow glyph (→ ↗ ↑ ↖ ← ↙ ↓ ↘) that points the way the sample is pushed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from rich.color import Color
from rich.style import Style

from toygan_tui.ui.braille import DOT_BITS, scaled
from toygan_tui.ui.i18n import _

# What each view can draw over its samples (core/problems/base.py View), by layer name.
OFFERED: dict[str, tuple[str, ...]] = {
    "points": ("manifold", "arrows"),
    "curves": ("arrows",),
    "images": (),
}
HEADS = "→↗↑↖←↙↓↘"  # by direction, counter-clockwise from east, 45° apart
LONGEST = 10.0  # dots: the longest arrow of a frame (a cell is 2 dots wide, 4 tall)
# |∇| this small or smaller draws a shorter arrow than LONGEST: a gradient that vanishes (D
# saturating under minimax) shows as arrows shrinking to their heads, not as full-length ones.
ARROW_REFERENCE = 0.02
ARROW_STYLE = Style(color="bright_white", bold=True)
# The manifold's shades, sparse → dense (G's share of samples per area of a warped cell).
MANIFOLD_SHADES = ((100, 125, 150), (125, 165, 200), (160, 205, 235), (205, 245, 255))


@dataclass(frozen=True)
class Layers:
    """Which drawings a view shows over G's samples (what the keys set, view state only)."""

    manifold: bool = False
    arrows: bool = False

    def toggled(self, name: str) -> Layers:
        return replace(self, **{name: not getattr(self, name)})


NO_LAYERS = Layers()


@dataclass(frozen=True)
class Overlay:
    """A drawing in a canvas of rows × cols cells: braille dots, a shade per cell (-1: none),
    and glyphs that take a whole cell ('' where none)."""

    codes: np.ndarray  # uint8 braille dot codes
    shade: np.ndarray  # int: the manifold's shade index, or -1
    glyphs: np.ndarray  # str: arrow heads

    @classmethod
    def empty(cls, rows: int, cols: int) -> Overlay:
        return cls(
            np.zeros((rows, cols), np.uint8),
            np.full((rows, cols), -1, np.int64),
            np.full((rows, cols), "", dtype=object),
        )


def manifold_overlay(grid: np.ndarray, rows: int, cols: int) -> Overlay:
    """G's warped grid (R × C × 2, in dots) as lines between neighbouring points, each cell
    shaded by the density of G's samples around it: every cell of the noise grid holds the same
    share of the noise, so density goes as 1 / the area of its image."""
    out = Overlay.empty(rows, cols)
    if grid.ndim != 3 or grid.shape[1] < 2 or not np.isfinite(grid).all():
        return out
    starts, ends, density = _edges(grid)
    level = _levels(density)
    px, py, which = _along(starts, ends)
    inside = (px >= 0) & (px < 2 * cols) & (py >= 0) & (py < 4 * rows)
    px, py, which = px[inside], py[inside], which[inside]
    r, c = rows - 1 - py // 4, px // 2
    np.bitwise_or.at(out.codes, (r, c), DOT_BITS[px % 2, 3 - py % 4])
    np.maximum.at(out.shade, (r, c), level[which])
    return out


def _edges(grid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every edge between neighbours (starts, ends: n × 2) and the density around it."""
    rows, cols = grid.shape[:2]
    across = (grid[:, :-1].reshape(-1, 2), grid[:, 1:].reshape(-1, 2))
    if rows == 1:  # one noise dimension: a curve, dense where its steps are short
        length = np.linalg.norm(across[1] - across[0], axis=1)
        return across[0], across[1], 1.0 / np.maximum(length, 1e-9)
    down = (grid[:-1, :].reshape(-1, 2), grid[1:, :].reshape(-1, 2))
    a, b, c, d = grid[:-1, :-1], grid[:-1, 1:], grid[1:, 1:], grid[1:, :-1]
    area = 0.5 * np.abs(_cross(a, b) + _cross(b, c) + _cross(c, d) + _cross(d, a))
    cell = 1.0 / np.maximum(area, 1e-9)  # (rows-1) × (cols-1)
    padded = np.pad(cell, 1, constant_values=np.nan)
    with np.errstate(all="ignore"):  # an edge on the border has one cell beside it
        d_across = np.nanmean([padded[:-1, 1:-1], padded[1:, 1:-1]], axis=0)  # rows × cols-1
        d_down = np.nanmean([padded[1:-1, :-1], padded[1:-1, 1:]], axis=0)  # rows-1 × cols
    starts = np.concatenate([across[0], down[0]])
    ends = np.concatenate([across[1], down[1]])
    return starts, ends, np.concatenate([d_across.ravel(), d_down.ravel()])


def _cross(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    return p[..., 0] * q[..., 1] - p[..., 1] * q[..., 0]  # type: ignore[no-any-return]


def _levels(density: np.ndarray) -> np.ndarray:
    """A shade per edge: the median density is the second-densest shade, twice it the
    densest, a half and a quarter of it the sparser two."""
    typical = np.median(density)
    with np.errstate(all="ignore"):
        steps = np.floor(np.log2(density / typical))
    return np.clip(np.nan_to_num(steps, nan=0) + 2, 0, len(MANIFOLD_SHADES) - 1).astype(np.int64)


def _along(starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The dots each segment lights, sampled every half dot: (x, y, segment index)."""
    span = np.abs(ends - starts).max(axis=1)
    span = np.minimum(span, 4096.0)  # a segment flung far off the canvas costs no more
    count = np.ceil(2 * span).astype(np.int64) + 1
    which = np.repeat(np.arange(len(starts)), count)
    first = np.cumsum(count) - count
    t = (np.arange(count.sum()) - np.repeat(first, count)) / np.repeat(
        np.maximum(count - 1, 1), count
    )
    points = starts[which] + (ends[which] - starts[which]) * t[:, None]
    dots = np.floor(points).astype(np.int64)
    return dots[:, 0], dots[:, 1], which


def arrows_overlay(
    starts: np.ndarray, pushes: np.ndarray, magnitude: np.ndarray, rows: int, cols: int
) -> Overlay:
    """Arrows from `starts` (n × 2, dots) along `pushes` (n × 2, directions in dots); the
    longest LONGEST dots (shorter when even it is below ARROW_REFERENCE), the others as the
    square root of their share of it in `magnitude` (n, |∇| in data units)."""
    out = Overlay.empty(rows, cols)
    norm = np.linalg.norm(pushes, axis=1)
    keep = np.isfinite(starts).all(axis=1) & np.isfinite(norm) & np.isfinite(magnitude)
    if not keep.any():
        return out
    starts, pushes, norm, magnitude = starts[keep], pushes[keep], norm[keep], magnitude[keep]
    unit = pushes / np.maximum(norm, 1e-300)[:, None]
    # √ of the share of the longest: the short ones still show a shaft, and the order holds.
    length = LONGEST * np.sqrt(magnitude / max(float(magnitude.max()), ARROW_REFERENCE))
    ends = starts + unit * length[:, None]
    px, py, which = _along(starts + unit, ends)  # the shaft leaves the sample's own dot alone
    inside = (px >= 0) & (px < 2 * cols) & (py >= 0) & (py < 4 * rows)
    shaft = inside & (length[which] >= 2)  # a shorter arrow is its head alone
    px, py = px[shaft], py[shaft]
    np.bitwise_or.at(out.codes, (rows - 1 - py // 4, px // 2), DOT_BITS[px % 2, 3 - py % 4])
    angle = np.arctan2(unit[:, 1], unit[:, 0])
    heads = np.round(angle / (np.pi / 4)).astype(np.int64) % 8
    hx, hy = np.floor(ends).astype(np.int64).T
    for x, y, head, pushed in zip(hx, hy, heads, norm > 0, strict=True):
        if pushed and 0 <= x < 2 * cols and 0 <= y < 4 * rows:
            out.glyphs[rows - 1 - y // 4, x // 2] = HEADS[head]
    return out


def shade_style(level: int) -> Style:
    return _SHADES[level]


_SHADES = [Style(color=Color.from_rgb(*rgb)) for rgb in MANIFOLD_SHADES]


def arrows_label(magnitude: np.ndarray | None) -> str:
    """The legend's words for the arrows: what they are, and the longest one's |∇|."""
    finite = np.asarray([] if magnitude is None else magnitude, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return _("−∇ G's loss")
    return _("−∇ G's loss (longest {value})").format(value=f"{finite.max():.2g}")


@dataclass(frozen=True)
class CurveArrows:
    """The curves view's arrows: on each of a few of G's curves (k × n values at x), where G's
    loss pushes each of its points (k × n: up or down, the curve's value being the sample)."""

    x: np.ndarray
    curves: np.ndarray
    pushes: np.ndarray

    @property
    def label(self) -> str:
        return arrows_label(np.abs(self.pushes).ravel())

    def overlay(
        self, xlim: tuple[float, float], ylim: tuple[float, float], rows: int, cols: int
    ) -> Overlay:
        """In the dots braille.rasterize draws the curves on (cell centres at the limits)."""
        k = len(self.pushes)
        xs = np.broadcast_to(self.x, self.curves[:k].shape)
        fx = scaled(xs, xlim) * 2 * (cols - 1) + 1.0  # rasterize's dot, and half a dot on
        fy = scaled(self.curves[:k], ylim) * 4 * (rows - 1) + 2.0
        starts = np.stack([fx.ravel(), fy.ravel()], axis=1)
        dots_per_unit = 4 * (rows - 1) / (ylim[1] - ylim[0])
        pushes = np.stack([np.zeros(starts.shape[0]), self.pushes.ravel() * dots_per_unit], 1)
        return arrows_overlay(starts, pushes, np.abs(self.pushes).ravel(), rows, cols)
