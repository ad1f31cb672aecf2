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

TIMING_KEYS = ("steps_per_s", "time")  # the last columns of every metrics.jsonl line
# The EMA generator's measures are the problem's, each under this prefix (ema_in_bounds, ...).
EMA_PREFIX = "ema_"

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
class Diagnosis:
    """The run's state read off its latest reports (core/runfiles/diagnosis.py says how)."""

    state: str  # the state's name, in English: status.json and the lessons key on it
    reason: str  # the reason's template, in English (the ui translates it)
    values: Mapping[str, str] = field(default_factory=dict)  # its fields, written out
    tone: str = ""  # good | bad | warn | "": how a view colours it

    @property
    def text(self) -> str:
        """The reason, in English."""
        return self.reason.format(**self.values)

    def to_dict(self) -> dict[str, str]:
        """status.json's and `toygan runs --format json`'s: the state and the reason."""
        return {"state": self.state, "reason": self.text}


@dataclass(frozen=True)
class Snapshot:
    step: int  # steps done so far
    total: int  # the run's --steps
    stats: dict[str, float]  # the loss's stats by name (core/losses.py): d_loss, g_loss, ...
    quality: dict[str, float]  # the problem's measures by name, on the fixed evaluation batch
    samples: np.ndarray  # (n_show × sample shape) G's samples from the fixed display noise:
    #                     curves (n_show × 15), 2-D points (n_show × 2) or images
    #                     (n_show × C × H × W, in [-1, 1]), by the problem
    x: np.ndarray  # where a curve's points are drawn (empty for other problems)
    steps_per_s: float  # training throughput since the previous snapshot
    elapsed: float  # seconds since the run started (monotonic), resumed runs included
    run_id: str = ""
    device: str = "cpu"
    engine: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    problem: str = "curves"  # the run's problem and loss: which measures, stats and view
    loss: str = "minimax"
    labels: np.ndarray | None = None  # the class each shown sample was asked for (conditional)
    heat: np.ndarray | None = None  # D's output on a grid over a 2-D problem's box (rows: y)
    ema_quality: dict[str, float] = field(default_factory=dict)  # the EMA of G's measures, by
    #                     the problem's names (empty when the run keeps no EMA: no --ema)
    manifold: np.ndarray | None = None  # G on a grid of noise (rows × cols × 2), 2-D problems
    arrows: np.ndarray | None = None  # −∇ of G's loss at samples[:k] (k × sample size)
    lr: dict[str, float] = field(default_factory=dict)  # the learning rates in force, by player
    pack: int = 1  # samples D judges as one input (--pack; 1: none), for the header
    diagnosis: Diagnosis | None = None  # the run's state at this report, where it was judged

    @property
    def eta(self) -> float:
        """Seconds until the run ends at the current speed (inf when unknown)."""
        if self.steps_per_s <= 0:
            return float("inf")
        return (self.total - self.step) / self.steps_per_s

    def metrics_row(self) -> dict[str, float]:
        """One metrics.jsonl line: the step, the loss's stats, the problem's measures (then the
        EMA generator's, prefixed ema_), then steps_per_s and time (seconds since the start)."""
        row: dict[str, float] = {"step": self.step, **self.stats, **self.quality}
        row.update({EMA_PREFIX + k: v for k, v in self.ema_quality.items()})
        row["steps_per_s"] = self.steps_per_s
        row["time"] = self.elapsed
        return row

    @classmethod
    def from_row(
        cls, row: Mapping[str, Any], names: tuple[tuple[str, ...], tuple[str, ...]], **fields: Any
    ) -> Snapshot:
        """The Snapshot a metrics row describes (the inverse of metrics_row; null or absent
        reads as NaN): `names` are the run's stat and measure names; `fields` complete it
        (total, samples, x, run_id, problem, loss, ...). TypeError if a value is no number."""
        stat_names, measure_names = names
        return cls(
            step=int(row["step"]),
            stats={k: json_number(row.get(k)) for k in stat_names},
            quality={k: json_number(row.get(k)) for k in measure_names},
            ema_quality={
                k: json_number(row[EMA_PREFIX + k]) for k in measure_names if EMA_PREFIX + k in row
            },
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
    problem: str = "curves"  # so the frame has its view's shape before the first report
    loss: str = "minimax"


def json_number(value: Any) -> float:
    """A JSON number as a float; null (a non-finite value when written) or absent reads as NaN."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"not a number: {value!r}")
    return float(value)
