"""The folder problems' measures, on G's images for the fixed evaluation noise (no downloaded
network, no Inception):

- `swd` (swd.py): the sliced Wasserstein distance of G's images from as many real images (a
  fixed draw, EVAL_SEED); `swd_real`: the same distance between those real images and as many
  others (two disjoint halves; a folder of fewer than 2·n images uses half of it for each):
  the floor, what a G as good as the data gets; `swd_x` = swd / swd_real.
- `copies` (copies.py): the share of G's images nearer to a training image than real images
  are to each other.
- cond-images: G's images of each class are compared with real images of that class (each
  class's draw as many as G was asked for of it, fewer where the class is small), and a class
  with at least MIN_PER_CLASS of G's images and twice as many real ones also gets its own
  `swd_x:<class>` (in metrics.jsonl and `sample --format json`).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from toygan_tui.core.problems import copies, swd
from toygan_tui.core.problems.base import Measure
from toygan_tui.core.problems.folder_sets import Source, folder_set, pixels

EVAL_SEED = 12345  # which real images the measure compares with (never the training stream)
MIN_PER_CLASS = 16

# swd and its floor have no good level of their own (their scale is the folder's): swd_x has.
SWD = Measure(
    "swd", False, math.nan, "→ floor", "sliced Wasserstein distance of G's images from real ones"
)
SWD_REAL = Measure(
    "swd_real", False, math.nan, "floor", "the same distance between two halves of the folder"
)
SWD_X = Measure(
    "swd_x", False, 2.0, "1", "swd over its floor swd_real: 1 is as close as real to real",
    scale=20,
)  # fmt: skip
COPIES = Measure(
    "copies", False, 0.1, "~0.05",
    "share of G's images nearer a training image than real images are to each other",
)  # fmt: skip
MEASURES = (SWD, SWD_REAL, SWD_X, COPIES)


def measure(
    source: Source,
    channels: int,
    classes: tuple[str, ...],
    samples: np.ndarray,
    labels: np.ndarray | None,
) -> dict[str, float]:
    """Every measure of G's images (labels: the class each was asked for, cond-images)."""
    if labels is None:
        real, other = _references(source, channels, len(samples))
        values = _swd(real, other, samples[: len(real)])
    else:
        counts = tuple(int(c) for c in np.bincount(labels, minlength=len(classes)))
        real, other, sizes = _class_references(source, channels, counts)
        fakes = [samples[labels == c][:size] for c, size in enumerate(sizes)]
        values = _swd(real, other, np.concatenate(fakes))
        start = 0
        for c, size in enumerate(sizes):
            if counts[c] >= MIN_PER_CLASS and size == counts[c]:
                part = slice(start, start + size)
                floor = swd.sliced_wasserstein(real[part], other[part])
                distance = swd.sliced_wasserstein(real[part], fakes[c])
                values[f"swd_x:{classes[c]}"] = distance / floor if floor else math.nan
            start += size
    refs, floor_d2 = _copy_reference(source, channels)
    values["copies"] = copies.copies(samples, refs, floor_d2)
    return values


def _swd(real: np.ndarray, other: np.ndarray, fake: np.ndarray) -> dict[str, float]:
    distance = swd.sliced_wasserstein(real, fake)
    floor = swd.sliced_wasserstein(real, other)
    return {"swd": distance, "swd_real": floor, "swd_x": distance / floor if floor else math.nan}


def to_unit(images: np.ndarray) -> np.ndarray:
    return np.asarray(images).astype(np.float64) / 127.5 - 1


@functools.lru_cache(maxsize=8)
def _references(source: Source, channels: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint draws of n real images (fewer if the folder is small), fixed by EVAL_SEED."""
    images = pixels(source, channels)
    n = max(1, min(n, len(images) // 2))
    order = np.random.default_rng(EVAL_SEED).permutation(len(images))
    first, second = np.sort(order[:n]), np.sort(order[n : 2 * n])
    return to_unit(images[first]), to_unit(images[second] if len(second) else images[first])


@functools.lru_cache(maxsize=8)
def _class_references(
    source: Source, channels: int, counts: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
    """Per class, two disjoint draws of as many real images as G was asked for of it (fewer
    where the class is small), concatenated in class order, and each class's count."""
    images, labels = pixels(source, channels), folder_set(source).labels
    assert labels is not None, "a conditional folder has its labels"
    firsts, seconds, sizes = [], [], []
    for c, wanted in enumerate(counts):
        members = np.flatnonzero(labels == c)
        size = max(1, min(wanted, len(members) // 2)) if wanted and len(members) else 0
        order = np.random.default_rng(EVAL_SEED + c).permutation(len(members))
        first, second = members[np.sort(order[:size])], members[np.sort(order[size : 2 * size])]
        firsts.append(first)
        seconds.append(second if len(second) == size else first)
        sizes.append(size)
    pick_a, pick_b = np.concatenate(firsts), np.concatenate(seconds)
    return to_unit(images[pick_a]), to_unit(images[pick_b]), tuple(sizes)


@functools.lru_cache(maxsize=4)
def _copy_reference(source: Source, channels: int) -> tuple[np.ndarray, float]:
    """The folder's features for `copies`, and its real-to-real floor (once per process)."""
    refs = copies.reference(pixels(source, channels))
    return refs, copies.floor(refs)


def forget() -> None:
    """Drop the cached draws (tests: as a new process would start)."""
    for cached in (_references, _class_references, _copy_reference):
        cached.cache_clear()
