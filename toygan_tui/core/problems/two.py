"""`two`: GAN Lab's default pair of Gaussians, scaled ×4 about its unit square.

Unequal shapes (one round, one tall and thin), so a G that covers both is visible.
"""

from __future__ import annotations

import numpy as np

from toygan_tui.core.problems.mixture import Mixture

TWO = Mixture(
    name="two",
    summary="GAN Lab's two Gaussians: a round one and a tall, thin one",
    centres=np.array([[1.2, 2.8], [2.8, 1.6]]),
    stds=np.array([[0.4, 0.4], [0.2, 0.8]]),
    box=((0.0, 4.0), (0.0, 4.0)),
)
