"""What a report shows of G and D, off the training stream: G's samples on a fixed noise batch
(and fixed labels) with the problem's measures, and, for a 2-D problem, D's say on a grid over
its box (a packed D's on K copies of each point). One host sync per report (a GPU's results
are copied once).

An Evaluator holds no run's state: runs equal in its READS (a sweep's members) share one. A
report may be evaluated behind the training on copies of the players at the report's step
(training/reporter.py: Spares), so the evaluation sees that step's weights whatever the
training has done since.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import cast

import numpy as np
import torch
from torch import nn

from toygan_tui.core.config import EVALUATOR_FIELDS, TrainConfig
from toygan_tui.core.nets import codes
from toygan_tui.core.nets.inputs import with_labels
from toygan_tui.core.problems.base import PointsProblem
from toygan_tui.core.training.state import TrainState

HEAT_CELLS = 40  # D is evaluated on a 40 × 40 grid over a 2-D problem's box


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


@dataclass(frozen=True)
class Evaluation:
    quality: dict[str, float]  # the problem's measures on the whole evaluation batch
    shown: np.ndarray  # the first n_show samples, what the view draws
    labels: np.ndarray | None  # the classes those were asked for (conditional problems)
    heat: np.ndarray | None  # D's say (0 fake … 1 real) on the grid, rows from the bottom
    ema_quality: dict[str, float]  # the EMA of G's measures on the same batch ({} without one)


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
        self.grid = None if points is None else _grid(points.box).repeat(1, cfg.pack).to(device)

    def players(self, state: TrainState) -> Players:
        """The state's own modules: for an evaluation done before the training goes on."""
        return Players(state.G, None if self.grid is None else state.D, state.g_ema)

    @torch.no_grad()
    def evaluate(self, seen: Players) -> Evaluation:
        samples = self._samples(seen.G)
        eval_labels = None if self.labels is None else self.labels[: self.n_eval]
        ema_quality = {}
        if seen.G_ema is not None:  # the same noise, so the two readouts compare like for like
            ema_samples = self._samples(seen.G_ema)[: self.n_eval]
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
        )

    def _samples(self, G: torch.nn.Module) -> np.ndarray:
        return G(with_labels(self.z, self.column)).double().cpu().numpy()  # type: ignore[no-any-return]


def _grid(box: tuple[tuple[float, float], tuple[float, float]]) -> torch.Tensor:
    """The centres of HEAT_CELLS² cells over the box, row by row from the bottom (y0)."""
    (x0, x1), (y0, y1) = box
    xs = x0 + (np.arange(HEAT_CELLS) + 0.5) * (x1 - x0) / HEAT_CELLS
    ys = y0 + (np.arange(HEAT_CELLS) + 0.5) * (y1 - y0) / HEAT_CELLS
    gx, gy = np.meshgrid(xs, ys)  # gy varies along rows: row i is y = ys[i]
    return torch.from_numpy(np.stack([gx.ravel(), gy.ravel()], axis=1)).float()
