"""`toygan sample`'s terminal views: the curves between the bounds, or their values in a table."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from toygan_tui.ui.chart import curves_chart

CHART_HEIGHT = 18
MEASURE_HINTS = {
    "in_bounds": "fraction of curves with x² ≤ y ≤ 2x²+1 everywhere; real curves: 1",
    "a_w1": "distance of the amplitudes from U(1, 2); 0 is a perfect spread",
    "shape_rmse": "distance from the family a·(x²+1) − 1; real curves: 0",
    "coverage": "share of the 10 amplitude bins in [1, 2] that are used; real curves: 1",
}


def samples_view(
    x: np.ndarray, curves: np.ndarray, metrics: Mapping[str, float], step: int, fmt: str
) -> RenderableType:
    """fmt "chart": the curves and a table of the quality measures; "table": the values."""
    title = Text(f"{len(curves)} curves from the generator at step {step}", style="bold")
    if fmt == "table":
        return Group(title, values_table(x, curves))
    return Group(title, curves_chart(x, curves, CHART_HEIGHT), measures_table(metrics))


def measures_table(metrics: Mapping[str, float]) -> Table:
    table = Table("measure", "value", "what it means", box=None, pad_edge=False)
    for name, value in metrics.items():
        table.add_row(name, f"{value:.3f}", MEASURE_HINTS.get(name, ""))
    return table


def values_table(x: np.ndarray, curves: np.ndarray) -> Table:
    """One row per x position, one column per curve (curves are short, so this stays narrow)."""
    table = Table("x", *(f"#{i + 1}" for i in range(len(curves))), box=None, pad_edge=False)
    for j, xj in enumerate(x):
        table.add_row(f"{xj:+.3f}", *(f"{v:.3f}" for v in curves[:, j]))
    return table
