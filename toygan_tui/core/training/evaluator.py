"""What a report shows of G and D, off the training stream: G's samples on a fixed noise batch
(and fixed labels) with the problem's measures, and, for a 2-D problem, D's say on a grid over
its box (a packed D's on K copies of each point) and G's manifold (G on a fixed grid of noise,
GAN Lab's 20 × 20). For the problems drawn as curves or points, the arrows: where G's loss
pushes a few of the shown samples (−∇ of G's loss with respect to each sample, D as it stands,
a packed D's on K copies of it; D's input gradient written out in numpy).
One host sync per report (a GPU's results are copied once).

The manifold's grid: G's noise is N(0, I), so the grid's lines sit at the normal quantiles
(i + ½)/20 of the first two noise dimensions, the others at 0 (the 2-D problems have exactly
two): every cell holds the same share of the noise, and where G's image of a cell is small, G
puts that share of its samples densely (the view shades it). One noise dimension: one row.

An Evaluator holds no run's state: runs equal in its READS (a sweep's members) share one. A
report may be evaluated behind the training on copies of the players at the report's step
(training/reporter.py: Spares), so the evaluation sees that step's weights whatever the
training has done since.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from statistics import NormalDist
from typing import cast

import numpy as np
import torch
from torch import nn

from toygan_tui.core.config import EVALUATOR_FIELDS, TrainConfig
from toygan_tui.core.engines.flat import linear_layers
from toygan_tui.core.losses import torch_ops
from toygan_tui.core.nets import codes
from toygan_tui.core.nets.inputs import with_labels
from toygan_tui.core.problems.base import PointsProblem
from toygan_tui.core.training.state import TrainState

HEAT_CELLS = 40  # D is evaluated on a 40 × 40 grid over a 2-D problem's box
MANIFOLD_CELLS = 20  # G on a 20 × 20 grid of noise (GAN Lab's)
# How many of the shown samples get an arrow, by view: points (of 500) and curves (of 8).
ARROWS = {"points": 40, "curves": 3}


@dataclass
class Players:
    """The modules a report evaluates: G, D where the view draws D's say, G's EMA if kept."""

    G: nn.Module
    D: nn.Module | None
    G_ema: nn.Module | None = None  # the EMA of G's weights, where the run keeps one
    busy: Future | None = None  # the evaluation reading these copies, if any

    def tensors(self) -> list[torch.Tensor]:
        """Every parameter: G's, D's, then the EMA's, in module order."""
        modules = (self.G, self.D, self.G_ema)
        return [p for m in modules if m is not None for p in m.parameters()]

    @functools.cached_property
    def d_layers(self) -> list[nn.Linear]:
        """D's Linear layers (an MLP's: the arrows' D), found once for these modules."""
        assert self.D is not None
        return linear_layers(self.D)


@dataclass(frozen=True)
class Evaluation:
    quality: dict[str, float]  # the problem's measures on the whole evaluation batch
    shown: np.ndarray  # the first n_show samples, what the view draws
    labels: np.ndarray | None  # the classes those were asked for (conditional problems)
    heat: np.ndarray | None  # D's say (0 fake … 1 real) on the grid, rows from the bottom
    ema_quality: dict[str, float]  # the EMA of G's measures on the same batch ({} without one)
    manifold: np.ndarray | None = None  # G on the noise grid (rows × cols × 2), 2-D problems
    arrows: np.ndarray | None = None  # −∇ of G's loss at the first shown samples (k × size)


class Evaluator:
    # The config's fields __init__ reads (the option table's EVALUATOR readers): runs equal in
    # these may share one Evaluator (a sweep's).
    READS = EVALUATOR_FIELDS

    @classmethod
    def key(cls, cfg: TrainConfig) -> tuple[object, ...]:
        """Equal for two configs whose runs may share one Evaluator."""
        return tuple(getattr(cfg, name) for name in cls.READS)

    def __init__(self, cfg: TrainConfig, device: torch.device) -> None:
        problem = self.problem = cfg.the_problem
        self.loss = cfg.the_loss
        n = max(cfg.n_eval, cfg.n_show)
        gen = torch.Generator().manual_seed(cfg.eval_seed)
        z = codes.in_turn(torch.randn(n, problem.noise_dim, generator=gen), cfg.codes)
        labels = problem.eval_labels(n)
        column = None if labels is None else torch.from_numpy(labels).float()[:, None]
        self.labels, self.column = labels, None if column is None else column.to(device)
        self.z = z.to(device)
        self.n_eval, self.n_show = cfg.n_eval, cfg.n_show
        points = cast(PointsProblem, problem) if problem.view == "points" else None
        # D's say on a point: a packed D (--pack K) judges K copies of it side by side.
        self.pack = cfg.pack
        self.grid = None if points is None else _grid(points.box).repeat(1, cfg.pack).to(device)
        flat = points is not None and not problem.cond_dim  # G maps the noise into the plane
        self.noise_grid = noise_grid(problem.noise_dim).to(device) if flat else None
        mlp = problem.nets == "mlp"  # D's input gradient is written out for an MLP
        self.n_arrows = min(ARROWS.get(problem.view, 0), cfg.n_show) if mlp else 0
        self.ops = torch_ops()

    def players(self, state: TrainState) -> Players:
        """The state's own modules: for an evaluation done before the training goes on."""
        needs_d = self.grid is not None or self.n_arrows > 0
        return Players(state.G, state.D if needs_d else None, state.g_ema)

    @torch.no_grad()
    def evaluate(self, seen: Players) -> Evaluation:
        samples = self._fakes(seen.G).double().cpu().numpy()
        eval_labels = None if self.labels is None else self.labels[: self.n_eval]
        ema_quality = {}
        if seen.G_ema is not None:  # the same noise, so the two readouts compare like for like
            ema_samples = self._fakes(seen.G_ema)[: self.n_eval].double().cpu().numpy()
            ema_quality = self.problem.measure(ema_samples, eval_labels)
        heat = None
        if self.grid is not None and seen.D is not None:
            logits = seen.D(self.grid).double().cpu().numpy().reshape(HEAT_CELLS, HEAT_CELLS)
            with np.errstate(all="ignore"):
                heat = self.loss.heat(logits)
        return Evaluation(
            quality=self.problem.measure(samples[: self.n_eval], eval_labels),
            shown=samples[: self.n_show],
            labels=None if self.labels is None else self.labels[: self.n_show],
            heat=heat,
            ema_quality=ema_quality,
            manifold=self._manifold(seen.G),
            arrows=self._arrows(seen, samples),
        )

    def _fakes(self, G: torch.nn.Module) -> torch.Tensor:
        return G(with_labels(self.z, self.column))  # type: ignore[no-any-return]

    def _manifold(self, G: torch.nn.Module) -> np.ndarray | None:
        """G on the noise grid, (rows × cols × 2): the warped grid the view draws."""
        if self.noise_grid is None:
            return None
        rows, cols = self.noise_grid.shape[:2]
        flat = self.noise_grid.reshape(rows * cols, -1)
        return G(flat).double().cpu().numpy().reshape(rows, cols, -1)  # type: ignore[no-any-return]

    def _arrows(self, seen: Players, samples: np.ndarray) -> np.ndarray | None:
        """−∇ of G's loss at each of the first n_arrows samples, with respect to the sample:
        where D's gradient pushes it. Per sample (the derivative of its own term of the loss),
        so the length does not depend on how many get an arrow. A packed D judges the sample
        as K copies of it, as the heatmap does: the arrow is the sum of the K copies' gradients."""
        if not self.n_arrows or seen.D is None:
            return None
        k, width = self.n_arrows, samples.shape[1]
        x = samples[:k] if self.labels is None else np.column_stack([samples[:k], self.labels[:k]])
        layers = [(m.weight.detach().cpu().numpy(), m.bias.detach().cpu().numpy())
                  for m in seen.d_layers]  # fmt: skip
        grad = input_gradient(layers, np.tile(x, (1, self.pack)), self._dl)
        return -grad.reshape(k, self.pack, -1).sum(axis=1)[:, :width]

    def _dl(self, logits: np.ndarray) -> np.ndarray:
        """G's loss differentiated by each sample's logit: the loss's own dL/dlogit where it
        has one (the fast engines' formula), else autograd on its formula, over these few."""
        if self.loss.logit_grads is not None:
            return np.asarray(self.loss.logit_grads(logits, logits)[2])
        with torch.enable_grad():
            leaf = torch.from_numpy(logits).requires_grad_(True)
            (grad,) = torch.autograd.grad(self.loss.g_loss(leaf, self.ops) * len(leaf), leaf)
        return grad.numpy()  # type: ignore[no-any-return]


Layer = tuple[np.ndarray, np.ndarray]  # a Linear layer's weight (out × in) and bias


def input_gradient(
    layers: list[Layer], x: np.ndarray, dl: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """d(loss)/d(input) of an MLP of Linear → ReLU layers ending in one logit per row, the
    loss's derivative by the logits given as dl(logits): written out in numpy, a few small
    matmuls (an autograd call on the module costs a report several times as much)."""
    h, on = x, []
    for w, b in layers[:-1]:
        pre = h @ w.T + b
        on.append(pre > 0)
        h = np.maximum(pre, 0.0)
    w, b = layers[-1]
    delta = dl((h @ w.T + b)[:, 0])[:, None] * w
    for (w, _), active in zip(reversed(layers[:-1]), reversed(on), strict=True):
        delta = (delta * active) @ w
    return delta  # type: ignore[no-any-return]


def _grid(box: tuple[tuple[float, float], tuple[float, float]]) -> torch.Tensor:
    """The centres of HEAT_CELLS² cells over the box, row by row from the bottom (y0)."""
    (x0, x1), (y0, y1) = box
    xs = x0 + (np.arange(HEAT_CELLS) + 0.5) * (x1 - x0) / HEAT_CELLS
    ys = y0 + (np.arange(HEAT_CELLS) + 0.5) * (y1 - y0) / HEAT_CELLS
    gx, gy = np.meshgrid(xs, ys)  # gy varies along rows: row i is y = ys[i]
    return torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], axis=1)).float()


def noise_grid(noise_dim: int, cells: int = MANIFOLD_CELLS) -> torch.Tensor:
    """(rows × cells × noise_dim): the normal quantiles (i + ½)/cells along the first two
    noise dimensions (x along a row, y down the rows), 0 in the others; one row for 1-D noise."""
    q = torch.tensor([NormalDist().inv_cdf((i + 0.5) / cells) for i in range(cells)])
    rows = cells if noise_dim >= 2 else 1
    grid = torch.zeros(rows, cells, noise_dim)
    grid[:, :, 0] = q[None, :]
    if noise_dim >= 2:
        grid[:, :, 1] = q[:, None]
    return grid
