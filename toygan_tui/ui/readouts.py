"""The number blocks a problem and a loss bring to the dashboard: the loss's stats beside the
values they read at equilibrium, and the problem's measures beside their targets, green once
good. Built from the specs (core/losses.py Stat, core/problems Measure), never from names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from rich.text import Text

from toygan_tui.core.losses import Stat
from toygan_tui.core.problems.base import Measure
from toygan_tui.ui.format import number

LABEL_WIDTH, VALUE_WIDTH = 11, 8


def stats_text(
    stats: Sequence[Stat], values: Mapping[str, float] | None, heading: str = "GAN signals"
) -> Text:
    """'D loss   1.381  → 1.386': one line per stat under a heading; no mark without a value."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{heading:<{LABEL_WIDTH}}{'now':>{VALUE_WIDTH}}  {'at eq.':<8}", style="bold")
    for stat in stats:
        value = math.nan if values is None else values.get(stat.name, math.nan)
        text.append(f"\n{stat.label:<{LABEL_WIDTH}}{shown(value):>{VALUE_WIDTH}}  ")
        if stat.reference is not None:
            text.append(f"→ {round(stat.reference, 3):g}", style="dim")
    return text


def measures_text(measures: Sequence[Measure], values: Mapping[str, float] | None) -> Text:
    """'in_bounds  0.899  ↑ ~0.9': green once a measure is good, yellow before; a measure with
    no good level of its own (the folder's swd) in the plain colour."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{'quality':<{LABEL_WIDTH}}{'now':>{VALUE_WIDTH}}  {'good':<8}", style="bold")
    for m in measures:
        value = math.nan if values is None else values.get(m.name, math.nan)
        coloured = math.isfinite(value) and m.has_level
        style = "" if not coloured else ("green" if m.is_good(value) else "yellow")
        text.append(f"\n{m.name:<{LABEL_WIDTH}}").append(
            f"{shown(value):>{VALUE_WIDTH}}", style=style
        )
        text.append(f"  {m.arrow} {m.target}", style="dim")
    return text


def shown(value: float) -> str:
    """A value as the dashboard writes it; '-' when there is none (NaN)."""
    return "-" if math.isnan(value) else number(value)
