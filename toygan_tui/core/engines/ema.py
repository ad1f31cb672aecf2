"""The EMA generator: an exponential moving average of G's weights, kept beside G.

After every Adam update of G, each of the average's tensors moves towards G's by
`ema.lerp_(g, 1 - decay)`, i.e. ema ← ema + (1 − decay)·(g − ema). It starts at G's initial
weights and never feeds back into training: only reports, checkpoints and `sample` read it.
Every engine calls `ema_step` (on the modules' tensors, or on flat buffers laid out alike),
so the formula has this one home.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn


def new_ema(G: nn.Module) -> nn.Module:
    """A copy of G (same device, same weights) that no gradient ever reaches."""
    ema = copy.deepcopy(G)
    ema.requires_grad_(False)
    return ema


def ema_step(ema: Sequence[torch.Tensor], current: Sequence[torch.Tensor], decay: float) -> None:
    """One EMA update after one G update: ema ← lerp(ema, g, 1 − decay), tensor by tensor.

    The tensors must not require gradients (pass G's as `p.detach()`, views made once that see
    every update): then no autograd bookkeeping is needed, and none is paid for (a no_grad
    context would cost as much as the fast engine's one lerp)."""
    weight = 1.0 - decay
    for average, value in zip(ema, current, strict=True):
        average.lerp_(value, weight)
