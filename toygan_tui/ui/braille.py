"""Lines as braille dots: each terminal cell holds 2 × 4 dots, so a chart gets 8 dots per cell.

Pure numpy (and Rich segments for the result). Only finite points are ever drawn: `series` drops
the rest, and far-off values are clipped to a band just past the canvas, so a line heads off the
chart at the right angle and the work stays bounded whatever the values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style

# Bit of the dot at (column, row from the top) of a cell: U+2800 + the bits is the character.
DOT_BITS = np.array([[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]], dtype=np.uint8)
CELL_CHARS = np.array([" "] + [chr(0x2800 + code) for code in range(1, 256)])

Limits = tuple[float, float]
# Which samples (t: dots along the line, in half-dot steps) a broken line keeps.
GAPS = {"dashed": lambda t: (t // 3) % 2 == 0, "dotted": lambda t: t % 4 == 0}


@dataclass(eq=False)
class Series:
    """One line in a Rich colour; x and y hold finite values only (see `series`)."""

    label: str
    x: np.ndarray
    y: np.ndarray
    color: str
    dashed: bool = False  # reference lines
    dashed_without_color: bool = False  # bounds: told apart from curves when colour is off
    dotted: bool = False  # compare's reference lines: unlike its runs, dashed ones included

    def pattern(self, color: bool) -> str:
        """How the line is drawn: "dotted", "dashed" or "solid"."""
        if self.dotted:
            return "dotted"
        return "dashed" if self.dashed or (self.dashed_without_color and not color) else "solid"


def series(label: str, x: object, y: object, color: str, **style: bool) -> Series:
    """A Series with the points where x or y is NaN or ±inf dropped."""
    xs, ys = np.asarray(x, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
    n = min(len(xs), len(ys))
    keep = np.isfinite(xs[:n]) & np.isfinite(ys[:n])
    return Series(label, xs[:n][keep], ys[:n][keep], color, **style)


def rasterize(
    lines: Sequence[Series], xlim: Limits, ylim: Limits, rows: int, cols: int, color: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Braille dot codes (rows × cols) and, per cell, the index of the last series drawn there
    (-1: empty). A value v lands on the cell whose centre sits at v's place between the first
    and last cell centres: where plotext puts v's tick, so lines stay level with their ticks."""
    codes = np.zeros((rows, cols), dtype=np.uint8)
    owner = np.full((rows, cols), -1, dtype=np.int16)
    for index, s in enumerate(lines):
        px, py = _dots(s, xlim, ylim, rows, cols, s.pattern(color))
        if px.size == 0:
            continue
        r, c = rows - 1 - py // 4, px // 2
        np.bitwise_or.at(codes, (r, c), DOT_BITS[px % 2, 3 - py % 4])
        owner[r, c] = index
    return codes, owner


def _dots(
    s: Series, xlim: Limits, ylim: Limits, rows: int, cols: int, pattern: str
) -> tuple[np.ndarray, np.ndarray]:
    """The dots (x right, y up) a series lights on a rows × cols canvas: its points joined by
    straight lines sampled every half dot, cut where they leave the canvas; dashed: 3 dots on,
    3 off; dotted: one dot in 4."""
    if s.x.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # Clip to a band around the axes first: lines still leave the canvas at the right angle,
    # nothing overflows, and the number of samples stays bounded whatever the values.
    fx = scaled(s.x, xlim) * 2 * (cols - 1) + 0.5  # cell centres: dot 0.5 of 2, 1.5 of 4
    fy = scaled(s.y, ylim) * 4 * (rows - 1) + 1.5
    if s.x.size > 1:
        steps = np.maximum(np.abs(np.diff(fx)), np.abs(np.diff(fy)))
        moves = np.concatenate([[True], steps > 0])  # np.interp needs strictly rising `along`
        fx, fy, steps = fx[moves], fy[moves], steps[steps > 0]
        along = np.concatenate([[0.0], np.cumsum(steps)])
        t = np.arange(0.0, along[-1] + 0.5, 0.5)
        if pattern in GAPS:
            t = t[GAPS[pattern](t)]
        fx, fy = np.interp(t, along, fx), np.interp(t, along, fy)
    px, py = np.floor(fx + 0.5).astype(np.int64), np.floor(fy + 0.5).astype(np.int64)
    inside = (px >= 0) & (px < 2 * cols) & (py >= 0) & (py < 4 * rows)
    return px[inside], py[inside]


def scaled(values: np.ndarray, lim: Limits) -> np.ndarray:
    """Where values sit between lim's ends (0 and 1), clipped to [-1, 2]."""
    lo, hi = lim
    span = hi - lo
    return (np.clip(values, lo - span, hi + span) - lo) / span


def segment_rows(codes: np.ndarray, owner: np.ndarray, styles: list[Style]) -> list[list[Segment]]:
    """The canvas rows as segments: one run per stretch of cells drawn by the same series."""
    rows, cols = codes.shape
    chars = "".join(CELL_CHARS[codes].ravel().tolist())
    # A blank cell looks the same in any foreground colour: give it its left neighbour's, so a
    # run breaks only where the colour really changes (fewer segments, a cheaper frame).
    drawn_at = np.where(owner >= 0, np.arange(cols), 0)
    owner = np.take_along_axis(owner, np.maximum.accumulate(drawn_at, axis=1), axis=1)
    change = np.ones((rows, cols), dtype=bool)
    change[:, 1:] = owner[:, 1:] != owner[:, :-1]  # every row starts a run
    starts = np.flatnonzero(change)
    ends = np.append(starts[1:], rows * cols).tolist()
    out: list[list[Segment]] = [[] for _ in range(rows)]
    for a, b, who in zip(starts.tolist(), ends, owner.ravel()[starts].tolist(), strict=True):
        out[a // cols].append(Segment(chars[a:b], styles[who] if who >= 0 else None))
    return out
