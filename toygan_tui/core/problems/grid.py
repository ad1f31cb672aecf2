"""`grid`: 25 Gaussians at {−4, −2, 0, 2, 4}², σ 0.05 (PacGAN's setting)."""

from __future__ import annotations

import dataclasses

import numpy as np

from toygan_tui.core.problems.mixture import MLP_2X128, Mixture, round_modes

AXIS = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
CENTRES = np.stack(np.meshgrid(AXIS, AXIS, indexing="ij"), axis=-1).reshape(-1, 2)

# The grid's recipe (issue 24; bench/grid_probe.md, docs/pack.md): ring's nets (2 × 128, batch
# 256, betas (0.5, 0.999)) with PacGAN's packing of 2, the non-saturating loss, Adam lr 1e-3
# for both players and an EMA of G (0.999). Unpacked, no loss found more than 20 of the 25
# modes; packed by 2 every seed found all 25. Packing by 4 started too late for 20 000 steps,
# three hidden layers found fewer modes, 256 units no more; lr 1e-3 beat 5e-4 and 2e-4, and the
# EMA holds hq ≥ 0.9 where G's own points still swing between reports.
GRID_DEFAULTS = dataclasses.replace(MLP_2X128, loss="ns", lr_g=1e-3, lr_d=1e-3, pack=2, ema=0.999)

GRID = Mixture(
    name="grid",
    summary="25 Gaussians on the grid {−4, −2, 0, 2, 4}² (σ 0.05)",
    centres=CENTRES,
    stds=round_modes(CENTRES, 0.05),
    box=((-6.0, 6.0), (-6.0, 6.0)),
    defaults=GRID_DEFAULTS,
)
