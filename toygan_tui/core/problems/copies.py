"""The folder problems' `copies` measure: how many of G's images sit nearer to a training image
than real images sit to each other. A small folder is where a GAN learns its images by heart;
this says so while the run goes on.

Exactly what is computed, for G's images and the folder's (C × H × W, values in [-1, 1]):
1. every image is averaged down to SIDE × SIDE pixels and flattened (192 values for RGB);
2. the reference is the folder, or a fixed draw of REFERENCE of its images when bigger;
3. the floor: FLOOR_DRAW real images of the reference (a fixed draw) each find their nearest
   other image in it (Euclidean; an exact duplicate does not count as another image), and the
   floor is the FLOOR_QUANTILE quantile of those distances: only 1 real image in 20 is that
   close to another;
4. `copies` is the share of G's images whose nearest reference image is nearer than the
   floor. A G whose images are as new as real ones reads about FLOOR_QUANTILE (0.05); one that
   reproduces its training images reads towards 1. A blurry or collapsed G reads 0: it is far
   from every image, which swd_x tells.
"""

from __future__ import annotations

import numpy as np

from toygan_tui.core.problems.swd import flatten_downsampled

SIDE = 8
REFERENCE = 10_000  # training images compared with, at most (a fixed draw of a bigger folder)
FLOOR_DRAW = 256
FLOOR_QUANTILE = 0.05
SEED = 54321  # of the draws (never the training stream)
SAME = 1e-9  # squared distance under which two images are one (float rounding of 0)
CHUNK = 256  # rows of a distance block: 256 × 10 000 float64, 20 MB


def features(images: np.ndarray) -> np.ndarray:
    """(n, C, H, W) → (n, C · SIDE²): block averages, as float64."""
    return flatten_downsampled(np.asarray(images, dtype=np.float64), SIDE)


def reference(images: np.ndarray) -> np.ndarray:
    """The features of the images the copies are looked for in (uint8 or [-1, 1] images)."""
    pick = np.arange(len(images))
    if len(images) > REFERENCE:
        pick = np.sort(np.random.default_rng(SEED).choice(len(images), REFERENCE, replace=False))
    chosen = np.asarray(images[pick])
    if chosen.dtype == np.uint8:
        chosen = chosen.astype(np.float64) / 127.5 - 1
    return features(chosen)


def nearest(queries: np.ndarray, refs: np.ndarray, exclude_same: bool = False) -> np.ndarray:
    """Each query's squared distance to its nearest reference (to its nearest different one
    with exclude_same: an image's own copy does not count); inf when there is none."""
    ref_norms = (refs**2).sum(axis=1)
    out = np.empty(len(queries))
    for start in range(0, len(queries), CHUNK):
        block = queries[start : start + CHUNK]
        d2 = (block**2).sum(axis=1)[:, None] + ref_norms[None, :] - 2 * block @ refs.T
        d2 = np.maximum(d2, 0.0)
        if exclude_same:
            d2 = np.where(d2 <= SAME, np.inf, d2)
        out[start : start + len(block)] = d2.min(axis=1, initial=np.inf)
    return out


def floor(refs: np.ndarray) -> float:
    """The squared distance only FLOOR_QUANTILE of real images come within of another."""
    draw = np.arange(len(refs))
    if len(refs) > FLOOR_DRAW:
        draw = np.random.default_rng(SEED + 1).choice(len(refs), FLOOR_DRAW, replace=False)
    gaps = nearest(refs[draw], refs, exclude_same=True)
    gaps = gaps[np.isfinite(gaps)]
    return float(np.quantile(gaps, FLOOR_QUANTILE)) if len(gaps) else float("nan")


def copies(samples: np.ndarray, refs: np.ndarray, floor_d2: float) -> float:
    """The share of `samples` (images in [-1, 1]) nearer to a reference than the floor."""
    if not np.isfinite(floor_d2) or not len(samples):
        return float("nan")
    return float((nearest(features(samples), refs) < floor_d2).mean())
