"""Snapshot: what a run looks like at one report. Floats and numpy arrays only.

This is the contract every front end reads (dashboard, plain lines, metrics.jsonl, watch);
it holds no tensors, so building one is the only host sync of a report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# The keys of one metrics.jsonl line, in order.
METRIC_KEYS = (
    "step", "d_loss", "g_loss", "d_real", "d_fake",
    "in_bounds", "a_w1", "shape_rmse", "coverage", "steps_per_s", "time",
)  # fmt: skip

QUALITY_KEYS = ("in_bounds", "a_w1", "shape_rmse", "coverage")

# The tutorial's reference values: D(real) → 0.5 at equilibrium, D loss → 2·ln 2, G loss → −ln 2.
REFERENCE = {"d_real": 0.5, "d_fake": 0.5, "d_score": -1.386, "d_loss": 1.386, "g_loss": -0.693}

# The GPU engine's name where CUDA-graph capture failed carries the reason (status.json and the
# README keep it); a one-line header shows only "fast (eager)", so the reason cannot push the
# run's status off the screen.
EAGER = "fast (eager: "


def eager_engine(why: str) -> str:
    """The CUDA engine's name when it launches its steps one by one, and why it does."""
    return f"{EAGER}{why})"


def engine_label(name: str) -> str:
    """The engine's name as a header shows it: the eager fallback's reason left out."""
    return "fast (eager)" if name.startswith(EAGER) else name


@dataclass(frozen=True)
class Snapshot:
    step: int  # steps done so far
    total: int  # the run's --steps
    d_loss: float  # −mean[log D(x) + log(1 − D(G(z)))]
    g_loss: float  # mean[log(1 − D(G(z)))]
    d_real: float  # mean D(x) over the real batch (the tutorial's "D accuracy")
    d_fake: float  # mean D(G(z)) over the fake batch
    quality: dict[str, float]  # in_bounds, a_w1, shape_rmse, coverage on the eval batch
    curves: np.ndarray  # (n_show × n_points) G's curves from the fixed display noise
    x: np.ndarray  # (n_points,) where the curves are drawn
    steps_per_s: float  # training throughput since the previous snapshot
    elapsed: float  # seconds since the run started (monotonic), resumed runs included
    run_id: str = ""
    device: str = "cpu"
    engine: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def eta(self) -> float:
        """Seconds until the run ends at the current speed (inf when unknown)."""
        if self.steps_per_s <= 0:
            return float("inf")
        return (self.total - self.step) / self.steps_per_s

    def metrics_row(self) -> dict[str, float]:
        """One metrics.jsonl line (time = seconds since the run started)."""
        row: dict[str, float] = {
            "step": self.step,
            "d_loss": self.d_loss,
            "g_loss": self.g_loss,
            "d_real": self.d_real,
            "d_fake": self.d_fake,
        }
        row.update(self.quality)
        row["steps_per_s"] = self.steps_per_s
        row["time"] = self.elapsed
        return row

    @classmethod
    def from_row(cls, row: Mapping[str, Any], **fields: Any) -> Snapshot:
        """The Snapshot a metrics row describes (the inverse of metrics_row; null reads as NaN),
        completed by `fields` (total, curves, x, run_id, ...). TypeError if a value is no number."""
        return cls(
            step=int(row["step"]),
            d_loss=json_number(row.get("d_loss")),
            g_loss=json_number(row.get("g_loss")),
            d_real=json_number(row.get("d_real")),
            d_fake=json_number(row.get("d_fake")),
            quality={k: json_number(row.get(k)) for k in QUALITY_KEYS},
            steps_per_s=json_number(row.get("steps_per_s")),
            elapsed=json_number(row.get("time")),
            **fields,
        )


@dataclass(frozen=True)
class Starting:
    """What a run's first frame says before its first report, drawn before torch has loaded."""

    run_id: str
    step: int  # where the run starts: 0, or a resumed checkpoint's step
    total: int  # the run's --steps


def json_number(value: Any) -> float:
    """A JSON number as a float; null (a non-finite value when written) or absent reads as NaN."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"not a number: {value!r}")
    return float(value)
