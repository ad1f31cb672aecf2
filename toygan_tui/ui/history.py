"""History: the metric rows seen so far, thinned so a long run keeps bounded memory.

The dashboard's history chart and `toygan plot` read it; it never knows how it is drawn.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from toygan_tui.core.runfiles.snapshot import Snapshot

MAX_POINTS = 2000  # a chart is at most a few hundred braille dots wide; more is wasted memory


class History:
    """Steps and metric values in arrival order; at most `max_points` rows are kept.

    When full, every other older row is dropped (the newest is always kept), so a run of any
    length keeps the shape of its whole history, denser near the present.
    """

    def __init__(self, max_points: int = MAX_POINTS) -> None:
        if max_points < 4:
            raise ValueError("max_points must be at least 4")
        self.max_points = max_points
        self.steps: list[float] = []
        self.values: dict[str, list[float]] = {}

    def __len__(self) -> int:
        return len(self.steps)

    def add(self, snapshot: Snapshot) -> None:
        """Record one report."""
        self.add_row(snapshot.metrics_row())

    def add_row(self, row: Mapping[str, float]) -> None:
        """Record one metrics row (as metrics.jsonl holds it); `step` is required."""
        n = len(self.steps)
        self.steps.append(float(row["step"]))
        for name, value in row.items():
            if name == "step" or not isinstance(value, (int, float)):
                continue
            # A series first seen late is padded with NaN, which charts drop.
            column = self.values.setdefault(name, [math.nan] * n)
            column.append(float(value))
        for column in self.values.values():
            if len(column) < n + 1:
                column.append(math.nan)
        if len(self.steps) > self.max_points:
            self._thin()

    def series(self, name: str) -> list[float]:
        """The values of one metric, aligned with `steps` (NaN where a row lacked it)."""
        return self.values.get(name, [math.nan] * len(self.steps))

    def _thin(self) -> None:
        """Drop every other row but the newest: memory stays ≤ max_points, the shape stays."""
        self.steps = self.steps[:-1:2] + self.steps[-1:]
        for name, column in self.values.items():
            self.values[name] = column[:-1:2] + column[-1:]
