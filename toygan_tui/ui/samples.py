"""`toygan sample`'s terminal views: the samples in their problem's picture with a table of
its measures, or their values in a table."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from toygan_tui.core.problems.base import Measure
from toygan_tui.ui.format import number
from toygan_tui.ui.views import picture

if TYPE_CHECKING:
    from toygan_tui.core.runfiles.drawn import Samples

CHART_HEIGHT = 18


def samples_view(samples: Samples, fmt: str) -> RenderableType:
    """fmt "chart": the samples and a table of the measures; "table": the values."""
    problem, n = samples.problem, len(samples.drawn)
    which = "the EMA of G" if samples.ema else "the generator"
    best = " (best.pt: the run's best report)" if samples.best else ""
    title = Text(f"{n} {problem.view} from {which} at step {samples.step}{best}", style="bold")
    if fmt == "table":
        return Group(title, values_table(samples))
    shown = picture(problem, samples.drawn, samples.labels, height=CHART_HEIGHT)
    return Group(title, shown, measures_table(problem.measures, samples.metrics))


def measures_table(measures: tuple[Measure, ...], metrics: dict[str, float]) -> Table:
    table = Table("measure", "value", "good", "what it means", box=None, pad_edge=False)
    for m in measures:
        value = number(metrics.get(m.name, float("nan")), m.decimals)
        table.add_row(m.name, value, f"{m.arrow} {m.target}", m.meaning)
    return table


def values_table(samples: Samples) -> Table:
    """Curves: one row per x position, one column per curve (curves are short, so this stays
    narrow). Points: one row per point."""
    if not len(samples.x):  # no x positions: 2-D points, not curves
        table = Table("#", "x", "y", box=None, pad_edge=False)
        for i, (px, py) in enumerate(samples.drawn):
            table.add_row(f"{i + 1}", f"{px:+.3f}", f"{py:+.3f}")
        return table
    curves, x = samples.drawn, samples.x
    table = Table("x", *(f"#{i + 1}" for i in range(len(curves))), box=None, pad_edge=False)
    for j, xj in enumerate(np.asarray(x)):
        table.add_row(f"{xj:+.3f}", *(f"{v:.3f}" for v in curves[:, j]))
    return table
