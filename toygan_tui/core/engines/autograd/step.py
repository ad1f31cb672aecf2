"""One training step of any (problem, loss) pair, written plainly with autograd: the spec the
reference engine runs and every faster engine must match.

The caller draws every random input (real batch and labels, noise, the penalty's ε) from the
run's streams, so this module holds no state and knows no problem or loss by name.

A step is the tutorial's: both players updated from the same (G, D) state (G's step against
the old D; D's step on the fakes made before G's step, detached, so D's gradient is that of
D's loss alone). A loss with n_critic > 1 (wgan-gp) first takes n_critic − 1 critic-only
steps on fresh batches, so D is updated n_critic times per G update and n_critic = 1 is the
tutorial exactly. A run with --augment shows D its images shifted (augment.py): the reals in
D's update, the fakes in both players' (Batch.seen_real, Batch.seen_fake).
A run with --codes adds InfoGAN's code term to both players' losses (core/nets/codes.py).
A run with --pack K shows D its samples K at a time (PacGAN; nets/inputs.py: d_input): the
batch's B samples as B/K packed inputs, B/K logits a side, the losses their means.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import torch
from torch import nn

from toygan_tui.core.engines.autograd.augment import Shifts, translate
from toygan_tui.core.engines.autograd.penalty import gradient_penalty, interpolate
from toygan_tui.core.losses import Loss, Ops
from toygan_tui.core.nets import codes
from toygan_tui.core.nets.inputs import d_input, with_labels


@dataclass(frozen=True)
class Batch:
    """The random inputs of one update."""

    real: torch.Tensor  # (B × *sample_shape): vectors, or images (B × C × H × W)
    labels: torch.Tensor | None  # (B × 1) float labels of a conditional problem, else None
    z: torch.Tensor  # (B × noise_dim)
    eps: torch.Tensor | None  # (B × 1) ~ U(0, 1), the penalty's mix; None without a penalty
    #                           (packed: one per packed input, repeated for its K samples)
    shifts: Shifts | None = (
        None  # what D sees is shifted by these (core/engines/autograd/augment.py)
    )

    def seen_real(self) -> torch.Tensor:
        """The real images as D sees them: shifted when the run augments."""
        s = self.shifts
        return self.real if s is None else translate(self.real, s.real, s.most)

    def seen_fake(self, fake: torch.Tensor) -> torch.Tensor:
        """G's images as D sees them (in G's loss and D's alike): shifted when the run augments."""
        s = self.shifts
        return fake if s is None else translate(fake, s.fake, s.most)


class Optimizer(Protocol):
    """What a step asks of an optimizer (torch's Adam, or one that averages over ranks first)."""

    def zero_grad(self, set_to_none: bool = True) -> None: ...

    def step(self) -> Any: ...


__all__ = [
    "Batch",
    "Optimizer",
    "Players",
    "critic_step",
    "generator_update",
    "joint_step",
    "standing",
]


@dataclass(frozen=True)
class Players:
    G: nn.Module
    D: nn.Module
    opt_G: Optimizer
    opt_D: Optimizer
    pack: int = 1  # samples D judges as one input (PacGAN's packing; 1: none)


def joint_step(p: Players, batch: Batch, loss: Loss, gp_weight: float, ops: Ops) -> torch.Tensor:
    """The tutorial's simultaneous update; returns the loss's stats (detached, not synced)."""
    fake, g_loss = generator_update(p, batch, loss, ops)
    # (2) Update D on the real batch and the fakes made before G's step (detached).
    d_loss, logit_real, logit_fake = _critic_update(p, batch, fake.detach(), loss, gp_weight, ops)
    return _stats(loss, d_loss, g_loss, logit_real, logit_fake, ops)


def generator_update(
    p: Players, batch: Batch, loss: Loss, ops: Ops
) -> tuple[torch.Tensor, torch.Tensor]:
    """(1) G's update against the current D: G's gradient only, D's parameters untouched.
    Returns the fakes made before it (as D saw them) and G's loss."""
    fake = batch.seen_fake(p.G(with_labels(batch.z, batch.labels)))
    out = p.D(d_input(fake, batch.labels, p.pack))
    g_loss = loss.g_loss(codes.logit(out), ops) + codes.code_loss(out, batch.z)
    p.opt_G.zero_grad(set_to_none=True)
    g_loss.backward(inputs=list(p.G.parameters()))
    p.opt_G.step()
    return fake, g_loss


def critic_step(p: Players, batch: Batch, loss: Loss, gp_weight: float, ops: Ops) -> None:
    """A D-only update against fresh fakes (the extra steps of n_critic > 1)."""
    with torch.no_grad():
        fake = batch.seen_fake(p.G(with_labels(batch.z, batch.labels)))
    _critic_update(p, batch, fake, loss, gp_weight, ops)


def standing(p: Players, batch: Batch, loss: Loss, gp_weight: float, ops: Ops) -> torch.Tensor:
    """The loss's stats of the players as they stand, on this batch (no update): what a
    single player's update changed, seen on the batch it took."""
    fake = batch.seen_fake(p.G(with_labels(batch.z, batch.labels))).detach()
    d_loss, logit_real, logit_fake, out_fake = _critic_loss(p, batch, fake, loss, gp_weight, ops)
    g_loss = loss.g_loss(logit_fake, ops) + codes.code_loss(out_fake, batch.z)
    return _stats(loss, d_loss, g_loss, logit_real, logit_fake, ops)


def _stats(loss: Loss, d_loss: Any, g_loss: Any, real: Any, fake: Any, ops: Ops) -> torch.Tensor:
    stats = loss.report(d_loss, g_loss, real, fake, ops)
    return torch.stack([torch.as_tensor(s) for s in stats]).detach()


def _critic_update(
    p: Players, batch: Batch, fake: torch.Tensor, loss: Loss, gp_weight: float, ops: Ops
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """D's update on the real batch and `fake` (both as D sees them: shifted when augmenting)."""
    d_loss, logit_real, logit_fake, _ = _critic_loss(p, batch, fake, loss, gp_weight, ops)
    p.opt_D.zero_grad(set_to_none=True)
    d_loss.backward()
    p.opt_D.step()
    return d_loss, logit_real, logit_fake


def _critic_loss(
    p: Players, batch: Batch, fake: torch.Tensor, loss: Loss, gp_weight: float, ops: Ops
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """D's loss on the real batch and `fake`, its logits on both, and its output on `fake`."""
    real = batch.seen_real()
    logit_real = codes.logit(p.D(d_input(real, batch.labels, p.pack)))
    out_fake = p.D(d_input(fake, batch.labels, p.pack))
    logit_fake = codes.logit(out_fake)
    d_loss = loss.d_loss(logit_real, logit_fake, ops) + codes.code_loss(out_fake, batch.z)
    if gp_weight:
        assert batch.eps is not None, "a penalised loss needs the batch's ε"
        x_hat = interpolate(real, fake, batch.eps)
        d_loss = d_loss + gp_weight * gradient_penalty(p.D, x_hat, batch.labels, p.pack)
    return d_loss, logit_real, logit_fake, out_fake
