"""The 2-D measures (hq, modes, rkl, js) on hand-made point sets with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from toygan_tui.core.problems import points
from toygan_tui.core.problems.grid import GRID
from toygan_tui.core.problems.ring import RING
from toygan_tui.core.problems.two import TWO

N = 2_400  # 300 per ring mode


def around(centres: np.ndarray, n: int, spread: float = 0.005, seed: int = 0) -> np.ndarray:
    """n points shared evenly by the centres (in turn), each a little off its centre."""
    rng = np.random.RandomState(seed)
    return centres[np.arange(n) % len(centres)] + spread * rng.standard_normal((n, 2))


def test_the_ring_has_8_distinct_modes_at_radius_2_and_angles_2pi_k_over_8() -> None:
    c = RING.centres
    assert c.shape == (8, 2)
    assert np.allclose(np.hypot(c[:, 0], c[:, 1]), 2.0)
    angles = np.sort(np.mod(np.arctan2(c[:, 1], c[:, 0]), 2 * np.pi))
    assert np.allclose(angles, 2 * np.pi * np.arange(8) / 8)
    assert np.allclose(RING.stds, 0.02)


def test_the_linspace_slip_makes_only_7_distinct_modes() -> None:
    slipped = np.linspace(0, 2 * np.pi, 8)  # the common bug: 2π repeats 0
    centres = 2.0 * np.stack([np.cos(slipped), np.sin(slipped)], axis=1)
    assert len(np.unique(np.round(centres, 9), axis=0)) == 7


def test_the_grid_has_25_modes_on_the_5_by_5_lattice_and_two_has_its_pair() -> None:
    assert sorted(map(tuple, GRID.centres.tolist())) == [
        (float(x), float(y)) for x in (-4, -2, 0, 2, 4) for y in (-4, -2, 0, 2, 4)
    ]
    assert np.allclose(GRID.stds, 0.05)
    assert TWO.centres.tolist() == [[1.2, 2.8], [2.8, 1.6]]
    assert TWO.stds.tolist() == [[0.4, 0.4], [0.2, 0.8]]


def test_all_8_modes_evenly_score_perfectly() -> None:
    values = RING.measure(around(RING.centres, N))
    assert values["modes"] == 8 and values["hq"] == 1.0
    assert values["rkl"] == pytest.approx(0.0, abs=1e-12)
    # js compares histograms, so it wants the real spread too (a mode near a cell edge
    # splits between two cells): G drawing the true σ, from other draws than the real set.
    assert RING.measure(around(RING.centres, N, spread=0.02, seed=9))["js"] < 0.02


def test_one_mode_only_has_full_quality_but_one_mode_and_rkl_ln_8() -> None:
    values = RING.measure(around(RING.centres[[3]], N))
    assert values["modes"] == 1 and values["hq"] == 1.0
    assert values["rkl"] == pytest.approx(math.log(8), rel=1e-12)
    assert values["js"] > 0.6  # 7/8 of the real mass has no generated point near it


def test_seven_of_the_eight_modes_give_7_and_rkl_ln_8_over_7() -> None:
    """What a G that learnt from the linspace slip's 7 modes at best reaches."""
    values = RING.measure(around(RING.centres[:7], 7 * 300))
    assert values["modes"] == 7 and values["hq"] == 1.0
    assert values["rkl"] == pytest.approx(math.log(8 / 7), rel=1e-12)


def test_samples_from_the_slipped_ring_are_mostly_off_the_true_modes() -> None:
    slipped = np.linspace(0, 2 * np.pi, 8)
    centres = 2.0 * np.stack([np.cos(slipped), np.sin(slipped)], axis=1)
    values = RING.measure(around(centres, N))
    # Only angle 0 (drawn twice, as 0 and 2π) is a true mode; the other six miss theirs by
    # 2·2·sin(π/56) ≈ 0.22, far beyond 3σ = 0.06.
    assert values["hq"] == pytest.approx(0.25) and values["modes"] == 1
    assert values["rkl"] == pytest.approx(math.log(8), rel=1e-12)


def test_hq_is_within_3_sigma_of_the_nearest_centre() -> None:
    centre, sigma = RING.centres[0], 0.02
    inside = centre + [2.9 * sigma, 0.0]
    outside = centre + [0.0, 3.1 * sigma]
    assert points.hq(np.array([inside, outside]), RING.centres, RING.stds) == 0.5


def test_hq_scales_each_axis_by_its_sigma_for_the_tall_mode() -> None:
    tall = TWO.centres[1]  # σ = (0.2, 0.8)
    up = tall + [0.0, 2.0]  # 2.5 σ_y: high-quality (though nearer the round one in plain distance)
    right = tall + [0.7, 0.0]  # 3.5 σ_x, though only 0.7 away: not
    assert points.high_quality(np.array([up, right]), TWO.centres, TWO.stds).tolist() == [
        True,
        False,
    ]


def test_a_mode_counts_from_a_quarter_of_a_fair_share() -> None:
    # n = 800 points, K = 8: a quarter of a fair share is n/(4K) = 25 points.
    for second, expected in ((25, 2), (24, 1)):
        first = np.repeat(RING.centres[[0]], 800 - second, axis=0)
        pts = np.concatenate([first, np.repeat(RING.centres[[1]], second, axis=0)])
        assert points.modes(pts, RING.centres, RING.stds) == expected


def test_points_off_every_mode_have_no_rkl_and_diverged_points_count_as_far() -> None:
    values = RING.measure(np.zeros((N, 2)))  # the centre of the ring: no mode near
    assert values["hq"] == 0.0 and values["modes"] == 0 and math.isnan(values["rkl"])
    diverged = RING.measure(np.full((N, 2), np.nan))
    assert diverged["hq"] == 0.0 and diverged["modes"] == 0
    assert diverged["js"] > 0.9  # all mass in one corner cell, none where the real mass is


def test_js_is_zero_for_equal_histograms_and_one_for_disjoint_ones_up_to_eps() -> None:
    box = ((0.0, 3.0), (0.0, 3.0))
    a = np.full((100, 2), 0.5)
    assert points.js(a, a, box) == pytest.approx(0.0, abs=1e-12)
    # Disjoint: 1 without ε; the ε of 1e-4 in each of the 900 cells (9 % of the mass in all)
    # shares some mass between the two and takes it down to about 0.92.
    assert 0.9 < points.js(a, np.full((100, 2), 2.5), box) < 0.95


def test_js_counts_points_outside_the_box_in_the_border_cells() -> None:
    box = ((0.0, 3.0), (0.0, 3.0))
    far = points.histogram(np.array([[100.0, -100.0]]), box)
    assert far[-1, 0] == 1.0 and far.sum() == 1.0
