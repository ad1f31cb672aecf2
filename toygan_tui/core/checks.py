"""The checks of an option's value: each raises ConfigError with the one line the user sees.

The option table (core/config.py) names each option's check; `validate` runs them in the
table's order. A check sees the value and a `Context`: the run's problem, its loss and the
other options' values. Torch-free.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from toygan_tui.core.errors import ConfigError
from toygan_tui.core.losses import Loss
from toygan_tui.core.options import flag
from toygan_tui.core.problems import Problem
from toygan_tui.core.recipes import check_recipe

DEVICE_CHOICES = ("auto", "cpu", "cuda", "cuda:N", "mps")
ENGINE_CHOICES = ("auto", "fast", "reference")
D_NORMS = ("batch", "none")  # a DCGAN D's normalisation of its hidden layers
# Adam's first step is lr / (1 − β1) = 10·lr, which must fit a float32 (3.4e38); any rate near
# this bound diverges at once anyway, which the run reports as divergence.
MAX_LR = 1e15


@dataclass(frozen=True)
class Context:
    """What a check may look at besides the value: the run's problem and loss, all values."""

    problem: Problem
    loss: Loss
    values: Mapping[str, Any]


def whole_positive(name: str, value: Any) -> None:
    """A whole number > 0 (the table's `positive` options)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{flag(name)} must be a whole number, got {value!r}")
    if value <= 0:
        raise ConfigError(f"{flag(name)} must be positive, got {value}")


def learning_rate(name: str) -> Any:
    def check(value: Any, ctx: Context) -> None:
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise ConfigError(f"{flag(name)} must be a positive finite number, got {value}")
        if value > MAX_LR:
            raise ConfigError(f"{flag(name)} must be at most {MAX_LR:g}, got {value:g}")

    return check


def adam_beta(name: str) -> Any:
    def check(value: Any, ctx: Context) -> None:
        if not isinstance(value, (int, float)) or not 0 <= value < 1:
            raise ConfigError(f"{flag(name)} must be in [0, 1), got {value}")

    return check


def depth(value: Any, ctx: Context) -> None:
    """Any depth for MLPs; a DCGAN's depth follows its image size."""
    problem = ctx.problem
    if problem.nets != "mlp" and value != problem.defaults.depth:
        raise ConfigError(
            f"--depth: {problem.name}'s {problem.nets} nets take their depth from the image size"
            f" ({problem.defaults.depth} at {'×'.join(map(str, problem.sample_shape[1:]))})"
        )


def pack(k: Any, ctx: Context) -> None:
    """1 (none), or K > 1 samples per D input: MLP problems, a batch of whole packs."""
    if k == 1:
        return
    problem, batch = ctx.problem, ctx.values["batch_size"]
    if problem.nets != "mlp":
        raise ConfigError(
            f"--pack: --problem {problem.name}'s {problem.nets} D judges one image; "
            "packing takes the MLP problems"
        )
    if batch % k:
        raise ConfigError(
            f"--pack {k}: --batch-size {batch} is not a multiple of {k} "
            f"(D's packed inputs take {k} samples each)"
        )


def gp_weight(value: Any, ctx: Context) -> None:
    """A finite weight ≥ 0, and > 0 only for a loss with a penalty (wgan-gp)."""
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ConfigError(f"--gp-weight must be a finite number ≥ 0, got {value}")
    if value and not ctx.loss.gp_weight:
        raise ConfigError(
            f"--gp-weight applies to wgan-gp only; --loss {ctx.loss.name} has no penalty"
        )


def recipe(value: Any, ctx: Context) -> None:
    check_recipe(value, ctx.problem.name)


def ema(decay: Any, ctx: Context) -> None:
    """0 (no EMA), or a decay strictly between 0 and 1."""
    if (
        isinstance(decay, bool)
        or not isinstance(decay, (int, float))
        or not (decay == 0 or 0 < decay < 1)
    ):
        raise ConfigError(f"--ema must be 0 (none) or a decay in (0, 1) such as 0.999, got {decay}")


def augment(most: Any, ctx: Context) -> None:
    """0 (none), or a shift an image problem's images can take: less than half their side."""
    problem = ctx.problem
    if isinstance(most, bool) or not isinstance(most, int) or most < 0:
        raise ConfigError(f"--augment must be a whole number of pixels ≥ 0, got {most!r}")
    if most and len(problem.sample_shape) != 3:  # a shift moves C × H × W samples
        raise ConfigError(f"--augment shifts images; --problem {problem.name} has none")
    side = problem.sample_shape[-1]
    if most and 2 * most >= side:
        raise ConfigError(f"--augment must be less than half the image side ({side}), got {most}")


def d_norm(norm: Any, ctx: Context) -> None:
    """batch or none, and none only where D has BatchNorm to drop (a DCGAN's)."""
    problem = ctx.problem
    if norm not in D_NORMS:
        raise ConfigError(f"--d-norm must be one of {', '.join(D_NORMS)}, got {norm!r}")
    if norm != "batch" and problem.nets != "dcgan":
        raise ConfigError(f"--d-norm: --problem {problem.name}'s {problem.nets} D has no BatchNorm")


def codes(n: Any, ctx: Context) -> None:
    """0 (none), or 2 to noise_dim codes, for DCGAN nets (the code head is a convolution's)."""
    problem = ctx.problem
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ConfigError(f"--codes must be a whole number ≥ 0, got {n!r}")
    if n and problem.nets != "dcgan":
        raise ConfigError(f"--codes: --problem {problem.name}'s {problem.nets} nets take no code")
    if n == 1 or n > problem.noise_dim:
        raise ConfigError(
            f"--codes must be 0 (none) or 2 to {problem.noise_dim} (G's noise inputs), got {n}"
        )


def threads(n: Any, ctx: Context) -> None:
    """A whole number of threads, or 0 for every core."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ConfigError(f"--threads must be a whole number ≥ 0 (0: every core), got {n!r}")


def machine_cores() -> int:
    """The cores this process may run on (its CPU affinity: a container's or taskset's share)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


def engine(value: Any, ctx: Context) -> None:
    if value not in ENGINE_CHOICES:
        raise ConfigError(f"--engine must be one of {', '.join(ENGINE_CHOICES)}, got {value!r}")


def device(name: Any, ctx: Context | None = None) -> None:
    """auto, cpu, cuda, cuda:N, mps; whether the device exists is checked at training."""
    if isinstance(name, str) and re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", name):
        return
    raise ConfigError(f"--device must be one of {', '.join(DEVICE_CHOICES)}, got {name!r}")
