"""Numbers as a person reads them: durations, rates, and the one-line progress report."""

from __future__ import annotations

import math

from toygan_tui.core.errors import InputError
from toygan_tui.core.losses import Stat, get_loss
from toygan_tui.core.problems import get_problem
from toygan_tui.core.runfiles.events import Event
from toygan_tui.core.runfiles.snapshot import EMA_PREFIX, Snapshot, Starting


def duration(seconds: float) -> str:
    """'0:07', '12:34', '1:02:03'; '--:--' when unknown (inf or NaN)."""
    if not math.isfinite(seconds) or seconds < 0:
        return "--:--"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def number(value: float, digits: int = 3) -> str:
    """A metric with fixed decimals; 'nan' / 'inf' spelled out rather than hidden. A count
    (no decimals) that is not whole, such as the median of 9 and 10 over seeds, keeps one."""
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if digits == 0 and value != round(value):
        digits = 1
    return f"{value:.{digits}f}"


def rate(steps_per_s: float) -> str:
    """Training speed without false precision: '884 steps/s', '12.5 steps/s'."""
    if not math.isfinite(steps_per_s) or steps_per_s <= 0:
        return "-- steps/s"
    return f"{steps_per_s:.0f} steps/s" if steps_per_s >= 100 else f"{steps_per_s:.1f} steps/s"


def starting_line(start: Starting) -> str:
    """The first plain line of a run, printed before torch loads."""
    return f"run {start.run_id}: starting at step {start.step}/{start.total}"


def plain_line(snap: Snapshot) -> str:
    """The report as one plain line, for logs, pipes and dumb terminals: the loss's stats,
    the problem's measures (then the EMA of G's, prefixed ema_), the speed (a run of an unknown
    kind: its numbers by name)."""
    parts = [f"step {snap.step}/{snap.total}"]
    decimals = _decimals(snap.problem)
    parts += [f"{key} {number(value, decimals.get(key, 3))}" for key, value in _keyed(snap)]
    parts.append(rate(snap.steps_per_s))
    parts += [f"{key} {value}" for key, value in snap.extra.items()]
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


def learning_rate(value: float) -> str:
    """A learning rate, short: 1e-4, 2.5e-5, 6e-4 (0.01 and up as they are)."""
    if not math.isfinite(value) or value <= 0 or value >= 0.01:
        return f"{value:g}"
    mantissa, exponent = f"{value:.3e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def lr_text(rates: dict[str, float]) -> str:
    """'D 1e-4 G 1e-4': each player's learning rate, D's first (the keys' order: [ ] then { })."""
    return " ".join(f"{who} {learning_rate(rates[who])}" for who in ("D", "G") if who in rates)


def events_note(events: list[Event]) -> str:
    """What the keys changed, short: 'D update ×2, lr D 5e-5' (the last rate of each player)."""
    parts, rates = [], {}
    for player in ("D", "G"):
        count = sum(e.action == "update" and e.player == player for e in events)
        if count:
            parts.append(f"{player} update" + (f" ×{count}" if count > 1 else ""))
    for e in events:
        if e.action == "lr":
            rates[e.player] = e.lr
    parts += [f"lr {who} {learning_rate(lr)}" for who, lr in sorted(rates.items())]
    return ", ".join(parts)
