"""`grid`: 25 Gaussians at {−4, −2, 0, 2, 4}², σ 0.05 (PacGAN's setting)."""

from __future__ import annotations

import numpy as np

from toygan_tui.core.problems.mixture import Mixture, round_modes

AXIS = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
CENTRES = np.stack(np.meshgrid(AXIS, AXIS, indexing="ij"), axis=-1).reshape(-1, 2)

GRID = Mixture(
    name="grid",
    summary="25 Gaussians on the grid {−4, −2, 0, 2, 4}² (σ 0.05)",
    centres=CENTRES,
    stds=round_modes(CENTRES, 0.05),
    box=((-6.0, 6.0), (-6.0, 6.0)),
)
