"""The quality measures of generated curves (DESIGN.md), in pure numpy.

Each takes y, an (n × n_points) array of curves drawn at x = linspace(-1, 1, n_points).
"""

from __future__ import annotations

import numpy as np

from toygan_tui.core.data import lower_bound, upper_bound, x_grid

BOUNDS_TOL = 1e-6
N_BINS = 10


def in_bounds(y: np.ndarray) -> float:
    """Fraction of curves whose every point lies in [x², 2x² + 1]."""
    x = x_grid(y.shape[1])
    inside = (y >= lower_bound(x) - BOUNDS_TOL) & (y <= upper_bound(x) + BOUNDS_TOL)
    return float(inside.all(axis=1).mean())


def a_hat(y: np.ndarray) -> np.ndarray:
    """Each curve's least-squares amplitude: Σ (y + 1)·b / Σ b², with b = x² + 1."""
    b = x_grid(y.shape[1]) ** 2 + 1
    return ((y + 1) @ b) / (b @ b)


def shape_rmse(y: np.ndarray) -> float:
    """RMS distance of the curves from the family a·b − 1: 0 for any real curve."""
    b = x_grid(y.shape[1]) ** 2 + 1
    residual = (y + 1) - a_hat(y)[:, None] * b[None, :]
    return float(np.sqrt(np.mean(residual**2)))


def a_w1(y: np.ndarray) -> float:
    """1-Wasserstein distance between the curves' amplitudes and U(1, 2)."""
    a = np.sort(a_hat(y))
    n = len(a)
    quantiles = 1 + (np.arange(n) + 0.5) / n
    return float(np.mean(np.abs(a - quantiles)))


def coverage(y: np.ndarray) -> float:
    """Fraction of the 10 equal bins of [1, 2] that hold at least 1/20 of the amplitudes."""
    counts, _ = np.histogram(a_hat(y), bins=N_BINS, range=(1.0, 2.0))
    return float(np.mean(counts >= len(y) / 20))


def quality(y: np.ndarray) -> dict[str, float]:
    """All four measures by name, as metrics.jsonl and `sample --format json` spell them."""
    y = np.asarray(y, dtype=np.float64)
    return {
        "in_bounds": in_bounds(y),
        "a_w1": a_w1(y),
        "shape_rmse": shape_rmse(y),
        "coverage": coverage(y),
    }
