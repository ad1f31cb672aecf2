"""`toygan plot`'s views: a run's history as stacked terminal charts, one per kind of measure;
several runs overlaid, one chart per measure and one colour per run."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.text import Text

from toygan_tui.core.losses import Stat
from toygan_tui.core.runfiles.catalog import RunKind
from toygan_tui.core.runfiles.snapshot import EMA_PREFIX
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
Panel = tuple[str, tuple[str, ...], Mapping[str, float]]  # title, series, reference lines
TIMING: tuple[Panel, ...] = (("steps/s", ("steps_per_s",), {}), ("time (s)", ("time",), {}))


def panels(kind: RunKind, ema: bool = False) -> tuple[Panel, ...]:
    """A run's charts: its loss's two losses together, its other stats together (with their
    equilibrium marks), one per measure of its problem (G's and, with `ema`, the EMA of G's
    ema_ series in the same chart), then the speed and the time."""
    loss_stats, logit_stats = kind.loss.stats[:2], kind.loss.stats[2:]
    out: list[Panel] = [
        ("losses", tuple(s.name for s in loss_stats), _marks(loss_stats)),
        (" / ".join(s.label for s in logit_stats), tuple(s.name for s in logit_stats),
         _marks(logit_stats)),
    ]  # fmt: skip
    for m in kind.problem.measures:
        better = "higher" if m.higher_is_better else "lower"
        names = (m.name, EMA_PREFIX + m.name) if ema else (m.name,)
        out.append((f"{m.name} ({better} is better)", names, {}))
    return (*out, *TIMING)


def measures(kind: RunKind, ema: bool = False) -> tuple[Panel, ...]:
    """Compared runs get one chart per series: (title, (series,), reference lines)."""
    stats: list[Panel] = [(s.label, (s.name,), _marks((s,))) for s in kind.loss.stats]
    charts: list[Panel] = []
    for title, names, refs in panels(kind, ema)[2:]:
        charts += [(title if i == 0 else name, (name,), refs) for i, name in enumerate(names)]
    return (*stats, *charts)


def _marks(stats: Sequence[Stat]) -> dict[str, float]:
    """Equilibrium marks by their value, one line per distinct value."""
    return {f"{round(s.reference, 3):g}": s.reference for s in stats if s.reference is not None}


def history_view(
    rows: Rows, metrics: Sequence[str], title: str, kind: RunKind, ema: bool = False
) -> Group:
    """One chart per panel that holds any of `metrics`, over the rows' steps."""
    history = _history(rows)
    parts: list[RenderableType] = [Title(title, f"  ({len(history)} reports)")]
    for name, members, refs in panels(kind, ema):
        chosen = [m for m in members if m in metrics]
        if chosen:
            values = {m: history.series(m) for m in chosen}
            parts.append(history_chart(history.steps, values, refs, name, CHART_HEIGHT))
    return Group(*parts)


class Title:
    """`title` and its `suffix` on one line of the width drawn at: a title too long (a run's
    path deep in a temporary directory) loses its middle to '…', keeping its start and its end
    (the run id); the suffix (the report count) is never cut, and nothing wraps."""

    def __init__(self, title: str, suffix: str = "") -> None:
        self.title, self.suffix = title, suffix

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        room = options.max_width - len(self.suffix)
        line = Text(elide_middle(self.title, room) + self.suffix, style="bold", no_wrap=True)
        line.truncate(options.max_width, overflow="ellipsis")  # a width below the suffix
        yield line


def elide_middle(text: str, width: int) -> str:
    """`text` in at most `width` characters: its start, '…', and its end, the end (a path's
    last part) getting two thirds of the room."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    tail = (width - 1) * 2 // 3
    head = width - 1 - tail
    return text[:head] + "…" + text[len(text) - tail :]


def compare_view(
    runs: Mapping[str, Rows], metrics: Sequence[str], kind: RunKind, ema: bool = False
) -> Group:
    """Runs (by id; at most one per RUN_COLORS) overlaid over one step axis: a chart per
    measure in `metrics`, each run in its colour and named in the legend with its last value.
    Without colour every other run is dashed, so two runs still tell apart, and the reference
    lines are dotted, so a dashed run sitting on one (D(real) at 0.5) still shows."""
    histories = {run_id: _history(rows) for run_id, rows in runs.items()}
    counts = ", ".join(f"{run_id} ({len(h)} reports)" for run_id, h in histories.items())
    parts: list[RenderableType] = [Text(f"{len(runs)} runs: {counts}", style="bold")]
    for title, (name,), refs in measures(kind, ema):
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
