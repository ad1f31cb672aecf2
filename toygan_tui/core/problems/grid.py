"""`grid`: 25 Gaussians at {−4, −2, 0, 2, 4}², σ 0.05 (PacGAN's setting)."""

from __future__ import annotations

import dataclasses

import numpy as np

from toygan_tui.core.problems.mixture import MLP_2X128, Mixture, round_modes

AXIS = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
CENTRES = np.stack(np.meshgrid(AXIS, AXIS, indexing="ij"), axis=-1).reshape(-1, 2)

# Measured (bench/grid_probe.md, ns and minimax): ring's nets with Adam lr 5e-4 instead of 1e-4
# reach at 20 000 steps what lr 1e-4 reaches at 40 000 (8–9 of 25 modes, hq ~0.7); 3 hidden
# layers reached no more modes, and 3 × 256 or 4 × 256 cost 4–6× the CPU time per step.
GRID_DEFAULTS = dataclasses.replace(MLP_2X128, lr_g=5e-4, lr_d=5e-4)

GRID = Mixture(
    name="grid",
    summary="25 Gaussians on the grid {−4, −2, 0, 2, 4}² (σ 0.05)",
    centres=CENTRES,
    stds=round_modes(CENTRES, 0.05),
    box=((-6.0, 6.0), (-6.0, 6.0)),
    defaults=GRID_DEFAULTS,
)
