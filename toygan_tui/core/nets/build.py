"""G and D of a run: the problem's family of nets at the config's sizes. D returns a logit,
not a probability.

- "mlp": `depth` hidden ReLU layers of `hidden` units. A conditional problem's label is one
  more input of both (G sees [z, c], D [x, c]). At depth 1 and the curve problem's sizes these
  are the tutorial's nets, built in the same order, so the same seed gives the same initial
  weights (tests/test_adversarial.py). With PacGAN's packing (--pack K) D's input is K
  samples (each with its label) side by side: K times as wide (nets/inputs.py: packed).
- "dcgan" (dcgan.py): DCGAN for the problem's image size, ngf = ndf = `hidden`; its depth
  follows the image size. A critic with a gradient penalty has no BatchNorm (`penalised`).

`placed()` puts a net on its device in the memory layout its convolutions run fastest in
there: channels-last on a CPU (oneDNN's convolutions take NHWC without reordering; measured
in docs/images.md "Speed"), torch's default elsewhere (not measured on a GPU).
"""

from __future__ import annotations

from typing import TypeVar

import torch
from torch import nn

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.nets import dcgan
from toygan_tui.core.problems.base import Problem

Net = TypeVar("Net", bound=nn.Module)
CONVOLUTIONS = (nn.Conv2d, nn.ConvTranspose2d)  # what channels-last speeds up (a DCGAN's)


def mlp(n_in: int, hidden: int, depth: int, n_out: int) -> nn.Sequential:
    """Linear → ReLU, `depth` times, then Linear to n_out."""
    layers: list[nn.Module] = []
    width = n_in
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


def generator_for(problem: Problem, hidden: int, depth: int, codes: int = 0) -> nn.Sequential:
    """G: noise z (and the label asked for) → one sample. `codes`: DCGAN nets only."""
    if problem.nets == "dcgan":
        return dcgan.generator(problem, hidden, codes)
    return mlp(problem.noise_dim + problem.cond_dim, hidden, depth, problem.out_dim)


def discriminator_for(
    problem: Problem,
    hidden: int,
    depth: int,
    penalised: bool = False,
    batchnorm: bool = True,
    codes: int = 0,
    pack: int = 1,
) -> nn.Sequential:
    """D: a sample (and its label) → the logit of "this is real" (then the code head's logits,
    DCGAN nets only). A DCGAN's D has BatchNorm unless it is a penalised critic or `batchnorm`
    is off (an MLP never has any). An MLP D judges `pack` samples at once (config checks
    refuse packing for a DCGAN)."""
    if problem.nets == "dcgan":
        return dcgan.discriminator(problem, hidden, batchnorm and not penalised, codes)
    return mlp((problem.out_dim + problem.cond_dim) * pack, hidden, depth, 1)


def make_generator(cfg: TrainConfig) -> nn.Sequential:
    """G of a run: noise z (and a conditional problem's label) → one sample."""
    return generator_for(cfg.the_problem, cfg.hidden, cfg.depth, cfg.codes)


def make_discriminator(cfg: TrainConfig) -> nn.Sequential:
    """D of a run: a sample (and its label) → the logit of "this is real".

    The tutorial ends D with a Sigmoid; we keep the logit so losses are computed stably
    (softplus) and a saturated D never gives log(0). sigmoid(logit) is the tutorial's D(x).
    A loss with a gradient penalty (wgan-gp) gets a critic without BatchNorm, and so does a
    run with --d-norm none. A run with --codes K gets K more outputs (core/nets/codes.py).
    A run with --pack K judges K samples at once (K times the inputs).
    """
    penalised, batchnorm = bool(cfg.gp_weight), cfg.d_norm == "batch"
    problem = cfg.the_problem
    return discriminator_for(
        problem, cfg.hidden, cfg.depth, penalised, batchnorm, cfg.codes, cfg.pack
    )


def placed(net: Net, device: torch.device) -> Net:
    """`net` on `device`; a convolutional net on a CPU in channels-last memory (its 4-D
    weights NHWC; the images it makes follow them). Parameters stay the same objects."""
    net = net.to(device)
    if device.type == "cpu" and any(isinstance(m, CONVOLUTIONS) for m in net.modules()):
        # Module.to takes memory_format (its 4-D tensors only); torch's stubs do not say so.
        net = net.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    return net


def lay_out_moments(opt_state: dict[torch.Tensor, dict[str, torch.Tensor]]) -> None:
    """Adam's moments in their parameters' memory layout: a checkpoint written in another one
    (by a toygan before channels-last, or on a GPU) would otherwise leave them mismatched."""
    for param, state in opt_state.items():
        for name, value in state.items():
            if name != "step" and value.shape == param.shape and value.stride() != param.stride():
                state[name] = torch.empty_like(param).copy_(value)
