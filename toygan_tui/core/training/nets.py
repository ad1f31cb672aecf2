"""G and D for any problem: MLPs of `depth` hidden ReLU layers of `hidden` units. D returns a
logit. A conditional problem's label is one more input of both (G sees [z, c], D [x, c]).

At depth 1 and the curve problem's sizes these are the tutorial's nets, built in the same
order, so the same seed gives the same initial weights (tests/test_nets.py).
"""

from __future__ import annotations

from torch import nn

from toygan_tui.core.problems.base import Problem


def mlp(n_in: int, hidden: int, depth: int, n_out: int) -> nn.Sequential:
    """Linear → ReLU, `depth` times, then Linear to n_out."""
    layers: list[nn.Module] = []
    width = n_in
    for _ in range(depth):
        layers += [nn.Linear(width, hidden), nn.ReLU()]
        width = hidden
    layers.append(nn.Linear(width, n_out))
    return nn.Sequential(*layers)


def make_generator(problem: Problem, hidden: int, depth: int) -> nn.Sequential:
    """G: noise z (and the label asked for) → one sample."""
    return mlp(problem.noise_dim + problem.cond_dim, hidden, depth, problem.out_dim)


def make_discriminator(problem: Problem, hidden: int, depth: int) -> nn.Sequential:
    """D: a sample (and its label) → the logit of "this is real"."""
    return mlp(problem.out_dim + problem.cond_dim, hidden, depth, 1)
