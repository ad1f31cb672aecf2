"""The live dashboard: one frame from a Snapshot and the History so far. Pure: no I/O, no clock.

The numbers are the loss's stats and the problem's measures, the picture the problem's view
(ui/views.py): curves, or 2-D points over D's heatmap; the frame knows neither by name.

The frame reads its size when Rich draws it, so one renderable fits any terminal: side by side
(numbers and history left, curves right) when wide, stacked when narrow, dropping the history
chart and then the curves chart as space runs out; it never wraps and never exceeds the height.
Its words are in the language in use (ui/i18n.py); widths are counted in terminal cells, so a
Chinese word (two cells a character) takes the room it needs.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text

from toygan_tui.core.errors import InputError
from toygan_tui.core.runfiles.catalog import RunKind, run_kind
from toygan_tui.core.runfiles.snapshot import Snapshot, Starting, engine_label
from toygan_tui.ui.chart import Chart, history_chart, wants_color
from toygan_tui.ui.diagnosis_line import diagnosis_text
from toygan_tui.ui.format import duration, lr_text, rate
from toygan_tui.ui.history import History
from toygan_tui.ui.i18n import _
from toygan_tui.ui.overlays import NO_LAYERS, Layers
from toygan_tui.ui.readouts import measures_text, stats_text
from toygan_tui.ui.views import Picture, problem_view

Lines = list[list[Segment]]

SIDE_BY_SIDE_MIN_WIDTH = 72  # below this the curves chart would be too thin beside the numbers
NUMBERS_WIDTH = 29  # one table of numbers: name, value, reference
NUMBER_ROWS = 5  # a heading and four values (more for a loss with more stats)
LEFT_WIDTH = 32  # the numbers column; it grows on wide terminals to give the history room
MIN_BAR = 10  # a shorter progress bar tells nothing the percentage doesn't
MIN_CHART_ROWS = 8
# Probabilities and the quality measures live in [0, 1] (a_w1 starts near 1 and falls): a fixed
# y-range keeps frames comparable and the axes cached for the whole run.
UNIT_RANGE = (0.0, 1.0)  # a chart shorter than this shows axes and little else


def render(
    snapshot: Snapshot | None,
    history: History,
    starting: Starting | None = None,
    layers: Layers = NO_LAYERS,
) -> Dashboard:
    """The frame for the latest snapshot (None: training is starting, as `starting` says if
    given) and the history so far, G's picture with the drawings `layers` turns on."""
    return Dashboard(snapshot, history, starting, layers)


class Dashboard:
    """A frame that lays itself out for the width and height Rich offers when it is drawn."""

    def __init__(
        self,
        snapshot: Snapshot | None,
        history: History,
        starting: Starting | None = None,
        layers: Layers = NO_LAYERS,
    ) -> None:
        self.snapshot = snapshot
        self.starting = starting
        self.spare_lines = 0  # terminal lines left free below the frame
        # The header: who and where, the progress, and the diagnosis once there is one.
        self.head_rows = 3 if snapshot is not None and snapshot.diagnosis is not None else 2
        # A blank line parts the numbers from the history charts, where the header has not
        # taken it for the diagnosis: the frame keeps its charts and its key bar at 80×24.
        self.spacer = 3 - self.head_rows
        kind = self.kind = _kind(snapshot, starting)
        self.number_rows = 1 + max(
            NUMBER_ROWS - 1, len(kind.loss.stats), len(kind.problem.measures)
        )
        # Charts capture their data now, so a later History.add cannot change this frame.
        self.curves = problem_view(kind.problem, snapshot, layers)
        total = snapshot.total if snapshot else (starting.total if starting else 0)
        self.d_history = _d_history(history, total, kind)
        self.q_history = _quality_history(history, total, kind)

    def leaving_lines(self, spare: int) -> Dashboard:
        """This frame, drawn `spare` lines shorter than the terminal (when no height is given)."""
        self.spare_lines = spare
        return self

    def spares_a_line(self, width: int, height: int) -> bool:
        """Whether the frame loses nothing drawn one line shorter than `height`: none of the
        header and numbers, no chart. Only then may a key bar take that line."""
        text_rows = self.head_rows - 2 + _text_rows(width, self.number_rows)
        return height - 1 >= text_rows and self.parts(width, height - 1) == self.parts(
            width, height
        )

    def parts(self, width: int, height: int) -> tuple[bool, int]:
        """What a frame of this size shows besides the numbers: (the curves chart, how many
        history charts)."""
        body, rows = height - self.head_rows, self.number_rows
        if width >= SIDE_BY_SIDE_MIN_WIDTH:
            return body > 0, _history_charts(body - 2 * rows - self.spacer)
        numbers = rows if width >= 2 * NUMBERS_WIDTH + 1 else 2 * rows
        return body - numbers >= MIN_CHART_ROWS + 1, 0

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        height = options.height if options.height is not None else options.size.height
        height = max(1, height - self.spare_lines) if options.height is None else height
        head = _head(self.snapshot, console, width, self.starting)
        if self.snapshot is not None and self.snapshot.diagnosis is not None:
            head += _block(console, diagnosis_text(self.snapshot.diagnosis), width, 1)
        lines = head + self._body(console, width, height - self.head_rows)
        for line in lines[:height]:
            yield from line  # every block is exactly `width` cells already
            yield Segment.line()

    def _body(self, console: Console, width: int, height: int) -> Lines:
        if height <= 0:
            return []
        snap, rows = self.snapshot, self.number_rows
        signals = stats_text(self.kind.loss.stats, snap.stats if snap else None)
        if width >= SIDE_BY_SIDE_MIN_WIDTH:
            left_w = max(LEFT_WIDTH, min(width // 3, 60))
            left = self._left(console, [signals, self._quality(left_w)], left_w, height)
            right = _titled(console, self.curves, width - left_w - 1, height)
            return [lft + [Segment(" ")] + rgt for lft, rgt in zip(left, right, strict=True)]
        # Stacked: the numbers (in two columns if they fit), then the curves if there is room;
        # the history charts are the first thing dropped.
        if width >= 2 * NUMBERS_WIDTH + 1:
            numbers = (signals, self._quality(NUMBERS_WIDTH))
            halves = [_block(console, t, NUMBERS_WIDTH, rows) for t in numbers]
            pad = [Segment(" " * (width - 2 * NUMBERS_WIDTH))]
            body = [a + pad + b for a, b in zip(*halves, strict=True)]
        else:
            body = _block(console, signals, width, rows)
            body += _block(console, self._quality(width), width, rows)
        rest = height - len(body)
        if rest >= MIN_CHART_ROWS + 1:
            body += _titled(console, self.curves, width, rest)
        return body[:height]

    def _quality(self, width: int) -> Text:
        """The measures readout for a block `width` wide (with the EMA's column if kept)."""
        snap = self.snapshot
        values, ema = (snap.quality, snap.ema_quality or None) if snap else (None, None)
        return measures_text(self.kind.problem.measures, values, ema, width)

    def _left(self, console: Console, numbers: list[Text], width: int, height: int) -> Lines:
        """The numbers on top; below them one or two history charts, as many as fit."""
        rows = self.number_rows
        lines = [line for text in numbers for line in _block(console, text, width, rows)]
        lines += _block(console, Text(""), width, self.spacer)
        rest = height - len(lines)
        charts = [self.d_history, self.q_history][: _history_charts(rest)]
        for i, chart in enumerate(charts):
            rows = rest // len(charts) + (rest % len(charts) if i == 0 else 0)
            lines += _titled(console, chart, width, rows)
        return _fit(lines, width, height)


def _text_rows(width: int, number_rows: int) -> int:
    """The lines of text a frame `width` wide has: the header's two and the numbers' rows (two
    tables of `number_rows`, side by side in the stacked layout where they fit, one over the
    other else)."""
    stacked_pair = SIDE_BY_SIDE_MIN_WIDTH > width >= 2 * NUMBERS_WIDTH + 1
    return 2 + (number_rows if stacked_pair else 2 * number_rows)


def _history_charts(rows: int) -> int:
    """How many history charts fit in `rows` under the numbers: two, one, or none."""
    return 2 if rows >= 2 * (MIN_CHART_ROWS + 1) else 1 if rows >= MIN_CHART_ROWS + 1 else 0


def _block(console: Console, renderable: RenderableType, width: int, height: int) -> Lines:
    """The renderable drawn into exactly width × height cells (cropped or padded)."""
    if height <= 0:
        return []
    options = console.options.update(width=width, height=height)
    return console.render_lines(renderable, options, pad=True)


def _head(
    snap: Snapshot | None, console: Console, width: int, starting: Starting | None = None
) -> Lines:
    """Line 1: who is running where; line 2: progress, speed and time left."""
    title = Text.assemble(("toygan ", "bold"))
    if snap is None:
        title.append(_("run {id}").format(id=starting.run_id) + "  " if starting else "")
        title.append(_("starting…"), style="yellow")
        progress = Text(_("waiting for the first report"), style="dim")
        if starting is not None:
            counter = _("step {step}/{total}").format(step=f"{starting.step:,}",
                                                      total=f"{starting.total:,}")  # fmt: skip
            progress = Text(f"{counter}  ").append(progress)
    else:
        title.append(_("run {id}").format(id=snap.run_id or "-"))
        # The run's state (paused, speed, watch's status, replay's place) before the device
        # and engine: on a narrow terminal the line loses its end, and that must not be it.
        for key, value in snap.extra.items():
            title.append(f"  {_(key)} ", style="dim").append(_(value), style="bold cyan")
        if snap.lr:  # the learning rates in force: the keys [ ] { } change them
            title.append("  " + _("lr") + " ", style="dim")
            title.append(lr_text(snap.lr), style="bold cyan")
        title.append(f"  {snap.device}")
        engine = _("engine {name}").format(name=engine_label(snap.engine))
        title.append(f"  {engine}" if snap.engine else "")
        pack = _("pack {k}").format(k=snap.pack)  # PacGAN's packing
        title.append(f"  {pack}" if snap.pack > 1 else "")
        progress = _progress(snap, width)
    lines: Lines = []
    for text in (title, progress):
        text.no_wrap, text.overflow = True, "ellipsis"
        lines += _block(console, text, width, 1)
    return lines


def _progress(snap: Snapshot, width: int) -> Text:
    """'step 1,000/10,000 ━━━━━━━━ 10%  884 steps/s  ETA 0:10  elapsed 0:01', shortened from
    the right (elapsed, then the bar) when the terminal is narrow."""
    done = min(max(snap.step / snap.total, 0.0), 1.0) if snap.total > 0 else 0.0
    counter = _("step {step}/{total}").format(step=f"{snap.step:,}", total=f"{snap.total:,}")
    speed = rate(snap.steps_per_s, _("steps/s"))
    tail = f"  {done:.0%}  {speed}  " + _("ETA {time}").format(time=duration(snap.eta))
    elapsed = "  " + _("elapsed {time}").format(time=duration(snap.elapsed))
    if cell_len(counter + tail + elapsed) + 1 + MIN_BAR <= width:
        tail += elapsed
    bar_width = min(width - cell_len(counter + tail) - 1, 40)
    text = Text.assemble((counter, "bold"))
    if bar_width >= MIN_BAR:
        filled = round(done * bar_width)
        text.append(" ").append("━" * filled, style="green")
        text.append("━" * (bar_width - filled), style="grey30")
    return text.append(tail)


def _titled(console: Console, chart: Picture, width: int, height: int) -> Lines:
    """The chart's legend on one line over the chart, which takes the remaining rows."""
    legend = _block(console, chart.legend(wants_color(console), width), width, 1)
    return _fit(legend + chart.render_lines(width, height - 1, wants_color(console)), width, height)


def _fit(lines: Lines, width: int, height: int) -> Lines:
    """Exactly `height` lines: cut, or padded with blank ones (each line is `width` wide)."""
    return lines[:height] + [[Segment(" " * width)] for _ in range(height - len(lines))]


def _kind(snap: Snapshot | None, starting: Starting | None) -> RunKind:
    """The run's problem and loss (a run of a kind this toygan lacks: shown as the default)."""
    names = snap or starting
    try:
        return run_kind(names.problem, names.loss) if names else run_kind()
    except InputError:
        return run_kind()


def _d_history(history: History, total: int, kind: RunKind) -> Chart:
    """The loss's stats besides its two losses (D(real), D(fake); critic scores and gap)."""
    stats = kind.loss.stats[2:]
    values = {s.label: history.series(s.name) for s in stats}
    hlines = {f"{round(s.reference, 3):g}": s.reference for s in stats if s.reference is not None}
    ylim = UNIT_RANGE if all(s.unit for s in stats) else None
    return history_chart(
        history.steps, values, hlines, xlim=_steps_range(history, total), ylim=ylim
    )


def _quality_history(history: History, total: int, kind: RunKind) -> Chart:
    """The problem's two charted measures, each over its scale (classes/10), on [0, 1]."""
    scales = {m.name: m.scale for m in kind.problem.measures}
    values = {}
    for name in kind.problem.charted:
        scale = scales.get(name, 1.0)
        label = name if scale == 1 else f"{name}/{scale:g}"
        values[label] = [v / scale for v in history.series(name)]
    return history_chart(history.steps, values, xlim=_steps_range(history, total), ylim=UNIT_RANGE)


def _steps_range(history: History, total: int) -> tuple[float, float] | None:
    """The whole run on the x axis: the history fills it as training goes, and the axes (built
    by plotext once, then cached) stay the same from frame to frame."""
    last = history.steps[-1] if history.steps else 0.0
    return (0.0, float(max(total, last))) if max(total, last) > 0 else None
