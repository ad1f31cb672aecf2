"""The real curves: inside the bounds, a ~ U(1, 2), and the tutorial's numpy stream on the CPU."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.problems.curve_data import (
    curves_from_amplitudes,
    lower_bound,
    upper_bound,
    x_grid,
)
from toygan_tui.core.problems.curve_measures import a_hat
from toygan_tui.core.training.state import new_state

N_BATCHES = 50


def real_batches(seed: int = 1, n_batches: int = N_BATCHES, device: str = "cpu") -> np.ndarray:
    """n_batches real batches of a fresh run, stacked: (n_batches·64 × 15), float32."""
    state = new_state(TrainConfig(seed=seed, device=device), torch.device(device))
    return np.concatenate([state.real_batch().cpu().numpy() for _ in range(n_batches)])


def cpu_batches(seed: int = 1, n_batches: int = N_BATCHES) -> np.ndarray:
    return real_batches(seed, n_batches, "cpu")


def tutorial_artist_works(seed: int, n_batches: int) -> np.ndarray:
    """MorvanZhou's 406 artist_works(), called n_batches times after np.random.seed(seed)."""
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        paint_points = np.vstack([np.linspace(-1, 1, 15) for _ in range(64)])
        batches = []
        for _ in range(n_batches):
            a = np.random.uniform(1, 2, size=64)[:, np.newaxis]
            paintings = a * np.power(paint_points, 2) + (a - 1)
            batches.append(torch.from_numpy(paintings).float().numpy())
        return np.concatenate(batches)
    finally:
        np.random.set_state(state)


def test_grid_is_the_tutorials_linspace() -> None:
    np.testing.assert_array_equal(x_grid(15), np.linspace(-1, 1, 15))


def test_bounds_are_the_curves_of_a_1_and_a_2() -> None:
    x = x_grid(15)
    np.testing.assert_allclose(curves_from_amplitudes(np.array([1.0]), x)[0], lower_bound(x))
    np.testing.assert_allclose(curves_from_amplitudes(np.array([2.0]), x)[0], upper_bound(x))


def assert_real_curves(y: np.ndarray) -> None:
    """Every curve between the bounds, amplitudes spread like U(1, 2)."""
    x = x_grid(15)
    # float32 rounding of a curve may step ~1e-7 past a bound; nothing more.
    assert (y >= lower_bound(x) - 1e-6).all()
    assert (y <= upper_bound(x) + 1e-6).all()
    a = a_hat(y)
    assert a.min() >= 1 - 1e-6 and a.max() <= 2 + 1e-6
    # 3 200 draws of U(1, 2): mean 1.5 ± 0.005 (1 s.d.), each tenth of [1, 2] holds ~320.
    assert abs(a.mean() - 1.5) < 0.03
    counts, _ = np.histogram(a, bins=10, range=(1, 2))
    assert counts.min() > 200


def test_real_curves_lie_between_the_bounds_with_uniform_amplitudes() -> None:
    assert_real_curves(cpu_batches().astype(np.float64))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_gpu_real_curves_lie_between_the_bounds_with_uniform_amplitudes() -> None:
    # Off the CPU the curves are drawn on the device from a torch stream, not numpy's.
    assert_real_curves(real_batches(device="cuda").astype(np.float64))


def test_cpu_real_batches_are_the_tutorials_numpy_stream() -> None:
    np.testing.assert_array_equal(cpu_batches(seed=1), tutorial_artist_works(1, N_BATCHES))
    np.testing.assert_array_equal(cpu_batches(seed=7, n_batches=3), tutorial_artist_works(7, 3))


def test_real_batches_leave_numpys_global_stream_alone() -> None:
    np.random.seed(5)
    untouched = np.random.rand(3)
    np.random.seed(5)
    cpu_batches(n_batches=2)
    np.testing.assert_array_equal(np.random.rand(3), untouched)


def test_different_seeds_give_different_real_batches() -> None:
    assert not np.array_equal(cpu_batches(seed=1, n_batches=1), cpu_batches(seed=2, n_batches=1))


@pytest.mark.parametrize("batch_size", [1, 8, 33])
def test_real_batch_shape_follows_the_config(batch_size: int) -> None:
    cfg = TrainConfig(device="cpu", batch_size=batch_size)
    batch = new_state(cfg, torch.device("cpu")).real_batch()
    assert batch.shape == (batch_size, 15)
    assert batch.dtype == torch.float32
