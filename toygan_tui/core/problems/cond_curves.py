"""`cond-curves`: the seed's 406_conditional_GAN, fixed. The curves of `curves`, each labelled
c = 1 when its amplitude a > 1.5 (the upper half of the band) else 0; G is asked for a class.

G sees [z, c] and D sees [curve, c]; otherwise the curve problem's nets, optimizer and loss.
Fakes are asked for the labels of the real batch they are judged against (as in the seed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from toygan_tui.core.problems import curve_measures as metrics
from toygan_tui.core.problems.base import Defaults, Measure, Nets, View
from toygan_tui.core.problems.curve_data import curves_from_amplitudes, real_amplitudes, x_grid
from toygan_tui.core.problems.curves import IN_BOUNDS, TUTORIAL, x_squared

if TYPE_CHECKING:
    import torch

SPLIT = 1.5  # a > SPLIT is class 1
HALVES = ((1.0, SPLIT), (SPLIT, 2.0))  # the amplitudes of class 0 and of class 1

CLASS_ACC = Measure(
    "class_acc", True, 0.9, "1", "fraction of curves in the half of the band that was asked for"
)
A_W1_PER_CLASS = Measure(
    "a_w1", False, 0.06, "~0.04", "amplitudes' distance from U(1, 1.5) and U(1.5, 2), the mean"
)


def class_of(amplitudes: np.ndarray) -> np.ndarray:
    """The label a curve of these amplitudes carries: 1 in the upper half of the band."""
    return (amplitudes > SPLIT).astype(np.int64)


def class_acc(amplitudes: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of amplitudes in the half asked for: [1, 1.5) for 0, [1.5, 2] for 1."""
    lower = (amplitudes >= 1.0) & (amplitudes < SPLIT)
    upper = (amplitudes >= SPLIT) & (amplitudes <= 2.0)
    return float(np.where(labels == 1, upper, lower).mean())


def a_w1_per_class(amplitudes: np.ndarray, labels: np.ndarray) -> float:
    """The mean over the classes asked for of the 1-Wasserstein distance to their half."""
    distances = [
        metrics.w1_to_uniform(amplitudes[labels == c], lo, hi)
        for c, (lo, hi) in enumerate(HALVES)
        if np.any(labels == c)
    ]
    return float(np.mean(distances))


class CondCurves:
    """Curves with a class: the lower or the upper half of the band."""

    name = "cond-curves"
    summary = "the curves, conditioned on a class: lower (a < 1.5) or upper half of the band"
    noise_dim = 5
    out_dim = 15
    sample_shape = (15,)
    nets: Nets = "mlp"
    requires: tuple[tuple[str, str], ...] = ()
    labels: tuple[int, ...] = (0, 1)
    defaults: Defaults = TUTORIAL
    measures: tuple[Measure, ...] = (IN_BOUNDS, A_W1_PER_CLASS, CLASS_ACC)
    view: View = "curves"
    charted = ("in_bounds", "class_acc")
    headline: tuple[str, ...] = ("in_bounds", "class_acc")

    @property
    def cond_dim(self) -> int:
        return 1  # the label itself, 0 or 1, as the seed feeds it

    @property
    def x(self) -> np.ndarray:
        return x_grid(self.out_dim)

    def real_batch(self, rng: np.random.RandomState, n: int) -> tuple[np.ndarray, np.ndarray]:
        a = real_amplitudes(rng, n)
        return curves_from_amplitudes(a, self.x), class_of(a)

    def real_batch_torch(
        self, gen: torch.Generator, n: int, device: torch.device
    ) -> tuple[torch.Tensor, torch.Tensor]:
        import torch

        amp = 1 + torch.rand(n, 1, generator=gen, device=device)
        return amp * x_squared(self.out_dim, device) + (amp - 1), (amp[:, 0] > SPLIT).long()

    def eval_labels(self, n: int) -> np.ndarray:
        """0, 1, 0, 1, ...: both classes in every shown batch, half of the evaluation each."""
        return np.arange(n) % 2

    def measure(self, samples: np.ndarray, labels: np.ndarray | None) -> dict[str, float]:
        if labels is None or len(labels) != len(samples):
            raise ValueError("cond-curves measures need the label each sample was asked for")
        y = np.asarray(samples, dtype=np.float64)
        amplitudes = metrics.a_hat(y)
        return {
            "in_bounds": metrics.in_bounds(y),
            "a_w1": a_w1_per_class(amplitudes, labels),
            "class_acc": class_acc(amplitudes, labels),
        }


COND_CURVES = CondCurves()
