"""Which picture a problem's samples get (its `view`): curves between the bounds, one colour
per class for a conditional problem; 2-D points over D's heatmap. The dashboard, replay and
`sample` ask here; none of them knows a problem by name."""

from __future__ import annotations

from typing import Protocol, cast

import numpy as np
from rich.segment import Segment
from rich.text import Text

from toygan_tui.core.problems.base import PointsProblem, Problem
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.ui.chart import curves_chart
from toygan_tui.ui.points import PointsChart

CURVES_LABEL = "G's curves (fixed noise)"  # the same noise every frame: the same curves evolve
REAL_SHOWN = 1_000  # real points drawn dim under G's


class Picture(Protocol):
    """What the dashboard draws in a block: a legend line and the picture under it."""

    def legend(self, color: bool = True) -> Text: ...

    def render_lines(self, width: int, height: int, color: bool) -> list[list[Segment]]: ...


def problem_view(problem: Problem, snap: Snapshot | None) -> Picture:
    """The snapshot's samples as the problem's view draws them; before the first report, the
    view's frame alone (the bounds, or the real points), so the frame has its shape."""
    samples = snap.curves if snap is not None else np.empty((0, problem.out_dim))
    labels = snap.labels if snap is not None else None
    if problem.view == "points":
        points = cast(PointsProblem, problem)
        heat = snap.heat if snap is not None else None
        real = points.reference_points(REAL_SHOWN)
        return PointsChart(real, samples, points.box, heat)
    x = snap.x if snap is not None and len(snap.x) else problem.x
    return curves_chart(x, samples, label=CURVES_LABEL, classes=labels)
