"""GAN Lab's controls on a run that trains (the keys of ui/terminal/controls.py, taken by the
trainer between two chunks of steps): one update of D or of G alone, and each player's
learning rate halved or doubled.

Both change what the run computes, so each is an Event in the run's events.jsonl
(core/runfiles/events.py) and lives in the state a checkpoint saves: a learning rate in its
optimizer's param group (which checkpoints keep and a resumed run loads back), an update in
the weights, Adam's moments and step count, and the random streams it drew from; the state
counts its events, so a resumed run keeps exactly the events its checkpoint holds.
"""

from __future__ import annotations

import time

import torch

from toygan_tui.core.engines.adam import AdamState
from toygan_tui.core.engines.autograd.single import single_update
from toygan_tui.core.runfiles.events import Event, Request
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.training.member import Member
from toygan_tui.core.training.reporter import ReportAt
from toygan_tui.core.training.state import TrainState

# The learning rates the knobs reach: a press that would leave this range does nothing.
LR_RANGE = (1e-8, 1.0)


def learning_rates(state: TrainState) -> dict[str, float]:
    """Each player's learning rate in force."""
    return {"G": _lr(state.opt_G), "D": _lr(state.opt_D)}


class Lab:
    """The trainer's side of the keys (training/trainer.py): what they ask, done on every live
    member between two chunks, and the look that answers it."""

    def __init__(self, members: list[Member]) -> None:
        self.members = members
        self.stats: list[torch.Tensor | None] = [None] * len(members)  # each one's latest
        self.speed = 0.0  # steps/s at the latest report, for a look's header
        self.started = time.monotonic()  # when this session's training started

    def take(self, asked: list[Request]) -> tuple[bool, list[str]]:
        """Each request done on every live member, in turn, and appended to its events:
        whether anything changed, and what could not be written."""
        changed, problems = False, []
        for request in asked:
            for i, member in enumerate(self.members):
                if not member.live:
                    continue
                event, update_stats = take(member.state, request)
                if event is None:
                    continue
                changed = True
                if update_stats is not None:  # the stats as they stand after the update
                    self.stats[i] = update_stats
                if member.files is not None:
                    problems += member.files.record_event(event)
        return changed, problems

    def look(self, step: int, engine: str) -> list[Snapshot | None]:
        """Each live member's state as it stands, evaluated now (None: no report of it)."""
        now, snaps = time.monotonic(), list[Snapshot | None]()
        for member, stats in zip(self.members, self.stats, strict=True):
            if member.reporter is None or stats is None or not member.live:
                snaps.append(None)
                continue
            elapsed = member.state.elapsed + now - self.started
            at = ReportAt(step, engine, stats, self.speed, elapsed, learning_rates(member.state))
            snaps.append(member.named(member.reporter.look(at)))
        return snaps


def take(state: TrainState, request: Request) -> tuple[Event | None, torch.Tensor | None]:
    """Do what a key asked of this run: the Event it makes (None: nothing changed, a rate at
    the end of LR_RANGE) and, for an update, the loss's stats after it."""
    adam = state.opt_G if request.player == "G" else state.opt_D
    if request.action == "lr":
        lr = _lr(adam) * request.factor
        if not LR_RANGE[0] <= lr <= LR_RANGE[1]:
            return None, None
        adam.param_groups[0]["lr"] = lr
        stats = None
    else:
        stats = single_update(state, request.player)
    state.events += 1
    return Event(state.step, request.action, request.player, _lr(adam)), stats


def _lr(adam: AdamState) -> float:
    return float(adam.param_groups[0]["lr"])
