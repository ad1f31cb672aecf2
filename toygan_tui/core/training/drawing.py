"""Draw samples from a checkpoint's generator, and write them as csv, json or npy.

Curves come as {"x": [...], "curves": [[...]], ...}, one curve per csv row; 2-D points as
{"points": [[x, y], ...], ...}, two csv columns; images (n × C × H × W) as {"images": ...},
an npy array or a PNG grid, with pixel values in [0, 1] (0 black), and no csv. A run that kept
an EMA of G (--ema) is sampled from that average unless raw=True (`--raw`); "generator" says
which ("ema" or "G"). A conditional problem's samples carry the label each was asked for
("labels"): the one `--label` gives, else its classes in turn.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from toygan_tui.core.config import ConfigError
from toygan_tui.core.nets import codes
from toygan_tui.core.nets.inputs import with_labels
from toygan_tui.core.problems import Problem
from toygan_tui.core.training.checkpoint import load_generator

MAX_SAMPLES = 1_000_000  # a 15-float curve each: ~120 MB at most
MAX_IMAGE_VALUES = 200_000_000  # images: n × C × H × W floats, 1.6 GB at most
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


def draw(
    ckpt: Path,
    num: int,
    seed: int,
    label: int | None = None,
    raw: bool = False,
    code: int | None = None,
) -> Samples:
    """`num` samples of the checkpoint's generator on the CPU (its EMA of G where it kept one,
    unless raw); the same seed gives the same ones. `code`: all drawn with that InfoGAN code."""
    if not 0 < num <= MAX_SAMPLES:
        raise ConfigError(f"--num must be between 1 and {MAX_SAMPLES}, got {num}")
    G, cfg, step, ema = load_generator(ckpt, raw)
    problem = cfg.the_problem
    if num * int(np.prod(problem.sample_shape)) > MAX_IMAGE_VALUES:
        most = MAX_IMAGE_VALUES // int(np.prod(problem.sample_shape))
        raise ConfigError(f"--num: at most {most} images of {problem.name} at once, got {num}")
    labels = _labels(problem, num, label)
    z = torch.randn(num, problem.noise_dim, generator=torch.Generator().manual_seed(seed))
    if code is None:
        z = codes.in_turn(z, cfg.codes)  # as the reports' fixed noise: every code in turn
    else:
        z = codes.fixed(z, _code(cfg.codes, code), cfg.codes)
    column = None if labels is None else torch.from_numpy(labels).float()[:, None]
    with torch.no_grad():
        samples = G(with_labels(z, column)).double().numpy()
    metrics = problem.measure(samples, labels)
    return Samples(problem, problem.x, samples, labels, metrics, step, ema)


def _code(n_codes: int, code: int) -> int:
    if not n_codes:
        raise ConfigError("--code: the run has no codes (a run trained with --codes K has)")
    if not 0 <= code < n_codes:
        raise ConfigError(f"--code {code}: the run has the codes 0 to {n_codes - 1}")
    return code


def _labels(problem: Problem, num: int, label: int | None) -> np.ndarray | None:
    if label is None:
        return problem.eval_labels(num)
    if not problem.labels:
        raise ConfigError(f"--label: the run's problem {problem.name} has no classes")
    if label not in problem.labels:
        first, last = min(problem.labels), max(problem.labels)
        if len(problem.labels) > 2 and list(problem.labels) == list(range(first, last + 1)):
            classes = f"{first} to {last}"
        else:
            classes = " or ".join(map(str, problem.labels))
        raise ConfigError(f"--label {label}: {problem.name} has the classes {classes}")
    return np.full(num, label, dtype=np.int64)


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
