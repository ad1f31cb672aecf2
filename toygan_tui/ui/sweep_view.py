"""A sweep's table: one row per option set, each measure's median over the seeds with its
spread (lowest–highest) and how many seeds reached the problem's good level, and a strip of
one cell per seed coloured by the set's headline measure (its problem's first).

The frame reads its size when Rich draws it. Nothing wraps: as width runs out, the spreads go
first, then the measures after the headline (last first), then the strip, and the set names
are cut last; rows that do not fit the height are counted in a last line. NO_COLOR (or a
console without colour) keeps the strip readable: ● good, ○ not yet, × not a number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from toygan_tui.core.runfiles.sweepreport import MeasureSummary, SetSummary, SweepReport, summarize
from toygan_tui.ui.format import duration, number, rate

GOOD, NOT_YET, NAN = "●", "○", "×"
HEADLINE_WIDTH = 11  # the headline's cell, '0.860 6/10', and the space before it


class SweepView:
    """The live frame (progress line + table), or the final table alone (final=True)."""

    def __init__(self, report: SweepReport | None, title: str = "", final: bool = False) -> None:
        self.report = report
        self.title = title  # what the progress line says before the first report
        self.final = final
        self.spare_lines = 0

    def leaving_lines(self, spare: int) -> SweepView:
        self.spare_lines = spare
        return self

    def spares_a_line(self, width: int, height: int) -> bool:
        """Whether the frame leaves its last line free (for the key bar): the progress line,
        the table's heading and its rows fit above it."""
        rows = 0 if self.report is None else len(summarize(self.report)) + 1
        return 1 + rows < height

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        height = options.height if options.height is not None else options.size.height
        height = max(1, height - self.spare_lines) if options.height is None else height
        if not self.final:
            head = progress_line(self.report, self.title)
            head.truncate(width, overflow="ellipsis")
            yield head
            height -= 1
        if self.report is None or height <= 0:
            return
        summaries = summarize(self.report)
        shown = summaries if self.final else _fit_rows(summaries, height)
        yield fitted_table(shown, console, width)
        if len(shown) < len(summaries):
            yield Text(f"… {len(summaries) - len(shown)} more option sets", style="dim")


def progress_line(report: SweepReport | None, title: str = "") -> Text:
    if report is None:
        return Text(f"{title}  starting…", style="bold")
    text = Text(report.sweep_id, style="bold")
    text.append(f"  step {report.step}/{report.total}  {len(report.members)} members")
    for key, value in report.extra.items():  # what the keys set: before what may be cut
        text.append(f"  {key} ", style="dim").append(value, style="bold cyan")
    text.append(f"  {rate(report.steps_per_s)}  eta {duration(report.eta)}")
    if report.state != "running":
        text.append(f"  {report.state}", style="bold")
    if report.engine:
        text.append(f"  engine {report.engine}", style="dim")
    return text


def _fit_rows(summaries: list[SetSummary], height: int) -> list[SetSummary]:
    """The rows that fit under the heading; one line is kept to count the rest."""
    room = height - 1  # the table's heading
    return summaries if len(summaries) <= room else summaries[: max(room - 1, 0)]


# (show the spreads, how many measures, show the strip), from the fullest to the barest
def _layouts(n_measures: int) -> list[tuple[bool, int, bool]]:
    layouts = [(True, n_measures, True), (False, n_measures, True)]
    layouts += [(False, k, True) for k in range(n_measures - 1, 0, -1)]
    return layouts + [(False, 1, False)]


def fitted_table(summaries: Sequence[SetSummary], console: Console, width: int) -> Table:
    """The fullest table that fits `width`; at the barest the set names are cut."""
    n = max((len(s.measures) for s in summaries), default=1)
    unbounded = console.options.update_width(10_000)
    for layout in _layouts(n):
        table = _table(summaries, *layout)
        if Measurement.get(console, unbounded, table).maximum <= width:
            return table
    return _table(summaries, False, 1, False, label_width=max(4, width - HEADLINE_WIDTH))


def _table(
    summaries: Sequence[SetSummary],
    spread: bool,
    measures: int,
    strip: bool,
    label_width: int | None = None,
) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold", collapse_padding=True)
    table.add_column("option set", no_wrap=True, overflow="ellipsis", max_width=label_width)
    names = _measure_names(summaries)[:measures]
    for name in names:  # the numbers are the point: the set names are cut first
        table.add_column(name, no_wrap=True, justify="right", min_width=len(name))
    if strip:
        table.add_column("seeds", no_wrap=True)
    for summary in summaries:
        by_name = {m.measure.name: m for m in summary.measures}
        cells: list[Text | str] = [summary.label]
        cells += [_cell(by_name[name], spread) if name in by_name else "" for name in names]
        if strip:
            cells.append(strip_text(summary))
        table.add_row(*cells)
    return table


def _measure_names(summaries: Sequence[SetSummary]) -> list[str]:
    """Every measure in the sets' order (sets of two problems: the union)."""
    names: dict[str, None] = {}
    for summary in summaries:
        names.update((m.measure.name, None) for m in summary.measures)
    return list(names)


def _cell(m: MeasureSummary, spread: bool) -> Text:
    """'0.912 0.880–0.930 7/10': the median (green when good), its spread, the good seeds."""
    good = m.measure.is_good(m.median)
    places = m.measure.decimals
    text = Text(number(m.median, places), style="green" if good else "")
    if spread:
        text.append(f" {number(m.low, places)}–{number(m.high, places)}", style="dim")
    text.append(f" {m.good}/{m.n}", style="bold green" if m.good == m.n and m.n else "")
    return text


def strip_text(summary: SetSummary) -> Text:
    """One cell per seed: good (green), not yet (red), or not a number (a diverged run)."""
    text = Text()
    for _, value, good in summary.strip:
        if not math.isfinite(value):
            text.append(NAN, style="dim red")
        else:
            text.append(GOOD if good else NOT_YET, style="green" if good else "red")
    return text


def plain_lines(report: SweepReport) -> list[str]:
    """The report as plain lines, for logs and pipes: the progress, then one line per set."""
    lines = [progress_line(report).plain]
    for summary in summarize(report):
        parts = [f"  {summary.label}:"]
        for m in summary.measures:
            median, low, high = (number(v, m.measure.decimals) for v in (m.median, m.low, m.high))
            parts.append(f"{m.measure.name} {median} ({low}–{high}, {m.good}/{m.n} good)")
        lines.append("  ".join(parts))
    return lines
