"""The folder measure: real vs real is the floor, noise and a collapsed G are clearly worse."""

from __future__ import annotations

import numpy as np
import pytest

from toygan_tui.core.problems.swd import directions, flatten_downsampled, sliced_wasserstein


def fake_faces(n: int, seed: int) -> np.ndarray:
    """n structured 3 × 64 × 64 'faces' in [-1, 1]: a bright disc of random size, position
    and colour on a dark background, plus a little pixel noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:64, 0:64]
    out = np.empty((n, 3, 64, 64))
    for i in range(n):
        cy, cx, r = rng.uniform(24, 40), rng.uniform(24, 40), rng.uniform(10, 22)
        disc = ((yy - cy) ** 2 + (xx - cx) ** 2 < r * r).astype(float)
        colour = rng.uniform(0.2, 1.0, size=3)[:, None, None]
        out[i] = -0.8 + 1.6 * disc * colour + rng.normal(0, 0.05, (3, 64, 64))
    return np.clip(out, -1, 1)


def test_real_vs_real_is_the_floor_and_noise_or_collapse_is_clearly_worse() -> None:
    real = fake_faces(512, seed=1)
    floor = sliced_wasserstein(real[:256], real[256:])
    noise = np.random.default_rng(2).uniform(-1, 1, real[:256].shape)
    collapsed = np.repeat(real[:1], 256, axis=0)  # one image, 256 times: mode collapse
    assert sliced_wasserstein(real[:256], noise) > 5 * floor
    assert sliced_wasserstein(real[:256], collapsed) > 3 * floor
    assert sliced_wasserstein(real[:256], real[:256]) == 0.0


def test_downsampling_averages_blocks_and_directions_are_fixed_unit_vectors() -> None:
    images = np.arange(2 * 3 * 64 * 64, dtype=float).reshape(2, 3, 64, 64)
    flat = flatten_downsampled(images)
    assert flat.shape == (2, 3 * 16 * 16)
    assert flat[0, 0] == images[0, 0, :4, :4].mean()
    assert flatten_downsampled(images[:, :, :8, :8]).shape == (2, 3 * 8 * 8)  # small: kept
    v = directions(768)
    assert v.shape == (128, 768) and np.allclose(np.linalg.norm(v, axis=1), 1)
    assert np.array_equal(v, directions(768))


def test_unequal_sets_are_refused() -> None:
    with pytest.raises(ValueError, match="equally many"):
        sliced_wasserstein(np.zeros((4, 3, 16, 16)), np.zeros((5, 3, 16, 16)))
