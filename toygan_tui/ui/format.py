"""Numbers as a person reads them: durations, rates, and the one-line progress report."""

from __future__ import annotations

import math

from toygan_tui.core.snapshot import Snapshot, Starting


def duration(seconds: float) -> str:
    """'0:07', '12:34', '1:02:03'; '--:--' when unknown (inf or NaN)."""
    if not math.isfinite(seconds) or seconds < 0:
        return "--:--"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def number(value: float, digits: int = 3) -> str:
    """A metric with fixed decimals; 'nan' / 'inf' spelled out rather than hidden."""
    if not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
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
    """The report as one plain line, for logs, pipes and dumb terminals."""
    q = snap.quality
    parts = [
        f"step {snap.step}/{snap.total}",
        f"d_loss {number(snap.d_loss)}",
        f"g_loss {number(snap.g_loss)}",
        f"D(real) {number(snap.d_real)}",
        f"D(fake) {number(snap.d_fake)}",
        f"in_bounds {number(q.get('in_bounds', math.nan))}",
        f"a_w1 {number(q.get('a_w1', math.nan))}",
        f"shape_rmse {number(q.get('shape_rmse', math.nan))}",
        f"coverage {number(q.get('coverage', math.nan), 2)}",
        rate(snap.steps_per_s),
    ]
    parts += [f"{key} {value}" for key, value in snap.extra.items()]
    return "  ".join(parts)
