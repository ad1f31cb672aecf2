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
from toygan_tui.core.problems.base import NamedClasses
from toygan_tui.core.runfiles.drawn import Samples, Walk
from toygan_tui.core.training.checkpoint import load_generator, read_checkpoint
from toygan_tui.core.training.keeper import BEST_KIND

MAX_SAMPLES = 1_000_000  # a 15-float curve each: ~120 MB at most
MAX_IMAGE_VALUES = 200_000_000  # images: n × C × H × W floats, 1.6 GB at most
LEG_FRAMES = 12  # frames of a walk between two points of the noise space (1 s at 12 frames/s)
MAX_POINTS = 100


def draw(
    ckpt: Path,
    num: int,
    seed: int,
    label: str | None = None,
    raw: bool = False,
    code: int | None = None,
) -> Samples:
    """`num` samples of the checkpoint's generator on the CPU (its EMA of G where it kept one,
    unless raw); the same seed gives the same ones. `code`: all drawn with that InfoGAN code."""
    data = read_checkpoint(ckpt)
    G, cfg, step, ema = load_generator(ckpt, raw, data)
    problem = cfg.the_problem
    _check_num(problem, num)
    labels = _labels(problem, num, label)
    z = _coded(torch.randn(num, problem.noise_dim, generator=torch.Generator().manual_seed(seed)),
               cfg.codes, code)  # fmt: skip
    samples = _drawn(G, z, labels)
    metrics = problem.measure(samples, labels)
    best = data.get("kind") == BEST_KIND
    return Samples(problem, problem.x, samples, labels, metrics, step, ema, best)


def walk(
    ckpt: Path,
    points: int,
    num: int,
    seed: int,
    label: str | None = None,
    raw: bool = False,
    code: int | None = None,
) -> Walk:
    """`num` walks through `points` points of G's noise space and back to the first, each leg
    LEG_FRAMES frames along the great circle between two points (slerp: a Gaussian's norm is
    kept, as DCGAN's interpolations do). Image problems only."""
    G, cfg, step, ema = load_generator(ckpt, raw)
    problem = cfg.the_problem
    if len(problem.sample_shape) != 3:
        raise ConfigError(
            f"--interpolate walks between images; {problem.name} draws {problem.view}"
        )
    if not 2 <= points <= MAX_POINTS:
        raise ConfigError(f"--interpolate must be between 2 and {MAX_POINTS} points, got {points}")
    _check_num(problem, num * points * LEG_FRAMES)
    labels = _labels(problem, num, label)
    gen = torch.Generator().manual_seed(seed)
    anchors = [_coded(torch.randn(num, problem.noise_dim, generator=gen), cfg.codes, code)
               for _ in range(points)]  # fmt: skip
    frames = []
    for k in range(points):
        a, b = anchors[k], anchors[(k + 1) % points]
        for t in np.arange(LEG_FRAMES) / LEG_FRAMES:
            frames.append(_drawn(G, slerp(a, b, float(t)), labels))
    return Walk(problem, np.stack(frames), labels, step, ema)


def slerp(a: torch.Tensor, b: torch.Tensor, t: float) -> torch.Tensor:
    """Row by row, the point a fraction t along the great circle from a to b (a straight
    line where the two are parallel)."""
    cos = torch.nn.functional.cosine_similarity(a, b, dim=1).clamp(-1, 1)[:, None]
    omega = torch.arccos(cos)
    sin = torch.sin(omega)
    safe = sin.abs() > 1e-6
    arc = (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.where(safe, sin, 1)
    return torch.where(safe, arc, (1 - t) * a + t * b)


def _coded(z: torch.Tensor, n_codes: int, code: int | None) -> torch.Tensor:
    if code is None:
        return codes.in_turn(z, n_codes)  # as the reports' fixed noise: every code in turn
    return codes.fixed(z, _code(n_codes, code), n_codes)


def _drawn(G: torch.nn.Module, z: torch.Tensor, labels: np.ndarray | None) -> np.ndarray:
    column = None if labels is None else torch.from_numpy(labels).float()[:, None]
    with torch.no_grad():
        return G(with_labels(z, column)).double().numpy()  # type: ignore[no-any-return]


def _check_num(problem: Problem, num: int) -> None:
    if not 0 < num <= MAX_SAMPLES:
        raise ConfigError(f"--num must be between 1 and {MAX_SAMPLES}, got {num}")
    size = int(np.prod(problem.sample_shape))
    if num * size > MAX_IMAGE_VALUES:
        raise ConfigError(f"--num: at most {MAX_IMAGE_VALUES // size} images of {problem.name} "
                          f"at once, got {num}")  # fmt: skip


def _code(n_codes: int, code: int) -> int:
    if not n_codes:
        raise ConfigError("--code: the run has no codes (a run trained with --codes K has)")
    if not 0 <= code < n_codes:
        raise ConfigError(f"--code {code}: the run has the codes 0 to {n_codes - 1}")
    return code


def _labels(problem: Problem, num: int, label: str | None) -> np.ndarray | None:
    """The class each sample is asked for: `label` (a class's name or number) for all, else
    the problem's classes in turn."""
    if label is None:
        return problem.eval_labels(num)
    if not problem.labels:
        raise ConfigError(f"--label: the run's problem {problem.name} has no classes")
    names = problem.classes if isinstance(problem, NamedClasses) else ()
    number = names.index(label) if label in names else _number(label)
    if number not in problem.labels:
        raise ConfigError(f"--label {label}: {problem.name} has the classes {_classes(problem)}")
    return np.full(num, number, dtype=np.int64)


def _number(label: str) -> int | None:
    try:
        return int(label)
    except ValueError:
        return None


def _classes(problem: Problem) -> str:
    """The classes as a message names them: their names (and numbers), or their range."""
    names = problem.classes if isinstance(problem, NamedClasses) else ()
    if names:
        return ", ".join(f"{name} ({i})" for i, name in enumerate(names))
    first, last = min(problem.labels), max(problem.labels)
    if len(problem.labels) > 2 and list(problem.labels) == list(range(first, last + 1)):
        return f"{first} to {last}"
    return " or ".join(map(str, problem.labels))
