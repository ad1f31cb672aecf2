"""`toygan runs`: one row per run — what it is doing and how good its curves are so far."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from toygan_tui.core.errors import InputError
from toygan_tui.core.losses import get_loss
from toygan_tui.core.problems import get_problem
from toygan_tui.core.runfiles.runinfo import RunInfo
from toygan_tui.ui.diagnosis_line import TONES
from toygan_tui.ui.format import number, plain_key
from toygan_tui.ui.i18n import _

STATUS_STYLES = {
    "running": "bold green",
    "paused": "bold blue",
    "finished": "cyan",
    "interrupted": "yellow",
    "diverged": "bold red",
    "stalled": "bold yellow",
}
COLUMNS = (
    "id", "status", "step", "problem", "loss", "diagnosis", "signals", "quality", "started",
    "device",
)  # fmt: skip
LEFT = ("id", "status", "problem", "loss", "diagnosis", "signals", "quality", "started", "device")
# On a narrow terminal these go first, in this order, rather than wrap every row; the problem
# and the loss go last: without them the numbers cannot be read.
DROPPABLE = ("device", "started", "signals", "quality", "diagnosis", "loss", "problem")


def runs_table(infos: Sequence[RunInfo], console: Console) -> Table:
    """The runs as given (newest first), with as many columns as fit the console's width."""
    columns = list(COLUMNS)
    table = _table(infos, columns)
    unbounded = console.options.update_width(10_000)  # the width the table wants, not gets
    for name in DROPPABLE:
        if Measurement.get(console, unbounded, table).maximum <= console.width:
            break
        columns.remove(name)
        table = _table(infos, columns)
    return table


def _table(infos: Sequence[RunInfo], columns: list[str]) -> Table:
    table = Table(box=None, pad_edge=False, header_style="bold", collapse_padding=True)
    for name in columns:
        table.add_column(name, justify="left" if name in LEFT else "right", no_wrap=True)
    for info in infos:
        table.add_row(*(_cell(info, name) for name in columns))
    return table


def _cell(info: RunInfo, column: str) -> Text | str:
    if column == "id":
        return info.run_id
    if column == "status":
        return Text(info.status, style=STATUS_STYLES.get(info.status, ""))
    if column == "step":
        return f"{info.step}/{info.total}"
    if column == "started":
        return started(info.started)
    if column == "device":
        return info.device or "-"
    if column in ("problem", "loss"):
        return getattr(info, column)
    if column == "diagnosis":  # the state only: the reason is in --format json and the views
        found = info.diagnosis
        return Text(_(found.state), style=TONES.get(found.tone, "")) if found else "-"
    return _named_values(info, column)


def _named_values(info: RunInfo, column: str) -> str:
    """'D(real) 0.613  D(fake) 0.538' (the loss's stats besides its two losses) or
    'in_bounds 0.899  a_w1 0.046' (the problem's charted measures), from the latest row. A
    sweep over several losses has no one loss: its measures still show."""
    try:
        if column == "signals":
            pairs = [(plain_key(s), s.name, 3) for s in get_loss(info.loss).stats[2:]]
        else:
            problem = get_problem(info.problem)
            decimals = {m.name: m.decimals for m in problem.measures}
            pairs = [(name, name, decimals.get(name, 3)) for name in problem.charted]
    except InputError:
        return "-"  # a run of a kind this toygan does not know
    return " ".join(f"{label} {_metric(info.last, key, d)}" for label, key, d in pairs)


def started(when: float | None) -> str:
    """Local time a run started, to the minute: '2026-11-27 17:56'."""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(when)) if when is not None else "-"


def _metric(row: dict[str, Any], key: str, decimals: int) -> str:
    value = row.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "nan" if key in row else "-"  # null in a row: the value was not finite
    return number(float(value), decimals)
