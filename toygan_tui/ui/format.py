"""Numbers as a person reads them: durations, rates, and the one-line progress report."""

from __future__ import annotations

import math
import re

from rich.cells import cell_len, chop_cells, set_cell_size

from toygan_tui.core.errors import InputError
from toygan_tui.core.losses import Stat, get_loss
from toygan_tui.core.problems import get_problem
from toygan_tui.core.runfiles.snapshot import EMA_PREFIX, Snapshot, Starting


def duration(seconds: float) -> str:
    """'0:07', '12:34', '1:02:03'; '--:--' when unknown (inf or NaN)."""
    if not math.isfinite(seconds) or seconds < 0:
        return "--:--"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def fit(text: str, width: int, right: bool = False) -> str:
    """`text` in exactly `width` terminal cells: padded (on the left if `right`), or cut. A
    Chinese character takes two cells, so f-string padding, which counts characters, would
    not line the columns up."""
    if cell_len(text) >= width:
        return set_cell_size(text, width)
    room = " " * (width - cell_len(text))
    return room + text if right else text + room


# A wide (CJK) character with the closing punctuation after it, which may not start a line;
# a run of anything else but spaces; spaces.
WIDE = "\u2e80-\u303f\u3040-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
CLOSING = "，。、：；！？）」』》〉】"
TOKENS = re.compile(rf"[{WIDE}][{CLOSING}]*|[^\s{WIDE}]+[{CLOSING}]*|\s+")


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells: broken at spaces, and also between two wide
    characters (Chinese has no spaces between words), never before a closing mark such as
    "，"; a word longer than the width is cut where it must be. Each "\n" starts a line."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for token in TOKENS.findall(paragraph):
            if token.isspace():
                line += " " if line else ""
                continue
            if cell_len(line + token) > width and line.strip():
                lines.append(line.rstrip())
                line = ""
            while cell_len(token) > width:  # a word wider than a whole line
                head, *_ = chop_cells(token, width)
                lines.append(head)
                token = token[len(head) :]
            line += token
        lines.append(line.rstrip())
    return lines


def number(value: float, digits: int = 3) -> str:
    """A metric with fixed decimals; 'nan' / 'inf' spelled out rather than hidden. A count
    (no decimals) that is not whole, such as the median of 9 and 10 over seeds, keeps one."""
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if digits == 0 and value != round(value):
        digits = 1
    return f"{value:.{digits}f}"


def rate(steps_per_s: float, unit: str = "steps/s") -> str:
    """Training speed without false precision: '884 steps/s', '12.5 steps/s'."""
    if not math.isfinite(steps_per_s) or steps_per_s <= 0:
        return f"-- {unit}"
    return f"{steps_per_s:.0f} {unit}" if steps_per_s >= 100 else f"{steps_per_s:.1f} {unit}"


def starting_line(start: Starting) -> str:
    """The first plain line of a run, printed before torch loads."""
    return f"run {start.run_id}: starting at step {start.step}/{start.total}"


def plain_line(snap: Snapshot) -> str:
    """The report as one plain line, for logs, pipes and dumb terminals: the loss's stats,
    the problem's measures (then the EMA of G's, prefixed ema_), the speed (a run of an unknown
    kind: its numbers by name), then the diagnosis. In English whatever the language: scripts
    read these lines."""
    parts = [f"step {snap.step}/{snap.total}"]
    decimals = _decimals(snap.problem)
    parts += [f"{key} {number(value, decimals.get(key, 3))}" for key, value in _keyed(snap)]
    parts.append(rate(snap.steps_per_s))
    parts += [f"{key} {value}" for key, value in snap.extra.items()]
    if snap.diagnosis is not None:
        parts.append(f"diagnosis: {snap.diagnosis.state} ({snap.diagnosis.text})")
    return "  ".join(parts)


def _keyed(snap: Snapshot) -> list[tuple[str, float]]:
    try:
        loss = get_loss(snap.loss)
    except InputError:
        return [*snap.stats.items(), *snap.quality.items(), *_ema(snap)]
    stats = [(plain_key(s), snap.stats.get(s.name, math.nan)) for s in loss.stats]
    return stats + list(snap.quality.items()) + _ema(snap)


def _decimals(problem: str) -> dict[str, int]:
    """The problem's measures written with fewer decimals (counts), G's and the EMA's."""
    try:
        measures = get_problem(problem).measures
    except InputError:
        return {}
    return {p + m.name: m.decimals for m in measures for p in ("", EMA_PREFIX)}


def _ema(snap: Snapshot) -> list[tuple[str, float]]:
    return [(EMA_PREFIX + name, value) for name, value in snap.ema_quality.items()]


def plain_key(stat: Stat) -> str:
    """A stat's word in a plain line: its label where that is one word ("D(real)"), else its
    name ("d_loss")."""
    return stat.label if " " not in stat.label else stat.name
