"""The keys every view of a run shares (`train`'s dashboard, `watch`, `replay`): `m` and `a`
toggle G's manifold and the arrows of G's loss, where the run's view has them.
"""

from __future__ import annotations

from typing import Any

from toygan_tui.core.errors import InputError
from toygan_tui.core.problems import get_problem
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.ui.overlays import Layers
from toygan_tui.ui.terminal.keys import LAYER_KEYS
from toygan_tui.ui.views import offered

BAR = {"manifold": ("m", "manifold"), "arrows": ("a", "arrows")}  # the key bar's words


def drawings(report: Any) -> tuple[str, ...]:
    """What a report's view can draw over G's samples (none for a sweep's table, or for a
    run of a kind this toygan lacks)."""
    return drawings_of(report.problem) if isinstance(report, Snapshot) else ()


def drawings_of(problem: str) -> tuple[str, ...]:
    try:
        return offered(get_problem(problem))
    except InputError:
        return ()


def toggle(layers: Layers, key: str, offered_here: tuple[str, ...]) -> Layers | None:
    """The layers after `key`, if it toggles a drawing this view has; else None."""
    name = LAYER_KEYS.get(key)
    return layers.toggled(name) if name in offered_here else None


def bar_entries(offered_here: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple(BAR[name] for name in offered_here)
