"""A run's reports as an animated GIF (`toygan replay RUN --out progress.gif`): one frame per
report (or every n-th), each the view's picture of G's fixed-noise samples at that report,
captioned with its step. Images come as the PNG grid `toygan sample` writes (enlarged by whole
pixels to at least 256 wide); curves are drawn between their bounds, 2-D points over the real
ones (grey), in Pillow, on a SIDE × SIDE canvas with fixed axes, so the frames compare.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

import numpy as np

from toygan_tui.core.problems.base import PointsProblem, Problem, View
from toygan_tui.core.problems.curve_data import lower_bound, upper_bound
from toygan_tui.core.runfiles.drawn import enlarged, grid, save_gif
from toygan_tui.core.runfiles.snapshot import Snapshot

SIDE = 320  # a curves or points frame's canvas, in pixels
MARGIN = 12
CAPTION = 16  # pixels of the strip the step is written in
CURVES_Y = (-0.5, 3.5)  # as the dashboard's chart: fixed, so the frames compare
BACKGROUND, INK, DIM, BOUND = (255, 255, 255), (30, 30, 30), (190, 190, 190), (220, 60, 60)
COLOURS = ((31, 119, 180), (214, 39, 140), (44, 160, 44), (230, 150, 0), (120, 80, 200))
REAL_SHOWN = 1_000


def frame(problem: Problem, snap: Snapshot) -> Any:
    """The report's picture (a Pillow image), captioned with its step."""
    picture = PICTURES[problem.view](problem, snap)
    return _captioned(picture, f"step {snap.step:,}".replace(",", " "))


def write_gif(frames: Iterable[Any], out: Path, fps: float) -> int:
    """The frames as a looping GIF, 1/fps seconds each (the last held a second longer);
    how many were written."""
    pictures = list(frames)
    durations = [round(1000 / fps)] * len(pictures)
    durations[-1] += 1000
    save_gif(pictures, out, durations)
    return len(pictures)


def _images(problem: Problem, snap: Snapshot) -> Any:
    from PIL import Image

    samples = snap.samples
    if not len(samples):
        return Image.new("RGB", (SIDE, SIDE), BACKGROUND)
    return Image.fromarray(enlarged(grid(samples)))  # grey images stay grey: a smaller GIF


def _canvas() -> tuple[Any, Any]:
    from PIL import Image, ImageDraw

    picture = Image.new("RGB", (SIDE, SIDE), BACKGROUND)
    return picture, ImageDraw.Draw(picture)


def _to_pixels(xs: np.ndarray, ys: np.ndarray, box: tuple[tuple[float, float], ...]) -> list:
    (x0, x1), (y0, y1) = box
    span = SIDE - 2 * MARGIN
    px = MARGIN + (np.asarray(xs) - x0) / (x1 - x0) * span
    py = SIDE - MARGIN - (np.asarray(ys) - y0) / (y1 - y0) * span  # y grows upwards
    return list(zip(px.tolist(), py.tolist(), strict=True))


def _curves(problem: Problem, snap: Snapshot) -> Any:
    x, curves, labels = snap.x if len(snap.x) else problem.x, snap.samples, snap.labels
    picture, draw = _canvas()
    box = ((float(x.min()), float(x.max())), CURVES_Y) if len(x) else ((-1.0, 1.0), CURVES_Y)
    for bound in (lower_bound(x), upper_bound(x)):
        draw.line(_to_pixels(x, bound, box), fill=BOUND, width=2)
    for i, curve in enumerate(np.nan_to_num(curves)):
        colour = COLOURS[int(labels[i] if labels is not None else i) % len(COLOURS)]
        draw.line(_to_pixels(x, curve, box), fill=colour, width=1)
    return picture


def _points(problem: Problem, snap: Snapshot) -> Any:
    mixture, points = cast(PointsProblem, problem), snap.samples
    picture, draw = _canvas()
    real = mixture.reference_points(REAL_SHOWN)
    for px, py in _to_pixels(real[:, 0], real[:, 1], mixture.box):
        draw.point((px, py), fill=DIM)
    if len(points):
        for px, py in _to_pixels(points[:, 0], points[:, 1], mixture.box):
            draw.ellipse((px - 1, py - 1, px + 1, py + 1), fill=COLOURS[0])
    return picture


# One picture per kind of view (core/problems/base.py View), as ui/views.py has.
PICTURES: dict[View, Callable[[Problem, Snapshot], Any]] = {
    "curves": _curves,
    "points": _points,
    "images": _images,
}


def _captioned(picture: Any, text: str) -> Any:
    from PIL import Image, ImageDraw

    grey = picture.mode == "L"
    out = Image.new(picture.mode, (picture.width, picture.height + CAPTION),
                    255 if grey else BACKGROUND)  # fmt: skip
    out.paste(picture, (0, CAPTION))
    ImageDraw.Draw(out).text((4, 2), text, fill=INK[0] if grey else INK)
    return out
