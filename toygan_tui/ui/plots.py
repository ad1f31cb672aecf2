"""`toygan plot`'s view: a run's history as stacked terminal charts, one per kind of measure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from toygan_tui.core.snapshot import REFERENCE
from toygan_tui.ui.chart import history_chart
from toygan_tui.ui.history import History

CHART_HEIGHT = 12

# (title, the series drawn together, reference lines): related measures share one chart.
PANELS: tuple[tuple[str, tuple[str, ...], Mapping[str, float]], ...] = (
    ("losses", ("d_loss", "g_loss"), {"2·ln2": REFERENCE["d_loss"], "-ln2": REFERENCE["g_loss"]}),
    ("D(real) / D(fake)", ("d_real", "d_fake"), {"0.5": REFERENCE["d_real"]}),
    ("in_bounds (higher is better)", ("in_bounds",), {}),
    ("a_w1 (lower is better)", ("a_w1",), {}),
    ("shape_rmse (lower is better)", ("shape_rmse",), {}),
    ("coverage (higher is better)", ("coverage",), {}),
    ("steps/s", ("steps_per_s",), {}),
    ("time (s)", ("time",), {}),
)


def history_view(rows: Iterable[Mapping[str, float]], metrics: Sequence[str], title: str) -> Group:
    """One chart per panel that holds any of `metrics`, over the rows' steps."""
    history = History()
    for row in rows:
        history.add_row({k: v for k, v in row.items() if v is not None})
    parts: list[RenderableType] = [Text(f"{title}  ({len(history)} reports)", style="bold")]
    for name, members, refs in PANELS:
        chosen = [m for m in members if m in metrics]
        if chosen:
            values = {m: history.series(m) for m in chosen}
            parts.append(history_chart(history.steps, values, refs, name, CHART_HEIGHT))
    return Group(*parts)
