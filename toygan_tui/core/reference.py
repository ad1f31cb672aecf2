"""The reference engine: the tutorial's step, written plainly with autograd. It is the spec.

Every faster engine must match it step for step (tests/test_engines.py).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from toygan_tui.core.adam import torch_adam
from toygan_tui.core.state import TrainState

# The tutorial's saturating minimax losses, computed from D's logits so a saturated D gives a
# finite loss: log σ(l) = −softplus(−l) and log(1 − σ(l)) = −softplus(l).


def d_loss_from_logits(logit_real: torch.Tensor, logit_fake: torch.Tensor) -> torch.Tensor:
    """D_loss = −mean[log D(x) + log(1 − D(G(z)))]."""
    return F.softplus(-logit_real).mean() + F.softplus(logit_fake).mean()


def g_loss_from_logits(logit_fake: torch.Tensor) -> torch.Tensor:
    """G_loss = mean[log(1 − D(G(z)))] (G minimises it: the saturating loss of the tutorial)."""
    return -F.softplus(logit_fake).mean()


class ReferenceEngine:
    """One optimizer step of each player per training step, both from the same (G, D) state."""

    name = "reference"

    def __init__(self, state: TrainState) -> None:
        self.state = state
        # torch's own Adam, on the state's optimizer containers: a checkpoint sees its steps.
        self.opt_G, self.opt_D = torch_adam(state.opt_G), torch_adam(state.opt_D)

    def run(self, n: int) -> torch.Tensor:
        """Take n steps; return [d_loss, g_loss, d_real, d_fake] of the last one (not synced)."""
        stats = torch.zeros(4)
        for _ in range(n):
            stats = self.step()
        return stats

    def step(self) -> torch.Tensor:
        s = self.state
        real = s.real_batch()
        fake = s.G(s.noise(s.cfg.batch_size))

        # (1) Update G against the current D: G's gradient only, D's parameters untouched.
        g_loss = g_loss_from_logits(s.D(fake))
        self.opt_G.zero_grad(set_to_none=True)
        g_loss.backward(inputs=list(s.G.parameters()))
        self.opt_G.step()

        # (2) Update D on the real batch and the fakes made before G's step (detached),
        #     so D's gradient is the gradient of D_loss alone.
        logit_real, logit_fake = s.D(real), s.D(fake.detach())
        d_loss = d_loss_from_logits(logit_real, logit_fake)
        self.opt_D.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_D.step()

        s.step += 1
        probs = torch.stack([torch.sigmoid(logit_real).mean(), torch.sigmoid(logit_fake).mean()])
        return torch.cat([torch.stack([d_loss, g_loss]).detach(), probs.detach()])
