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

import torch

from toygan_tui.core.engines.adam import AdamState
from toygan_tui.core.engines.autograd.single import single_update
from toygan_tui.core.runfiles.events import Event, Request
from toygan_tui.core.training.member import Member
from toygan_tui.core.training.state import TrainState

# The learning rates the knobs reach: a press that would leave this range does nothing.
LR_RANGE = (1e-8, 1.0)


def learning_rates(state: TrainState) -> dict[str, float]:
    """Each player's learning rate in force."""
    return {"G": _lr(state.opt_G), "D": _lr(state.opt_D)}


def take_requests(
    members: list[Member], asked: list[Request], stats: list[torch.Tensor | None]
) -> tuple[bool, list[torch.Tensor | None], list[str]]:
    """Each request done on every live member, in turn, and appended to its events: whether
    anything changed, each member's stats as they now stand (an update's, else as they were),
    and what could not be written."""
    changed, stats, problems = False, list(stats), []
    for request in asked:
        for i, member in enumerate(members):
            if not member.live:
                continue
            event, update_stats = take(member.state, request)
            if event is None:
                continue
            changed = True
            stats[i] = stats[i] if update_stats is None else update_stats
            if member.files is not None:
                problems += member.files.record_event(event)
    return changed, stats, problems


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
