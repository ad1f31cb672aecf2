"""The target distribution: curves y = a·x² + (a − 1), a ~ U(1, 2), on a fixed grid of x.

Pure numpy, so front ends can draw the bounds without importing torch.
"""

from __future__ import annotations

import numpy as np


def x_grid(n_points: int) -> np.ndarray:
    """The x positions every curve is drawn at: linspace(-1, 1), as in the tutorial."""
    return np.linspace(-1.0, 1.0, n_points)


def lower_bound(x: np.ndarray) -> np.ndarray:
    """The lowest real curve (a = 1): x²."""
    return x**2


def upper_bound(x: np.ndarray) -> np.ndarray:
    """The highest real curve (a = 2): 2x² + 1."""
    return 2 * x**2 + 1


def curves_from_amplitudes(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Real curves (len(a) × len(x)) for the given amplitudes."""
    # np.power, as the tutorial writes it: numpy 1.x squares `x ** 2` by another path, which
    # differs from np.power(x, 2) in the last bit for some x.
    return a[:, None] * np.power(x[None, :], 2) + (a[:, None] - 1)


def real_amplitudes(rng: np.random.RandomState, batch_size: int) -> np.ndarray:
    """The tutorial's a ~ U(1, 2) for one batch of artist_works().

    A RandomState (not the newer Generator) so the stream is exactly np.random.seed(seed)'s.
    """
    return rng.uniform(1, 2, size=batch_size)
