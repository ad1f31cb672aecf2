"""`toygan plot`'s views: a run's history as stacked terminal charts, one per kind of measure;
several runs overlaid, one chart per measure and one colour per run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from toygan_tui.core.snapshot import REFERENCE
from toygan_tui.ui.braille import series
from toygan_tui.ui.chart import history_chart, line_chart
from toygan_tui.ui.format import number
from toygan_tui.ui.history import History

CHART_HEIGHT = 12
# One colour per compared run, none of them the reference lines' grey: more runs than colours
# would make two runs look like one, so that is the most runs one plot compares.
RUN_COLORS = (
    "bright_cyan",
    "bright_magenta",
    "bright_green",
    "yellow",
    "bright_blue",
    "bright_red",
)

Rows = Iterable[Mapping[str, float | None]]
HALF = {"0.5": REFERENCE["d_real"]}

# (title, the series drawn together, reference lines): related measures share one chart.
PANELS: tuple[tuple[str, tuple[str, ...], Mapping[str, float]], ...] = (
    ("losses", ("d_loss", "g_loss"), {"2·ln2": REFERENCE["d_loss"], "-ln2": REFERENCE["g_loss"]}),
    ("D(real) / D(fake)", ("d_real", "d_fake"), HALF),
    ("in_bounds (higher is better)", ("in_bounds",), {}),
    ("a_w1 (lower is better)", ("a_w1",), {}),
    ("shape_rmse (lower is better)", ("shape_rmse",), {}),
    ("coverage (higher is better)", ("coverage",), {}),
    ("steps/s", ("steps_per_s",), {}),
    ("time (s)", ("time",), {}),
)
# Compared runs get one chart per measure: (measure, title, reference lines).
MEASURES: tuple[tuple[str, str, Mapping[str, float]], ...] = (
    ("d_loss", "D loss", {"2·ln2": REFERENCE["d_loss"]}),
    ("g_loss", "G loss", {"-ln2": REFERENCE["g_loss"]}),
    ("d_real", "D(real)", HALF),
    ("d_fake", "D(fake)", HALF),
    *((name, title, refs) for title, (name,), refs in PANELS[2:]),  # the one-measure panels
)


def history_view(rows: Rows, metrics: Sequence[str], title: str) -> Group:
    """One chart per panel that holds any of `metrics`, over the rows' steps."""
    history = _history(rows)
    parts: list[RenderableType] = [Text(f"{title}  ({len(history)} reports)", style="bold")]
    for name, members, refs in PANELS:
        chosen = [m for m in members if m in metrics]
        if chosen:
            values = {m: history.series(m) for m in chosen}
            parts.append(history_chart(history.steps, values, refs, name, CHART_HEIGHT))
    return Group(*parts)


def compare_view(runs: Mapping[str, Rows], metrics: Sequence[str]) -> Group:
    """Runs (by id; at most one per RUN_COLORS) overlaid over one step axis: a chart per
    measure in `metrics`, each run in its colour and named in the legend with its last value.
    Without colour every other run is dashed, so two runs still tell apart, and the reference
    lines are dotted, so a dashed run sitting on one (D(real) at 0.5) still shows."""
    histories = {run_id: _history(rows) for run_id, rows in runs.items()}
    counts = ", ".join(f"{run_id} ({len(h)} reports)" for run_id, h in histories.items())
    parts: list[RenderableType] = [Text(f"{len(runs)} runs: {counts}", style="bold")]
    for name, title, refs in MEASURES:
        if name in metrics:
            lines = [
                series(
                    f"{run_id} {_last(h.series(name))}",
                    h.steps,
                    h.series(name),
                    RUN_COLORS[i],
                    dashed_without_color=i % 2 == 1,
                )
                for i, (run_id, h) in enumerate(histories.items())
            ]
            parts.append(line_chart(lines, refs, title, CHART_HEIGHT, dotted_refs=True))
    return Group(*parts)


def _history(rows: Rows) -> History:
    history = History()
    for row in rows:
        history.add_row({k: v for k, v in row.items() if v is not None})
    return history


def _last(values: Sequence[float]) -> str:
    """The latest value of a series, as the dashboard shows numbers ('-' before any)."""
    return number(values[-1]) if values else "-"
