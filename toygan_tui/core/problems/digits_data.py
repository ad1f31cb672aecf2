"""scikit-learn's digits (1 797 images of 8×8, 10 classes; shipped inside scikit-learn, no
download), upscaled to SIDE × SIDE with Pillow's bilinear filter and scaled to [-1, 1] (G's
tanh range). Decoded once per process. Imports scikit-learn and Pillow only when called.
"""

from __future__ import annotations

import functools

import numpy as np

SIDE = 16  # 8×8 doubled: DCGAN's smallest comfortable size (two up-sampling blocks)
REQUIRES = (("sklearn", "scikit-learn"), ("PIL", "Pillow"))  # the images extra
LEVELS = 16.0  # the digits' pixels are 0..16


@functools.lru_cache(maxsize=1)
def digits() -> tuple[np.ndarray, np.ndarray]:
    """(images (1797 × 1 × SIDE × SIDE) float64 in [-1, 1], labels (1797,) int64)."""
    from PIL import Image
    from sklearn.datasets import load_digits

    data = load_digits()
    resized = [
        np.asarray(
            Image.fromarray(img.astype(np.float32)).resize((SIDE, SIDE), Image.Resampling.BILINEAR)
        )
        for img in data.images
    ]
    images = np.clip(np.stack(resized).astype(np.float64) / LEVELS, 0.0, 1.0) * 2 - 1
    images.setflags(write=False)
    labels = np.asarray(data.target, dtype=np.int64)
    labels.setflags(write=False)
    return images[:, None], labels
