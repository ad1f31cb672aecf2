"""The 2-D measures (PacGAN's and GAN Lab's; the docs' Problems page), for a mixture of Gaussians.

Pure numpy. `centres` is (K × 2); `stds` is (K × 2), one σ per axis (equal for a round mode).
"""

from __future__ import annotations

import numpy as np

HQ_SIGMAS = 3.0  # a sample is high-quality within 3σ of its nearest centre
JS_BINS = 30  # GAN Lab's 30 × 30 histograms over the problem's box
JS_EPS = 1e-4  # added to every cell's probability, so empty cells keep the divergence finite

Box = tuple[tuple[float, float], tuple[float, float]]  # ((x0, x1), (y0, y1))


def nearest_centre(points: np.ndarray, centres: np.ndarray, stds: np.ndarray) -> np.ndarray:
    """Index of each point's nearest centre, distances in σ units of each centre's axes (for
    round modes of one σ, the Euclidean nearest; for `two`, a point in the tall mode's tail
    belongs to the tall mode, though the round one may be closer in plain distance)."""
    return np.argmin(_scaled_sq(points, centres, stds), axis=1)


def high_quality(points: np.ndarray, centres: np.ndarray, stds: np.ndarray) -> np.ndarray:
    """Per point: within HQ_SIGMAS σ of its nearest centre, each axis scaled by its σ."""
    return np.sqrt(_scaled_sq(points, centres, stds).min(axis=1)) <= HQ_SIGMAS


def _scaled_sq(points: np.ndarray, centres: np.ndarray, stds: np.ndarray) -> np.ndarray:
    """(n × K) squared distances of the points from the centres, in σ units."""
    return (((points[:, None, :] - centres[None, :, :]) / stds[None, :, :]) ** 2).sum(axis=2)


def mode_counts(points: np.ndarray, centres: np.ndarray, stds: np.ndarray) -> np.ndarray:
    """How many high-quality points have each centre as their nearest."""
    good = high_quality(points, centres, stds)
    return np.bincount(nearest_centre(points[good], centres, stds), minlength=len(centres))


def hq(points: np.ndarray, centres: np.ndarray, stds: np.ndarray) -> float:
    """Fraction of the points that are high-quality."""
    return float(high_quality(points, centres, stds).mean())


def modes(points: np.ndarray, centres: np.ndarray, stds: np.ndarray) -> int:
    """Centres holding at least a quarter of a fair share, n/(4K), of the high-quality points."""
    counts = mode_counts(points, centres, stds)
    return int((counts >= len(points) / (4 * len(centres))).sum())


def rkl(points: np.ndarray, centres: np.ndarray, stds: np.ndarray) -> float:
    """KL(p ‖ uniform over the K centres), p the high-quality points' centre histogram:
    0 when they spread evenly, ln K when all sit in one mode, NaN when none is high-quality."""
    counts = mode_counts(points, centres, stds)
    if counts.sum() == 0:
        return float("nan")
    p = counts[counts > 0] / counts.sum()
    return float(np.sum(p * np.log(p * len(centres))))


def histogram(points: np.ndarray, box: Box) -> np.ndarray:
    """The points' 30 × 30 histogram over the box as probabilities; a point outside the box
    counts in the border cell nearest to it, so mass far off still shows."""
    (x0, x1), (y0, y1) = box
    clipped = np.clip(points, [x0, y0], [x1, y1])
    counts, _, _ = np.histogram2d(
        clipped[:, 0], clipped[:, 1], bins=JS_BINS, range=[[x0, x1], [y0, y1]]
    )
    return counts / max(len(points), 1)


def js(points: np.ndarray, real: np.ndarray, box: Box) -> float:
    """Jensen–Shannon divergence (base 2, so in [0, 1]) between the histograms of the real
    and the generated points, each cell's probability raised by ε and renormalised."""
    p, q = (histogram(a, box).ravel() + JS_EPS for a in (real, points))
    p, q = p / p.sum(), q / q.sum()
    m = 0.5 * (p + q)
    return float(0.5 * np.sum(p * np.log2(p / m)) + 0.5 * np.sum(q * np.log2(q / m)))
