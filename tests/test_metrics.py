"""The quality measures on hand-made curves whose answers are known exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from toygan_tui.core.problems.curve_data import (
    curves_from_amplitudes,
    lower_bound,
    upper_bound,
    x_grid,
)
from toygan_tui.core.problems.curve_measures import (
    BOUNDS_TOL,
    a_hat,
    a_w1,
    coverage,
    in_bounds,
    quality,
    shape_rmse,
)

X = x_grid(15)
N = 1000
# The n-point quantile grid of U(1, 2): the ideal spread of amplitudes.
QUANTILE_GRID = 1 + (np.arange(N) + 0.5) / N


def real(a: np.ndarray | list[float]) -> np.ndarray:
    return curves_from_amplitudes(np.asarray(a, dtype=np.float64), X)


def test_real_curves_are_in_bounds_on_the_family_and_give_back_their_amplitude() -> None:
    a = np.linspace(1, 2, 101)
    y = real(a)
    assert in_bounds(y) == 1.0
    assert shape_rmse(y) < 1e-12
    np.testing.assert_allclose(a_hat(y), a, rtol=0, atol=1e-12)


def test_a_quantile_grid_of_amplitudes_matches_u12() -> None:
    q = quality(real(QUANTILE_GRID))
    assert q["a_w1"] < 1e-12
    assert q["coverage"] == 1.0
    assert q["in_bounds"] == 1.0


def test_mode_collapse_is_in_bounds_but_far_from_u12() -> None:
    # Every curve a = 1.5: a_w1 = mean |1.5 − (1 + (i + 0.5)/n)| = 1/4 exactly for even n,
    # and all amplitudes sit in one of the ten bins.
    q = quality(real(np.full(N, 1.5)))
    assert q["in_bounds"] == 1.0
    assert q["a_w1"] == pytest.approx(0.25, abs=1e-12)
    assert q["coverage"] == pytest.approx(0.1)
    assert q["shape_rmse"] < 1e-12


def test_a_w1_of_a_shifted_grid_is_the_shift() -> None:
    # Shifting every amplitude by d moves the whole distribution by d: W1 = |d|.
    assert a_w1(real(QUANTILE_GRID + 0.03)) == pytest.approx(0.03, abs=1e-12)
    assert a_w1(real(QUANTILE_GRID[::-1] - 0.1)) == pytest.approx(0.1, abs=1e-12)


def test_coverage_counts_bins_holding_a_twentieth() -> None:
    # Amplitudes spread over the lower half of [1, 2] only: 5 of 10 bins.
    half = 1 + (np.arange(N) + 0.5) / N / 2
    assert coverage(real(half)) == pytest.approx(0.5)
    # A bin counts from exactly n/20 amplitudes on: 50 of 1 000 in [1.9, 2) counts, 49 does not.
    a = np.concatenate([np.full(950, 1.05), np.full(50, 1.95)])
    assert coverage(real(a)) == pytest.approx(0.2)
    a = np.concatenate([np.full(951, 1.05), np.full(49, 1.95)])
    assert coverage(real(a)) == pytest.approx(0.1)


def test_one_point_above_the_upper_bound_puts_the_curve_out() -> None:
    y = real(np.full(4, 2.0))
    y[0, 7] += 0.1
    assert in_bounds(y) == 0.75
    y = real(np.full(4, 1.0))
    y[1, 0] -= 0.1
    y[2, 14] -= 0.1
    assert in_bounds(y) == 0.5


def test_bounds_tolerance_is_1e_minus_6() -> None:
    assert BOUNDS_TOL == 1e-6
    inside = np.stack([upper_bound(X) + 0.5e-6, lower_bound(X) - 0.5e-6])
    assert in_bounds(inside) == 1.0
    outside = np.stack([upper_bound(X) + 2e-6, lower_bound(X) - 2e-6])
    assert in_bounds(outside) == 0.0


def test_shape_rmse_of_a_tilted_curve() -> None:
    # y = a·b − 1 + c·x with b = x² + 1: x is odd and b even on the symmetric grid, so
    # Σ x·b = 0, a_hat = a exactly and the residual is c·x, whose RMS is |c|·sqrt(mean x²).
    # On linspace(-1, 1, 15), mean x² = (2 · Σ_{k=1..7} k² / 49) / 15 = 8/21.
    a, c = 1.3, 0.2
    y = (a * (X**2 + 1) - 1 + c * X)[None, :]
    assert a_hat(y)[0] == pytest.approx(a, abs=1e-12)
    assert shape_rmse(y) == pytest.approx(c * math.sqrt(8 / 21), abs=1e-12)


def test_shape_rmse_pools_all_points_of_all_curves() -> None:
    y = np.stack([real([1.5])[0], 1.5 * (X**2 + 1) - 1 + 0.2 * X])
    assert shape_rmse(y) == pytest.approx(0.2 * math.sqrt(8 / 21 / 2), abs=1e-12)


def test_quality_names_and_accepts_float32_lists() -> None:
    q = quality(real(QUANTILE_GRID).astype(np.float32).tolist())
    assert list(q) == ["in_bounds", "a_w1", "shape_rmse", "coverage"]
    assert all(isinstance(v, float) for v in q.values())
    assert q["in_bounds"] > 0.99 and q["a_w1"] < 1e-6
