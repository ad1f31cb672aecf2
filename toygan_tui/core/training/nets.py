"""G and D for any problem, in the family its `nets` names. D returns a logit.

- "mlp": `depth` hidden ReLU layers of `hidden` units. A conditional problem's label is one
  more input of both (G sees [z, c], D [x, c]). At depth 1 and the curve problem's sizes these
  are the tutorial's nets, built in the same order, so the same seed gives the same initial
  weights (tests/test_adversarial.py).
- "dcgan" (dcgan.py): DCGAN for the problem's image size, ngf = ndf = `hidden`; its depth
  follows the image size. A critic with a gradient penalty has no BatchNorm (`penalised`).
"""

from __future__ import annotations

from torch import nn

from toygan_tui.core.problems.base import Problem
from toygan_tui.core.training import dcgan


def mlp(n_in: int, hidden: int, depth: int, n_out: int) -> nn.Sequential:
    """Linear → ReLU, `depth` times, then Linear to n_out."""
    layers: list[nn.Module] = []
    width = n_in
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


def make_generator(problem: Problem, hidden: int, depth: int, codes: int = 0) -> nn.Sequential:
    """G: noise z (and the label asked for) → one sample. `codes`: DCGAN nets only."""
    if problem.nets == "dcgan":
        return dcgan.generator(problem, hidden, codes)
    return mlp(problem.noise_dim + problem.cond_dim, hidden, depth, problem.out_dim)


def make_discriminator(
    problem: Problem,
    hidden: int,
    depth: int,
    penalised: bool = False,
    batchnorm: bool = True,
    codes: int = 0,
) -> nn.Sequential:
    """D: a sample (and its label) → the logit of "this is real" (then the code head's logits,
    DCGAN nets only). A DCGAN's D has BatchNorm unless it is a penalised critic or `batchnorm`
    is off (an MLP never has any)."""
    if problem.nets == "dcgan":
        return dcgan.discriminator(problem, hidden, batchnorm and not penalised, codes)
    return mlp(problem.out_dim + problem.cond_dim, hidden, depth, 1)
