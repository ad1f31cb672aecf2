"""One update of one player, GAN Lab's "step D" and "step G" buttons (the keys `d` and `g`,
core/training/lab.py): taken with autograd on a run's state, whichever engine trains it.

It draws what a training step draws, in the reference's order (reference.draw_batch: real
samples, noise, then ε and shifts where the run has them), from the run's own streams, so a
checkpoint written after it holds the streams where they are and a resumed run goes on
exactly. D's update is the critic update of step.py on fresh fakes; G's is G's half of the
joint step, then the EMA of G where the run keeps one. Neither counts as a training step.

Adam is torch's fused kernel on the optimizer's own state (adam.adam_update), not
torch.optim's Adam, whose first step imports torch._dynamo: seconds, on a key press. The
player's step count goes up by one, so G's and D's counts may differ from then on (the fast
engines keep a counter each: core/engines/flat.py).
"""

from __future__ import annotations

import torch

from toygan_tui.core.engines.adam import AdamState, adam_update
from toygan_tui.core.engines.autograd.reference import draw_batch, ema_pairs
from toygan_tui.core.engines.autograd.step import (
    Players,
    critic_step,
    generator_update,
    standing,
)
from toygan_tui.core.engines.contract import RunState
from toygan_tui.core.engines.ema import ema_step
from toygan_tui.core.losses import torch_ops


class FusedAdam:
    """The optimizer step.py's updates call: one fused Adam update of a player's own state."""

    def __init__(self, adam: AdamState) -> None:
        self.adam = adam

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.adam.params:
            p.grad = None

    def step(self) -> None:
        params = self.adam.params
        adam_update(self.adam, [torch.zeros_like(p) if p.grad is None else p.grad for p in params])
        self.zero_grad()  # the gradients served their one update


def single_update(state: RunState, player: str) -> torch.Tensor:
    """One update of `player` ("G" or "D") alone; returns the loss's stats of both players as
    they stand after it, on the batch it took (not synced)."""
    cfg, loss, ops = state.cfg, state.loss, torch_ops()
    players = Players(
        state.G, state.D, FusedAdam(state.opt_G), FusedAdam(state.opt_D), state.cfg.pack
    )
    batch = draw_batch(state)
    if player == "D":
        critic_step(players, batch, loss, cfg.gp_weight, ops)
    else:
        generator_update(players, batch, loss, ops)
        pairs = ema_pairs(state)
        if pairs is not None:  # after G's Adam update, as in every training step
            ema_step(*pairs, cfg.ema)
    return standing(players, batch, loss, cfg.gp_weight, ops)
