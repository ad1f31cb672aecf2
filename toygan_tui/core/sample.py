"""Draw curves from a checkpoint's generator, and write them as csv, json or npy."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from toygan_tui.core.checkpoint import load_generator
from toygan_tui.core.config import ConfigError
from toygan_tui.core.data import x_grid
from toygan_tui.core.metrics import quality

MAX_SAMPLES = 1_000_000  # a 15-float curve each: ~120 MB at most


@dataclass(frozen=True)
class Samples:
    x: np.ndarray  # (n_points,)
    curves: np.ndarray  # (n × n_points), float64
    metrics: dict[str, float]  # the quality measures over these curves
    step: int  # the checkpoint's training step


def draw(ckpt: Path, num: int, seed: int) -> Samples:
    """`num` curves of the checkpoint's G on the CPU; the same seed gives the same curves."""
    if not 0 < num <= MAX_SAMPLES:
        raise ConfigError(f"--num must be between 1 and {MAX_SAMPLES}, got {num}")
    G, cfg, step = load_generator(ckpt)
    z = torch.randn(num, cfg.n_ideas, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        curves = G(z).double().numpy()
    return Samples(x=x_grid(cfg.n_points), curves=curves, metrics=quality(curves), step=step)


def to_json(samples: Samples) -> str:
    return json.dumps(
        {
            "x": samples.x.tolist(),
            "curves": samples.curves.tolist(),
            "metrics": samples.metrics,
            "step": samples.step,
        }
    )


def to_csv(samples: Samples) -> str:
    """One curve per row, its values at x = linspace(-1, 1, n_points); no header."""
    buffer = io.StringIO()
    np.savetxt(buffer, samples.curves, delimiter=",", fmt="%.6f")
    return buffer.getvalue()


def to_npy(samples: Samples, out: Path) -> None:
    np.save(out, samples.curves)
