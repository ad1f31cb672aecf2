"""Samples drawn from a generator (training/drawing.py draws them), and the files `toygan
sample` writes them to. Torch-free.

Curves come as {"x": [...], "curves": [[...]], ...}, one curve per csv row; 2-D points as
{"points": [[x, y], ...], ...}, two csv columns; images (n × C × H × W) as {"images": ...},
an npy array or a PNG grid, with pixel values in [0, 1] (0 black), and no csv. "generator"
says which drew them ("ema": the EMA of G a run kept, or "G"); a conditional problem's
samples carry the label each was asked for ("labels").
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from toygan_tui.core.problems import Problem

PNG_PAD = 2  # black pixels between two images of a PNG grid (torchvision's make_grid's)


@dataclass(frozen=True)
class Samples:
    problem: Problem
    x: np.ndarray  # where a curve's points sit (empty for 2-D points)
    drawn: np.ndarray  # (n × sample shape), float64: curves, 2-D points, or images
    labels: np.ndarray | None  # the class each sample was asked for (conditional problems)
    metrics: dict[str, float]  # the problem's measures over these samples
    step: int  # the checkpoint's training step
    ema: bool = False  # drawn by the EMA of G's weights (else by G itself)

    @property
    def generator(self) -> str:
        return "ema" if self.ema else "G"


def is_images(samples: Samples) -> bool:
    return samples.drawn.ndim == 4


def values(samples: Samples) -> np.ndarray:
    """What the files hold: curves and points as drawn, images' pixels mapped to [0, 1]."""
    if is_images(samples):
        return np.clip((samples.drawn + 1) / 2, 0.0, 1.0)
    return samples.drawn


def to_json(samples: Samples) -> str:
    # Named after the view: {"x": [...], "curves": [...]}, {"points": [[x, y], ...]}, or
    # {"images": [n × C × H × W]}.
    body: dict[str, Any] = {"x": samples.x.tolist()} if len(samples.x) else {}
    body[samples.problem.view] = values(samples).tolist()
    if samples.labels is not None:
        body["labels"] = samples.labels.tolist()
    # A measure with no value (rkl with no sample near a mode) is NaN: null in JSON.
    metrics = {k: v if math.isfinite(v) else None for k, v in samples.metrics.items()}
    tail = {"metrics": metrics, "step": samples.step, "generator": samples.generator}
    return json.dumps({**body, **tail}, allow_nan=False)


def to_csv(samples: Samples) -> str:
    """One sample per row, no header: a curve's values at x = linspace(-1, 1, 15), or a
    point's x and y."""
    buffer = io.StringIO()
    np.savetxt(buffer, samples.drawn, delimiter=",", fmt="%.6f")
    return buffer.getvalue()


def to_npy(samples: Samples, out: Path) -> None:
    np.save(out, values(samples))


def to_png(samples: Samples, out: Path) -> None:
    """The images as one PNG grid (as square as it goes), PNG_PAD black pixels apart."""
    from PIL import Image

    images = np.rint(values(samples) * 255).astype(np.uint8)
    n, c, h, w = images.shape
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    grid = np.zeros((c, rows * (h + PNG_PAD) + PNG_PAD, cols * (w + PNG_PAD) + PNG_PAD), np.uint8)
    for i, image in enumerate(images):
        top, left = PNG_PAD + (i // cols) * (h + PNG_PAD), PNG_PAD + (i % cols) * (w + PNG_PAD)
        grid[:, top : top + h, left : left + w] = image
    picture = grid[0] if c == 1 else grid.transpose(1, 2, 0)
    Image.fromarray(picture).save(out, format="PNG")
