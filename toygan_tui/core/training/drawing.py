"""Draw samples from a checkpoint's generator (runfiles/drawn.py writes them to files).

A run that kept an EMA of G (--ema) is sampled from that average unless raw=True (`--raw`). A
conditional problem's samples carry the label each was asked for: the one `--label` gives,
else its classes in turn; a run with codes, its codes in turn, or the one `--code` gives.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from toygan_tui.core.config import ConfigError
from toygan_tui.core.nets import codes
from toygan_tui.core.nets.inputs import with_labels
from toygan_tui.core.problems import Problem
from toygan_tui.core.runfiles.drawn import Samples
from toygan_tui.core.training.checkpoint import load_generator

MAX_SAMPLES = 1_000_000  # a 15-float curve each: ~120 MB at most
MAX_IMAGE_VALUES = 200_000_000  # images: n × C × H × W floats, 1.6 GB at most


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
