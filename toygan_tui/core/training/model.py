"""G and D of a run, from its config: the problem's family of nets (nets.py) at the config's
sizes. D returns a logit, not a probability."""

from __future__ import annotations

from torch import nn

from toygan_tui.core.training import nets
from toygan_tui.core.training.config import TrainConfig


def make_generator(cfg: TrainConfig) -> nn.Sequential:
    """G: noise z (and a conditional problem's label) → one sample."""
    return nets.make_generator(cfg.the_problem, cfg.hidden, cfg.depth, cfg.codes)


def make_discriminator(cfg: TrainConfig) -> nn.Sequential:
    """D: a sample (and its label) → the logit of "this is real".

    The tutorial ends D with a Sigmoid; we keep the logit so losses are computed stably
    (softplus) and a saturated D never gives log(0). sigmoid(logit) is the tutorial's D(x).
    A loss with a gradient penalty (wgan-gp) gets a critic without BatchNorm, and so does a
    run with --d-norm none. A run with --codes K gets K more outputs (core/engines/codes.py).
    """
    penalised, batchnorm = bool(cfg.gp_weight), cfg.d_norm == "batch"
    problem = cfg.the_problem
    return nets.make_discriminator(problem, cfg.hidden, cfg.depth, penalised, batchnorm, cfg.codes)
