"""`curves`: the tutorial's target, y = a·x² + (a − 1) with a ~ U(1, 2) at 15 points of x.

It wraps curve_data.py and curve_measures.py (beside it), so its batches and measures are the
tutorial's and the released toygan's, bit for bit.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from toygan_tui.core.problems import curve_measures as metrics
from toygan_tui.core.problems.base import Defaults, Measure, Nets, View
from toygan_tui.core.problems.curve_data import curves_from_amplitudes, real_amplitudes, x_grid

if TYPE_CHECKING:
    import torch

IN_BOUNDS = Measure(
    "in_bounds", True, 0.85, "~0.9", "fraction of curves with x² ≤ y ≤ 2x²+1 everywhere; real: 1"
)
A_W1 = Measure(
    "a_w1", False, 0.06, "~0.04", "distance of the amplitudes from U(1, 2); 0 is a perfect spread"
)
SHAPE_RMSE = Measure(
    "shape_rmse", False, 0.05, "~0.03", "distance from the family a·(x²+1) − 1; real curves: 0"
)
COVERAGE = Measure(
    "coverage", True, 0.9, "1", "share of the 10 amplitude bins of [1, 2] that are used; real: 1",
    collapsed=0.5,  # half the bins or fewer: G draws a few amplitudes, whatever their shape
)  # fmt: skip

# The tutorial's settings (MorvanZhou 406_GAN): torch's Adam betas, one hidden layer of 128.
TUTORIAL = Defaults(
    hidden=128, depth=1, batch_size=64, lr_g=1e-4, lr_d=1e-4, beta1=0.9, beta2=0.999, steps=10_000
)


class Curves:
    """The tutorial's artist curves."""

    name = "curves"
    summary = "the tutorial's curves a·x² + (a − 1), a ~ U(1, 2), between x² and 2x² + 1"
    noise_dim = 5  # the tutorial's N_IDEAS
    out_dim = 15  # the tutorial's ART_COMPONENTS
    sample_shape = (15,)
    nets: Nets = "mlp"
    requires: tuple[tuple[str, str], ...] = ()
    labels: tuple[int, ...] = ()
    defaults: Defaults = TUTORIAL
    measures: tuple[Measure, ...] = (IN_BOUNDS, A_W1, SHAPE_RMSE, COVERAGE)
    view: View = "curves"
    charted = ("in_bounds", "a_w1")

    @property
    def cond_dim(self) -> int:
        return 0

    @property
    def x(self) -> np.ndarray:
        """Where every curve is drawn: linspace(-1, 1, 15)."""
        return x_grid(self.out_dim)

    def real_batch(self, rng: np.random.RandomState, n: int) -> tuple[np.ndarray, None]:
        return curves_from_amplitudes(real_amplitudes(rng, n), self.x), None

    def real_batch_torch(
        self, gen: torch.Generator, n: int, device: torch.device
    ) -> tuple[torch.Tensor, None]:
        import torch

        amp = 1 + torch.rand(n, 1, generator=gen, device=device)
        return amp * x_squared(self.out_dim, device) + (amp - 1), None

    def eval_labels(self, n: int) -> None:
        return None

    def measure(self, samples: np.ndarray, labels: np.ndarray | None = None) -> dict[str, float]:
        return metrics.quality(samples)


@functools.lru_cache(maxsize=8)
def x_squared(n_points: int, device: torch.device) -> torch.Tensor:
    """x² on the device, made once: a CUDA graph may replay the sampler, never allocate."""
    import torch

    return torch.tensor(x_grid(n_points) ** 2, dtype=torch.float32, device=device)


CURVES = Curves()
