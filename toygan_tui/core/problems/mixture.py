"""A 2-D target made of Gaussian modes (GAN Lab's idea): the shared half of ring, grid, two.

Each of those is one module holding one Mixture; this class gives them the Problem protocol.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from toygan_tui.core.problems import points
from toygan_tui.core.problems.base import Defaults, Measure, Nets, View
from toygan_tui.core.problems.points import Box

if TYPE_CHECKING:
    import torch

N_EVAL_REAL = 2_500  # the real points the js histogram compares against
REAL_SEED = 2_718  # their own seed: fixed, apart from every run's streams

HQ = Measure("hq", True, 0.9, "1", "fraction of points within 3σ of their nearest mode")
RKL = Measure("rkl", False, 0.1, "0", "KL of the modes' shares from even shares; 0 is even")
JS = Measure("js", False, 0.1, "0", "Jensen–Shannon divergence of 30×30 histograms, real vs G")

# The lead of a probe (issue 9): for `ring`, 2 hidden layers of 128, batch 256, Adam lr 1e-4,
# betas (0.5, 0.999) reached 8/8 modes with hq 0.92 at 20 000 steps (ns loss, seeds 1 and 2).
MLP_2X128 = Defaults(
    hidden=128, depth=2, batch_size=256, lr_g=1e-4, lr_d=1e-4, beta1=0.5, beta2=0.999, steps=20_000,
    n_eval=2_500, n_show=500,  # the measures' n = 2 500 (PacGAN's); the view draws 500 of them
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class Mixture:
    """Equal-weight Gaussian modes: centres (K × 2), one σ per mode and axis (K × 2)."""

    name: str
    summary: str
    centres: np.ndarray
    stds: np.ndarray
    box: Box  # the plotting window, and the js histograms' range
    defaults: Defaults = MLP_2X128
    noise_dim: int = 2
    out_dim: int = 2
    sample_shape: tuple[int, ...] = (2,)
    nets: Nets = "mlp"
    requires: tuple[tuple[str, str], ...] = ()
    labels: tuple[int, ...] = ()
    view: View = "points"
    charted: tuple[str, str] = ("hq", "js")
    measures: tuple[Measure, ...] = field(init=False)

    def __post_init__(self) -> None:
        k = len(self.centres)
        meaning = f"modes (of {k}) holding a quarter of a fair share of good points"
        # Half the modes or fewer (one of `two`'s two): G has crowded into a few of them.
        modes = Measure("modes", True, k, str(k), meaning, decimals=0, collapsed=k // 2)
        object.__setattr__(self, "measures", (modes, HQ, RKL, JS))

    @property
    def cond_dim(self) -> int:
        return 0

    @property
    def x(self) -> np.ndarray:
        return np.empty(0)  # points are not drawn as curves

    def real_batch(self, rng: np.random.RandomState, n: int) -> tuple[np.ndarray, None]:
        """Pick a mode per point (uniformly), then add its Gaussian noise."""
        k = rng.randint(len(self.centres), size=n)
        return self.centres[k] + self.stds[k] * rng.standard_normal((n, 2)), None

    def real_batch_torch(
        self, gen: torch.Generator, n: int, device: torch.device
    ) -> tuple[torch.Tensor, None]:
        import torch

        centres, stds = self._on(device)
        k = torch.randint(len(self.centres), (n,), generator=gen, device=device)
        noise = torch.randn(n, 2, generator=gen, device=device)
        return centres[k] + stds[k] * noise, None

    def _on(self, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """The centres and σs on the device, made once: a CUDA graph may replay the sampler,
        never allocate or copy from the host."""
        import torch

        cache: dict[torch.device, tuple[torch.Tensor, torch.Tensor]]
        cache = self.__dict__.setdefault("_device_arrays", {})
        if device not in cache:
            cache[device] = tuple(  # type: ignore[assignment]
                torch.tensor(a, dtype=torch.float32, device=device)
                for a in (self.centres, self.stds)
            )
        return cache[device]

    def eval_labels(self, n: int) -> None:
        return None

    def reference_points(self, n: int = N_EVAL_REAL) -> np.ndarray:
        """n real points from a fixed seed: what js compares against and the view draws dim."""
        points, _ = self.real_batch(np.random.RandomState(REAL_SEED), n)
        return points

    def measure(self, samples: np.ndarray, labels: np.ndarray | None = None) -> dict[str, float]:
        p = np.asarray(samples, dtype=np.float64)
        finite = np.asarray(np.isfinite(p).all(axis=1))
        far = np.where(finite[:, None], p, np.inf)  # a diverged point is far from every mode
        return {
            "modes": float(points.modes(far, self.centres, self.stds)),
            "hq": points.hq(far, self.centres, self.stds),
            "rkl": points.rkl(far, self.centres, self.stds),
            "js": points.js(np.where(finite[:, None], p, 1e12), self._real, self.box),
        }

    @functools.cached_property
    def _real(self) -> np.ndarray:
        return self.reference_points()  # drawn once, at the first measure


def round_modes(centres: np.ndarray, std: float) -> np.ndarray:
    """One σ per mode and axis, all equal."""
    return np.full((len(centres), 2), std)
