"""The recent reports of a run as series to judge: what the diagnosis' rules read
(core/runfiles/diagnosis.py). Pure stdlib: rows are metrics.jsonl's (null: not finite).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from toygan_tui.core.problems.base import Measure
from toygan_tui.core.runfiles.catalog import RunKind
from toygan_tui.core.runfiles.snapshot import EMA_PREFIX


@dataclass(frozen=True)
class Window:
    """A run's latest reports, oldest first (each row's values as floats: `numbers`), and
    what kind of run made them."""

    rows: Sequence[Mapping[str, float]]
    kind: RunKind
    columns: dict[str, list[float]] = field(default_factory=dict, compare=False)  # read ones
    memo: dict[str, Any] = field(default_factory=dict, compare=False)  # what two rules share

    def __len__(self) -> int:
        return len(self.rows)

    def series(self, key: str) -> list[float]:
        """One column of the rows; NaN where a row lacks it. (Read once: the rules ask for
        the same columns again and again, at every report.)"""
        if key not in self.columns:
            self.columns[key] = [row.get(key, math.nan) for row in self.rows]
        return self.columns[key]

    def measure(self, measure: Measure) -> list[float]:
        """A measure of the generator `sample` draws from: the EMA of G where the run keeps
        one (its column is in the latest row), else G."""
        ema = EMA_PREFIX + measure.name
        return self.series(ema if self.rows and ema in self.rows[-1] else measure.name)


def reversals(values: Sequence[float], swing: float) -> int:
    """How often the values turn round after moving at least `swing` one way: the turns of a
    zigzag with that hysteresis (NaN skipped). Noise smaller than `swing` never turns it."""
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return 0
    turns, direction = 0, 0
    low = high = extreme = finite[0]
    for value in finite[1:]:
        if direction == 0:  # no move of a whole swing yet
            low, high = min(low, value), max(high, value)
            if value - low >= swing or high - value >= swing:
                direction, extreme = (1 if value - low >= swing else -1), value
        elif (value - extreme) * direction > 0:  # further the same way
            extreme = value
        elif abs(value - extreme) >= swing:  # back a whole swing: a turn
            turns, direction, extreme = turns + 1, -direction, value
    return turns


def best(measure: Measure, values: Sequence[float]) -> float:
    """The best of the values (NaN if none is finite)."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return math.nan
    return max(finite) if measure.higher_is_better else min(finite)


def gain(measure: Measure, before: float, after: float) -> float:
    """How much better `after` is than `before` (negative: worse; NaN: either unknown)."""
    return after - before if measure.higher_is_better else before - after


def noise(measure: Measure, value: float) -> float:
    """The least change of a measure that counts as a change: one for a count, else 2 % of
    its value, and never under half a percent of its scale."""
    if measure.decimals == 0:
        return 0.5
    return max(0.005 * measure.scale, 0.02 * abs(value)) if math.isfinite(value) else math.inf


def mean(values: Sequence[float]) -> float:
    """The mean of the finite values (NaN if none)."""
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else math.nan


def written(value: float, decimals: int = 3) -> str:
    """A number as a reason quotes it ('nan' where it is not finite)."""
    return f"{value:.{decimals}f}" if math.isfinite(value) else "nan"


def gains(w: Window) -> list[tuple[float, Measure, float, float]]:
    """The measures whose mean over the latter half of the window beats their mean over the
    first half by more than noise: (the gain in units of noise, the measure, the two means).
    Worked out once a window (stalled and learning both ask)."""
    if "gains" in w.memo:
        return w.memo["gains"]  # type: ignore[no-any-return]
    half = len(w) // 2
    gains = []
    for m in w.kind.problem.measures:
        values = w.measure(m)
        before, after = mean(values[:-half]), mean(values[-half:])
        size = gain(m, before, after)
        if size > noise(m, before):  # False for NaN
            gains.append((size / noise(m, before), m, before, after))
    w.memo["gains"] = gains
    return gains


def measured(w: Window) -> bool:
    """Whether any measure has a finite value in the window."""
    return any(math.isfinite(v) for m in w.kind.problem.measures for v in w.measure(m))


def numbers(row: Mapping[str, Any]) -> dict[str, float]:
    """A metrics row's values as floats: null (not finite when written), a bool or text as
    NaN."""
    return {key: _float(value) for key, value in row.items()}


def _float(value: Any) -> float:
    kind = type(value)
    if kind is float:
        return value  # type: ignore[no-any-return]
    return float(value) if kind is int else math.nan
