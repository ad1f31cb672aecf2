"""`ring`: 8 Gaussians on a circle of radius 2, σ 0.02 (the mode-collapse literature's ring).

The angles are 2πk/8 for k = 0..7; the common slip linspace(0, 2π, 8) repeats angle 0 as 2π and
makes only 7 distinct modes (tests/test_problems_2d.py shows the measures telling them apart).
"""

from __future__ import annotations

import numpy as np

from toygan_tui.core.problems.mixture import Mixture, round_modes

ANGLES = 2 * np.pi * np.arange(8) / 8
CENTRES = 2.0 * np.stack([np.cos(ANGLES), np.sin(ANGLES)], axis=1)

RING = Mixture(
    name="ring",
    summary="8 Gaussians on a circle of radius 2 (σ 0.02)",
    centres=CENTRES,
    stds=round_modes(CENTRES, 0.02),
    box=((-3.0, 3.0), (-3.0, 3.0)),
)
