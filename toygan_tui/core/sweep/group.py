"""Group engines: many members stepped as one. A group has `name` and `run(n)`, which returns
each member's loss stats (what a single run's Engine.run returns) and leaves each member's
TrainState exactly as its own run would hold it.

SerialGroup steps each member with its own engine (the fast one where it applies), in turn:
always correct, and the fallback for members a batched engine cannot take. make_group puts
members that could share one batched engine together (same nets, data and device) and asks
the batched engine for each such group.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import torch

from toygan_tui.core.engines.batched import SHARED, BatchedEngine
from toygan_tui.core.engines.flat import NotApplicable
from toygan_tui.core.training.loop import make_engine
from toygan_tui.core.training.state import TrainState


class GroupEngine(Protocol):
    name: str

    def run(self, n: int) -> list[torch.Tensor]:
        """Take n steps of every member; return each member's stats of the last step."""
        ...


class SerialGroup:
    """Each member with its own engine, one after another."""

    def __init__(self, states: Sequence[TrainState]) -> None:
        self.engines = [make_engine(state) for state in states]
        names = sorted({engine.name for engine in self.engines})
        self.name = f"serial ({', '.join(names)})"

    def run(self, n: int) -> list[torch.Tensor]:
        return [engine.run(n) for engine in self.engines]


def group_key(state: TrainState) -> tuple[object, ...]:
    """What members must share to be batched together (the batched engine's SHARED options)."""
    return (*(getattr(state.cfg, name) for name in SHARED), str(state.device))


def make_groups(states: Sequence[TrainState]) -> list[tuple[list[int], GroupEngine]]:
    """The members (by index into `states`) of each group, and the group's engine."""
    by_key: dict[tuple[object, ...], list[int]] = {}
    for i, state in enumerate(states):
        by_key.setdefault(group_key(state), []).append(i)
    return [(members, make_group([states[i] for i in members])) for members in by_key.values()]


def make_group(states: Sequence[TrainState]) -> GroupEngine:
    """The batched engine for members that share a group key, else a SerialGroup (members the
    batched engine cannot take, or ones the user asked to run on the reference engine). A lone
    member takes its own engine: a single run's fast engine beats a batch of one."""
    if len(states) > 1 and all(s.cfg.engine != "reference" for s in states):
        try:
            return BatchedEngine(list(states))
        except NotApplicable:
            pass
    return SerialGroup(states)
