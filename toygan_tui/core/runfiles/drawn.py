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
from toygan_tui.core.problems.base import NamedClasses

PNG_PAD = 2  # black pixels between two images of a PNG grid (torchvision's make_grid's)
FRAME_MS = 83  # a GIF's frames: 12 a second
GIF_WIDTH = 256  # a GIF's pictures are enlarged (whole pixels) to at least this width


@dataclass(frozen=True)
class Samples:
    problem: Problem
    x: np.ndarray  # where a curve's points sit (empty for 2-D points)
    drawn: np.ndarray  # (n × sample shape), float64: curves, 2-D points, or images
    labels: np.ndarray | None  # the class each sample was asked for (conditional problems)
    metrics: dict[str, float]  # the problem's measures over these samples
    step: int  # the checkpoint's training step
    ema: bool = False  # drawn by the EMA of G's weights (else by G itself)
    best: bool = False  # from best.pt: G at the run's best report

    @property
    def generator(self) -> str:
        return "ema" if self.ema else "G"


@dataclass(frozen=True)
class Walk:
    """Images along walks through G's noise space (training/drawing.py: walk)."""

    problem: Problem
    frames: np.ndarray  # (frames × n × C × H × W), float64 in [-1, 1]
    labels: np.ndarray | None
    step: int
    ema: bool = False


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
    tail = {"metrics": metrics, "step": samples.step, "generator": samples.generator,
            "best": samples.best}  # fmt: skip
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

    Image.fromarray(grid(samples.drawn)).save(out, format="PNG")


def to_pngs(samples: Samples, folder: Path) -> list[Path]:
    """One PNG per image in `folder` (made if needed): 0000.png, ... (a conditional run's named
    by its class too: 0000-cats.png); the files written."""
    from PIL import Image

    problem = samples.problem
    names = problem.classes if isinstance(problem, NamedClasses) else ()
    folder.mkdir(exist_ok=True)
    written = []
    for i, image in enumerate(pixels(samples.drawn)):
        label = "" if samples.labels is None else f"-{_class_name(int(samples.labels[i]), names)}"
        path = folder / f"{i:04d}{label}.png"
        Image.fromarray(image[0] if len(image) == 1 else image.transpose(1, 2, 0)).save(path)
        written.append(path)
    return written


def to_gif(walk: Walk, out: Path) -> None:
    """The walk as an animated GIF, a grid of its walks per frame, FRAME_MS apart, looping."""
    from PIL import Image

    save_gif([Image.fromarray(enlarged(grid(frame))) for frame in walk.frames], out, FRAME_MS)


def save_gif(pictures: list[Any], out: Path, duration: int | list[int]) -> None:
    """Pillow images as a looping GIF, `duration` ms each (or per frame). A colour frame gets
    its 256 colours by Pillow's fast octree: the default (median cut) took 6× as long (36
    frames of 288 × 288: 0.84 s against 0.15 s); a grey one needs none."""
    from PIL import Image

    fast = Image.Quantize.FASTOCTREE
    frames = [p.quantize(method=fast) if p.mode == "RGB" else p for p in pictures]
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:],
                   duration=duration, loop=0)  # fmt: skip


def to_frames(walk: Walk, folder: Path) -> list[Path]:
    """The walk's frames as PNG grids in `folder` (made if needed): frame-0000.png, ..."""
    from PIL import Image

    folder.mkdir(exist_ok=True)
    written = []
    for i, frame in enumerate(walk.frames):
        path = folder / f"frame-{i:04d}.png"
        Image.fromarray(grid(frame)).save(path)
        written.append(path)
    return written


def pixels(images: np.ndarray) -> np.ndarray:
    """Images in [-1, 1] (n × C × H × W) as 8-bit pixels."""
    return np.rint(np.clip((images + 1) / 2, 0.0, 1.0) * 255).astype(np.uint8)


def grid(images: np.ndarray) -> np.ndarray:
    """Images in [-1, 1] as one picture (H × W, or H × W × 3): a grid as square as it goes,
    PNG_PAD black pixels apart."""
    eight = pixels(images)
    n, c, h, w = eight.shape
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    out = np.zeros((c, rows * (h + PNG_PAD) + PNG_PAD, cols * (w + PNG_PAD) + PNG_PAD), np.uint8)
    for i, image in enumerate(eight):
        top, left = PNG_PAD + (i // cols) * (h + PNG_PAD), PNG_PAD + (i % cols) * (w + PNG_PAD)
        out[:, top : top + h, left : left + w] = image
    return out[0] if c == 1 else out.transpose(1, 2, 0)


def enlarged(picture: np.ndarray, least: int = GIF_WIDTH) -> np.ndarray:
    """A picture repeated pixel by pixel until it is at least `least` pixels wide."""
    k = max(1, -(-least // picture.shape[1]))
    return np.asarray(picture.repeat(k, axis=0).repeat(k, axis=1))


def _class_name(label: int, names: tuple[str, ...]) -> str:
    return names[label] if label < len(names) else str(label)
