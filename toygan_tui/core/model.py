"""The generator G and the discriminator D of the tutorial. D returns a logit, not a probability."""

from __future__ import annotations

from torch import nn

from toygan_tui.core.config import TrainConfig


def make_generator(cfg: TrainConfig) -> nn.Sequential:
    """G: noise z (n_ideas) → a curve (n_points)."""
    return nn.Sequential(
        nn.Linear(cfg.n_ideas, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, cfg.n_points)
    )


def make_discriminator(cfg: TrainConfig) -> nn.Sequential:
    """D: a curve → the logit of "this is a real painting".

    The tutorial ends D with a Sigmoid; we keep the logit so losses are computed stably
    (softplus) and a saturated D never gives log(0). sigmoid(logit) is the tutorial's D(x).
    """
    return nn.Sequential(nn.Linear(cfg.n_points, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, 1))
