"""Images as the run's files keep them: 8 bits per pixel (0 black … 255 white), from G's
[-1, 1]. A frame of 64 digits of 16×16 is 16 KiB so, not 64 as float32; the terminal shows
far fewer shades than 256 anyway. Torch-free: watch and replay decode them."""

from __future__ import annotations

import base64

import numpy as np


def to_bytes(images: np.ndarray) -> np.ndarray:
    """G's images (any shape, values in [-1, 1]) as uint8; NaN reads as black."""
    unit = (np.nan_to_num(np.asarray(images, np.float64), nan=-1.0) + 1) / 2
    return np.rint(np.clip(unit, 0, 1) * 255).astype(np.uint8)


def from_bytes(pixels: np.ndarray) -> np.ndarray:
    """uint8 pixels back as float64 in [-1, 1] (to within 1/255)."""
    return np.asarray(pixels, np.float64) / 255 * 2 - 1


def to_json(images: np.ndarray) -> dict[str, object]:
    """{"shape": [n, C, H, W], "base64": "..."} for status.json."""
    data = to_bytes(images)
    return {"shape": list(data.shape), "base64": base64.b64encode(data.tobytes()).decode()}


def from_json(value: dict[str, object]) -> np.ndarray:
    """The images to_json wrote; ValueError (or KeyError, TypeError) if malformed."""
    shape = [int(n) for n in value["shape"]]  # type: ignore[attr-defined]
    raw = base64.b64decode(str(value["base64"]), validate=True)
    return from_bytes(np.frombuffer(raw, np.uint8).reshape(shape))
