"""Fast engines (placeholder until the fast path lands): none applies yet."""

from __future__ import annotations

from toygan_tui.core.state import TrainState


def make_fast_engine(state: TrainState, required: bool = False) -> None:
    return None
