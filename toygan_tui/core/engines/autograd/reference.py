"""The reference engine: the step of step.py, with autograd, for every (problem, loss) pair.
It is the spec: on the defaults (curves, minimax) it is the tutorial's step, and
every faster engine must match it step for step (tests/test_engines.py).
"""

from __future__ import annotations

import torch

from toygan_tui.core.engines.adam import torch_adam
from toygan_tui.core.engines.autograd.augment import Shifts
from toygan_tui.core.engines.autograd.step import Batch, Players, critic_step, joint_step
from toygan_tui.core.engines.contract import RunState
from toygan_tui.core.engines.ema import ema_step
from toygan_tui.core.losses import MINIMAX, torch_ops

# The tutorial's saturating minimax losses (losses.MINIMAX), by the names tests use.
_TORCH_OPS = torch_ops()


def d_loss_from_logits(logit_real: torch.Tensor, logit_fake: torch.Tensor) -> torch.Tensor:
    """D_loss = −mean[log D(x) + log(1 − D(G(z)))], from logits (finite when D saturates)."""
    return MINIMAX.d_loss(logit_real, logit_fake, _TORCH_OPS)  # type: ignore[no-any-return]


def g_loss_from_logits(logit_fake: torch.Tensor) -> torch.Tensor:
    """G_loss = mean[log(1 − D(G(z)))] (G minimises it: the saturating loss of the tutorial)."""
    return MINIMAX.g_loss(logit_fake, _TORCH_OPS)  # type: ignore[no-any-return]


class ReferenceEngine:
    """Each training step: n_critic − 1 critic-only steps, then both players from the same
    (G, D) state (core/engines/autograd/step.py); one step of each for every loss but wgan-gp."""

    name = "reference"

    def __init__(self, state: RunState) -> None:
        self.state = state
        self.loss = state.loss
        self.ops = _TORCH_OPS
        # torch's own Adam, on the state's optimizer containers: a checkpoint sees its steps.
        self.players = Players(
            state.G, state.D, torch_adam(state.opt_G), torch_adam(state.opt_D), state.cfg.pack
        )
        self.ema = ema_pairs(state)

    def run(self, n: int) -> torch.Tensor:
        """Take n steps; return the loss's stats of the last one (not synced)."""
        stats = torch.full((len(self.loss.stats),), float("nan"))
        for _ in range(n):
            stats = self.step()
        return stats

    def step(self) -> torch.Tensor:
        cfg = self.state.cfg
        for _ in range(cfg.n_critic - 1):
            critic_step(self.players, self._batch(), self.loss, cfg.gp_weight, self.ops)
        stats = joint_step(self.players, self._batch(), self.loss, cfg.gp_weight, self.ops)
        if self.ema is not None:  # after G's one Adam update of the step
            ema_step(*self.ema, cfg.ema)
        self.state.step += 1
        return stats

    def _batch(self) -> Batch:
        return draw_batch(self.state)


def draw_batch(state: RunState) -> Batch:
    """One update's draws, in the tutorial's order: real samples, then noise (then ε, then the
    shifts of an augmenting run, from the noise stream too). A packed run's ε is one per packed
    input, the same for its K samples."""
    n, k = state.cfg.batch_size, state.cfg.pack
    real, labels = state.real_batch_with_labels()
    z = state.noise(n)
    eps = None
    if state.cfg.gp_weight:
        eps = state.uniform(n) if k == 1 else state.uniform(n // k).repeat_interleave(k, dim=0)
    most = state.cfg.augment
    shifts = Shifts.draw(state.noise_gen, n, most, state.device) if most else None
    return Batch(real, labels, z, eps, shifts)


def ema_pairs(state: RunState) -> tuple[list[torch.Tensor], list[torch.Tensor]] | None:
    """The EMA's tensors and G's (detached views of them), in the same order (None when the
    run keeps no EMA)."""
    if state.g_ema is None:
        return None
    return list(state.g_ema.parameters()), [p.detach() for p in state.G.parameters()]
