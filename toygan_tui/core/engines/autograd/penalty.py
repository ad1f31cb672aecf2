"""WGAN-GP's gradient penalty (Gulrajani et al.): D's input gradient pushed towards norm 1.

penalty = mean over the batch of (‖∇ₓ D(x̂)‖₂ − 1)², x̂ = ε·x_real + (1 − ε)·x_fake with one
ε ~ U(0, 1) per sample. The norm is per sample, over the sample's own coordinates (every pixel
of an image; not the condition a conditional D also sees). It needs a double backward:
autograd engines only.
"""

from __future__ import annotations

import torch
from torch import nn

from toygan_tui.core.nets import codes
from toygan_tui.core.nets.inputs import with_labels


def interpolate(real: torch.Tensor, fake: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """x̂ = ε·real + (1 − ε)·fake, with eps of shape (n, 1), one per sample of any shape."""
    eps = eps.reshape(-1, *[1] * (real.ndim - 1))
    return eps * real + (1 - eps) * fake


def gradient_penalty(
    D: nn.Module, x_hat: torch.Tensor, cond: torch.Tensor | None = None
) -> torch.Tensor:
    """mean (‖∇ D(x̂)‖₂ − 1)², differentiable in D's parameters (create_graph)."""
    x_hat = x_hat.detach().requires_grad_(True)
    logit = codes.logit(D(with_labels(x_hat, cond)))  # not the code head of a run with --codes
    (grad,) = torch.autograd.grad(logit.sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()
