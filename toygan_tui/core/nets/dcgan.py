"""DCGAN's G and D (Radford et al.; pytorch/examples' dcgan, the PyTorch DCGAN tutorial), scaled
to any square image of side 4·2^k: G doubles the side from 4×4 in k transposed convolutions,
halving the channels from ngf·2^(k−1) to ngf; D mirrors it with strided convolutions. At 64×64
these are the tutorial's nets layer for layer (ngf·8 at 4×4 down to ngf at 32×32).

- Weights N(0, 0.02), BatchNorm weights N(1, 0.02) and biases 0 (the tutorial's weights_init).
- BatchNorm always normalises with the batch's own statistics (track_running_stats=False), in
  training, at the reports and in `toygan sample` alike: no mode switch changes what G draws,
  and a report never changes a buffer of the run.
- A critic with a gradient penalty (wgan-gp) has no BatchNorm: the penalty is per sample, and
  BatchNorm mixes the samples of a batch (the WGAN-GP paper's advice).
- --codes K (core/nets/codes.py): G reads its code one-hot in place of z's first K inputs,
  and D's last convolution has K more outputs, the code head's logits.
- A conditional problem's label comes in as one more input (core/engines/step.with_labels: the
  last column of G's noise, one more constant channel of D's image); both nets turn it into
  one-hot: K more noise inputs of G, K more constant channels of D (K classes).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from toygan_tui.core.nets import codes
from toygan_tui.core.problems.base import Problem

INIT_STD = 0.02  # DCGAN's N(0, 0.02) for every weight (N(1, 0.02) for BatchNorm's scale)
LEAK = 0.2  # D's LeakyReLU slope


def blocks(side: int) -> int:
    """k for an image of side 4·2^k: the transposed convolutions after G's first 4×4."""
    k = int(round(math.log2(side / 4))) if side >= 8 else 0
    if k < 1 or 4 * 2**k != side:
        raise ValueError(f"a DCGAN needs a square image of side 8, 16, 32, 64, ...; got {side}")
    return k


class OneHotNoise(nn.Module):
    """G's first step: [z, c] (c the class as a float) → [z, one_hot(c)] as a 1×1 image; with
    InfoGAN's codes, z's first K inputs → its code, one-hot (core/nets/codes.py)."""

    def __init__(self, classes: int, n_codes: int = 0) -> None:
        super().__init__()
        self.classes, self.n_codes = classes, n_codes

    def forward(self, zc: torch.Tensor) -> torch.Tensor:
        z = codes.with_code(zc[:, :-1] if self.classes else zc, self.n_codes)
        if self.classes:
            onehot = F.one_hot(zc[:, -1].round().long(), self.classes).to(zc.dtype)
            z = torch.cat([z, onehot], dim=1)
        return z[:, :, None, None]


class OneHotChannels(nn.Module):
    """D's first step: an image whose last channel holds the class → K one-hot channels."""

    def __init__(self, classes: int) -> None:
        super().__init__()
        self.classes = classes

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.classes:
            return x
        labels = x[:, -1, 0, 0].round().long()
        onehot = F.one_hot(labels, self.classes).to(x.dtype)[:, :, None, None]
        return torch.cat([x[:, :-1], onehot.expand(-1, -1, *x.shape[2:])], dim=1)


def generator(problem: Problem, width: int, n_codes: int = 0) -> nn.Sequential:
    """G: noise (n × noise_dim, then the label) → images (n × C × H × W) in [-1, 1]."""
    channels, side = problem.sample_shape[0], problem.sample_shape[-1]
    k, classes = blocks(side), len(problem.labels)
    layers: list[nn.Module] = [OneHotNoise(classes, n_codes)]
    n_in = problem.noise_dim + classes
    for i in range(k):
        n_out = width * 2 ** (k - 1 - i)
        stride, pad = (1, 0) if i == 0 else (2, 1)  # 1×1 → 4×4, then double
        layers += [nn.ConvTranspose2d(n_in, n_out, 4, stride, pad, bias=False)]
        layers += [nn.BatchNorm2d(n_out, track_running_stats=False), nn.ReLU(True)]
        n_in = n_out
    layers += [nn.ConvTranspose2d(n_in, channels, 4, 2, 1, bias=False), nn.Tanh()]
    return _initialised(nn.Sequential(*layers))


def discriminator(
    problem: Problem, width: int, batchnorm: bool = True, n_codes: int = 0
) -> nn.Sequential:
    """D: images (n × C × H × W, then the label as a channel) → logits (n × 1), then the
    code head's K logits (n × K) of a run with InfoGAN's codes."""
    channels, side = problem.sample_shape[0], problem.sample_shape[-1]
    k, classes = blocks(side), len(problem.labels)
    layers: list[nn.Module] = [OneHotChannels(classes)]
    layers += [nn.Conv2d(channels + classes, width, 4, 2, 1, bias=not batchnorm)]
    layers += [nn.LeakyReLU(LEAK)]
    n_in = width
    for _ in range(k - 1):  # side/2 → 4×4, doubling the channels
        layers += [nn.Conv2d(n_in, 2 * n_in, 4, 2, 1, bias=not batchnorm)]
        if batchnorm:
            layers += [nn.BatchNorm2d(2 * n_in, track_running_stats=False)]
        layers += [nn.LeakyReLU(LEAK)]
        n_in *= 2
    layers += [nn.Conv2d(n_in, 1 + n_codes, 4, 1, 0, bias=False), nn.Flatten()]
    return _initialised(nn.Sequential(*layers))


def _initialised(net: nn.Sequential) -> nn.Sequential:
    """The tutorial's weights_init, in module order (so a seed gives the same nets)."""
    for module in net.modules():
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(module.weight, 0.0, INIT_STD)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.BatchNorm2d):
            nn.init.normal_(module.weight, 1.0, INIT_STD)
            nn.init.zeros_(module.bias)
    return net
