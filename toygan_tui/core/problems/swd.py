"""The folder problem's measure: a sliced Wasserstein distance between generated and real images,
on downsampled whole images (ProGAN's SWD idea, without its Laplacian pyramid of patches).

Exactly what is computed, for n images of each side (C × H × W, values in [-1, 1]):
1. each image is averaged down to SWD_SIDE × SWD_SIDE pixels (area average over blocks of
   H / SWD_SIDE pixels; an image already that small is kept), then flattened: a vector of
   d = C · SWD_SIDE² values (768 for RGB);
2. PROJECTIONS unit directions in R^d, drawn once from N(0, I) with numpy's default_rng(SEED)
   and normalised: the same directions at every report of every run;
3. along each direction, the 1-Wasserstein distance of the two sets' projections: the mean of
   |sorted(real·v)_i − sorted(fake·v)_i| (equal n, so sorted values pair up);
4. `swd` is the mean over the directions.
Two disjoint halves of the real images, scored the same way, give the floor (`swd_real`): how
far apart two real samples of this size already are. A G as good as the data reaches it.
"""

from __future__ import annotations

import numpy as np

SWD_SIDE = 16  # images are averaged down to 16 × 16 before projecting
PROJECTIONS = 128  # random directions
SEED = 0  # of the directions


def flatten_downsampled(images: np.ndarray, side: int = SWD_SIDE) -> np.ndarray:
    """(n, C, H, W) → (n, C · s · s), s = min(side, H), by area averages over s × s blocks."""
    n, c, h, w = images.shape
    s = min(side, h)
    if h != w or h % s:
        raise ValueError(f"square images of a side divisible by {s} expected, got {h}×{w}")
    f = h // s
    blocks = images.reshape(n, c, s, f, s, f).astype(np.float64)
    return blocks.mean(axis=(3, 5)).reshape(n, -1)


def directions(dim: int, count: int = PROJECTIONS, seed: int = SEED) -> np.ndarray:
    """count unit vectors in R^dim (count × dim), the same for the same arguments."""
    v = np.random.default_rng(seed).standard_normal((count, dim))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def sliced_wasserstein(real: np.ndarray, fake: np.ndarray) -> float:
    """The SWD of two equally many images (n × C × H × W), as the module says."""
    if len(real) != len(fake) or len(real) == 0:
        raise ValueError(f"equally many images expected, got {len(real)} and {len(fake)}")
    a, b = flatten_downsampled(real), flatten_downsampled(fake)
    v = directions(a.shape[1])
    pa, pb = np.sort(a @ v.T, axis=0), np.sort(b @ v.T, axis=0)
    return float(np.abs(pa - pb).mean())
