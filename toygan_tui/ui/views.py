"""Which picture a problem's samples get (its `view`): curves between the bounds, one colour
per class for a conditional problem; 2-D points over D's heatmap; a grid of images in half
blocks. The dashboard, replay and `sample` ask here; none of them knows a problem by name.
Over the samples, the drawings the keys toggle where the view has them (ui/overlays.py:
OFFERED): G's manifold over the points, the arrows of G's loss over points and curves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, cast

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.segment import Segment
from rich.text import Text

from toygan_tui.core.problems.base import NamedClasses, PointsProblem, Problem, View
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.ui.chart import Chart, curves_chart
from toygan_tui.ui.i18n import N_, _
from toygan_tui.ui.images import ImageGrid
from toygan_tui.ui.overlays import NO_LAYERS, OFFERED, CurveArrows, Layers
from toygan_tui.ui.scatter import PointsChart

CURVES_LABEL = N_("G's curves (fixed noise)")  # the same noise every frame: the same curves evolve
REAL_SHOWN = 1_000  # real points drawn dim under G's


class Picture(Protocol):
    """A view's picture: printed on its own (legend line, then the picture), or drawn by the
    dashboard into a block of a given size."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult: ...

    def legend(self, color: bool = True, width: int | None = None) -> Text:
        """One line over the picture; `width`: the cells it has (short words where needed)."""
        ...

    def render_lines(self, width: int, height: int, color: bool) -> list[list[Segment]]: ...


def problem_view(problem: Problem, snap: Snapshot | None, layers: Layers = NO_LAYERS) -> Picture:
    """The snapshot's samples as the problem's view draws them, with the `layers` it has and
    the snapshot holds; before the first report, the view's frame alone (the bounds, or the
    real points), so the frame has its shape."""
    if snap is None:
        return picture(problem, np.empty((0, *problem.sample_shape)))
    x = snap.x if len(snap.x) else None
    shown = picture(problem, snap.samples, snap.labels, x, snap.heat)
    return with_layers(shown, snap, layers)


def offered(problem: Problem) -> tuple[str, ...]:
    """The drawings the problem's view can lay over its samples ("manifold", "arrows")."""
    return OFFERED[problem.view]


def with_layers(shown: Picture, snap: Snapshot, layers: Layers) -> Picture:
    """The picture with the drawings `layers` asks for, where it has them and `snap` holds
    their data (a report from an older toygan holds none: the picture stays as it is)."""
    arrows = snap.arrows
    if arrows is not None and arrows.shape[1:] != snap.samples.shape[1:]:
        arrows = None
    if isinstance(shown, PointsChart):
        shown.manifold, shown.arrows, shown.layers = snap.manifold, arrows, layers
    elif isinstance(shown, Chart) and layers.arrows and arrows is not None:
        x = snap.x if len(snap.x) else np.arange(snap.samples.shape[1])
        k = min(len(arrows), len(snap.samples))
        shown.arrows = CurveArrows(x, np.atleast_2d(snap.samples)[:k], arrows[:k])
    return shown


def picture(
    problem: Problem,
    samples: np.ndarray,
    labels: np.ndarray | None = None,
    x: np.ndarray | None = None,
    heat: np.ndarray | None = None,
    height: int | None = None,
) -> Picture:
    """Samples (n × sample size) in the problem's view: points over D's heatmap (`heat`, if
    known) and the real points, or curves at `x` (the problem's) in one colour per class, or a
    grid of images."""
    return PICTURES[problem.view](problem, samples, labels, x, heat, height)


def _images(
    problem: Problem, samples: np.ndarray, labels: np.ndarray | None, *_: object
) -> Picture:
    names = problem.classes if isinstance(problem, NamedClasses) else ()
    return ImageGrid(samples, labels, names=names)


def _points(
    problem: Problem,
    samples: np.ndarray,
    labels: np.ndarray | None,
    x: object,
    heat: np.ndarray | None,
    *_: object,
) -> Picture:
    points = cast(PointsProblem, problem)
    return PointsChart(points.reference_points(REAL_SHOWN), samples, points.box, heat)


def _curves(
    problem: Problem,
    samples: np.ndarray,
    labels: np.ndarray | None,
    x: np.ndarray | None,
    heat: object,
    height: int | None,
) -> Picture:
    x = problem.x if x is None else x
    return curves_chart(x, samples, height, label=_(CURVES_LABEL), classes=labels)


# One picture per kind of view (core/problems/base.py View): a new kind is one entry here.
PICTURES: dict[View, Callable[..., Picture]] = {
    "curves": _curves,
    "points": _points,
    "images": _images,
}
