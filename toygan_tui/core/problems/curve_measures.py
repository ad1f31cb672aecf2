"""The quality measures of generated curves (the docs' Problems page defines them), in pure numpy.

Each takes y, an (n × n_points) array of curves drawn at x = linspace(-1, 1, n_points).
"""

from __future__ import annotations

import numpy as np

from toygan_tui.core.problems.curve_data import lower_bound, upper_bound, x_grid

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


def shape_rmse(y: np.ndarray, amplitudes: np.ndarray | None = None) -> float:
    """RMS distance of the curves from the family a·b − 1: 0 for any real curve."""
    b = x_grid(y.shape[1]) ** 2 + 1
    a = a_hat(y) if amplitudes is None else amplitudes
    residual = (y + 1) - a[:, None] * b[None, :]
    return float(np.sqrt(np.mean(residual**2)))


def a_w1(y: np.ndarray, amplitudes: np.ndarray | None = None) -> float:
    """1-Wasserstein distance between the curves' amplitudes and U(1, 2)."""
    return w1_to_uniform(a_hat(y) if amplitudes is None else amplitudes, 1.0, 2.0)


def w1_to_uniform(values: np.ndarray, lo: float, hi: float) -> float:
    """1-Wasserstein distance between the values and U(lo, hi): the mean distance of the
    sorted values from the uniform's quantiles lo + (hi − lo)·(i + ½)/n (NaN for no values)."""
    a = np.sort(values)
    n = len(a)
    if n == 0:
        return float("nan")
    quantiles = lo + (hi - lo) * ((np.arange(n) + 0.5) / n)
    return float(np.mean(np.abs(a - quantiles)))


def coverage(y: np.ndarray, amplitudes: np.ndarray | None = None) -> float:
    """Fraction of the 10 equal bins of [1, 2] that hold at least 1/20 of the amplitudes."""
    a = a_hat(y) if amplitudes is None else amplitudes
    # Equal bins of [1, 2], the last one closed as np.histogram's is; values outside (and NaN)
    # fall in no bin. bincount is ~10× faster than np.histogram, which matters at every report.
    inside = a[(a >= 1.0) & (a <= 2.0)]
    bins = np.minimum(((inside - 1.0) * N_BINS).astype(np.int64), N_BINS - 1)
    counts = np.bincount(bins, minlength=N_BINS)
    return float(np.mean(counts >= len(y) / 20))


def quality(y: np.ndarray) -> dict[str, float]:
    """All four measures by name, as metrics.jsonl and `sample --format json` spell them."""
    y = np.asarray(y, dtype=np.float64)
    amplitudes = a_hat(y)  # shared by three measures: computed once per report
    return {
        "in_bounds": in_bounds(y),
        "a_w1": a_w1(y, amplitudes),
        "shape_rmse": shape_rmse(y, amplitudes),
        "coverage": coverage(y, amplitudes),
    }
