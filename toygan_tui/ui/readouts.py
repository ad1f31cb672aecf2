"""The number blocks a problem and a loss bring to the dashboard: the loss's stats beside the
values they read at equilibrium, and the problem's measures beside their targets, green once
good (and, for a run that keeps an EMA of G, the average's measures in a column beside G's).
Built from the specs (core/losses.py Stat, core/problems Measure), never from names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from rich.text import Text

from toygan_tui.core.losses import Stat
from toygan_tui.core.problems.base import Measure
from toygan_tui.ui.format import fit, number
from toygan_tui.ui.i18n import N_, _

LABEL_WIDTH, VALUE_WIDTH = 11, 8
EMA_WIDTH = 7  # the EMA column: a space and a value like 0.913
TARGET_WIDTH = 10  # "  ↑ ~0.9" and its like


def stats_text(
    stats: Sequence[Stat], values: Mapping[str, float] | None, heading: str = N_("GAN signals")
) -> Text:
    """'D loss   1.381  → 1.386': one line per stat under a heading; no mark without a value.
    The words in the language in use, padded by the cells they take."""
    text = Text(no_wrap=True, overflow="ellipsis")
    head = fit(_(heading), LABEL_WIDTH) + fit(_("now"), VALUE_WIDTH, right=True)
    text.append(head + "  " + fit(_("at eq."), 8), style="bold")
    for stat in stats:
        value = math.nan if values is None else values.get(stat.name, math.nan)
        text.append(f"\n{fit(_(stat.label), LABEL_WIDTH)}{shown(value):>{VALUE_WIDTH}}  ")
        if stat.reference is not None:
            text.append(f"→ {round(stat.reference, 3):g}", style="dim")
    return text


def measures_text(
    measures: Sequence[Measure],
    values: Mapping[str, float] | None,
    ema: Mapping[str, float] | None = None,
    width: int | None = None,
) -> Text:
    """'in_bounds  0.899  ↑ ~0.9': green once a measure is good, yellow before.

    With `ema` (the EMA of G's measures) a column 'ema' follows G's 'now': 'in_bounds  0.899
    0.913  ↑ ~0.9'. The targets then show only where `width` leaves room for them; the colours
    still tell good from not yet. A measure with no good level of its own (the
    folder's swd) is in the plain colour."""
    targets = ema is None or width is None or width >= ema_readout_width()
    text = Text(no_wrap=True, overflow="ellipsis")
    head = fit(_("quality"), LABEL_WIDTH) + fit(_("now"), VALUE_WIDTH, right=True)
    text.append(head, style="bold")
    text.append(fit(_("ema"), EMA_WIDTH, right=True) if ema is not None else "", style="bold")
    text.append("  " + fit(_("good"), 8) if targets else "", style="bold")
    for m in measures:
        text.append(f"\n{m.name:<{LABEL_WIDTH}}")
        _value(text, m, math.nan if values is None else values.get(m.name, math.nan), VALUE_WIDTH)
        if ema is not None:
            _value(text, m, ema.get(m.name, math.nan), EMA_WIDTH)
        if targets:
            text.append(f"  {m.arrow} {m.target}", style="dim")
    return text


def ema_readout_width() -> int:
    """The columns a measures readout with the EMA column and the targets needs."""
    return LABEL_WIDTH + VALUE_WIDTH + EMA_WIDTH + TARGET_WIDTH


def _value(text: Text, measure: Measure, value: float, width: int) -> None:
    coloured = math.isfinite(value) and measure.has_level
    style = "" if not coloured else ("green" if measure.is_good(value) else "yellow")
    text.append(f"{shown(value, measure.decimals):>{width}}", style=style)


def shown(value: float, decimals: int = 3) -> str:
    """A value as the dashboard writes it; '-' when there is none (NaN)."""
    return "-" if math.isnan(value) else number(value, decimals)
