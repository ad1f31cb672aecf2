"""One picture of a folder as a training image (folder_data.py reads the folder with it).

Turned upright by its EXIF orientation, transparency composited on the background
(`--background white|black`), 16-bit and float greys scaled to 8 bits, converted to RGB; then
fitted to the square: `--fit crop` resizes the shorter side to the image size and takes the
centre, as torchvision's ImageFolder pipeline does for the DCGAN tutorial; `--fit pad` resizes
the longer side and fills the rest with the background. Bilinear and antialiased (Pillow's
resize). An image smaller than the square is upscaled (and counted); one that would need more
than MAX_UPSCALE× is skipped as too small (a blur, not a picture). A file that will not decode
(damaged, truncated, not really an image) is skipped as unreadable.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from toygan_tui.core.problems.folder_files import TOO_SMALL, UNREADABLE

BACKGROUNDS = {"white": (255, 255, 255), "black": (0, 0, 0)}
FITS = ("crop", "pad")
MAX_UPSCALE = 4  # an image needing more than this is too small to train on


@dataclass(frozen=True)
class Decoding:
    """How each picture becomes a training image."""

    side: int
    fit: str = "crop"
    background: str = "white"


def decode(path: Path, decoding: Decoding) -> tuple[np.ndarray | None, str, bool]:
    """One picture as 3 × S × S uint8 RGB, the reason it was skipped (else ''), and whether
    it was upscaled."""
    from PIL import Image, ImageOps

    background = BACKGROUNDS[decoding.background]
    try:
        with warnings.catch_warnings(), Image.open(path) as opened:
            # Pillow's warnings (a huge image, odd EXIF) are about files it decodes anyway.
            warnings.simplefilter("ignore")
            upright = ImageOps.exif_transpose(opened)  # loads the pixels: a truncated file fails
            rgb = flattened(upright if upright is not None else opened, background)
    except Exception:  # any way a user's file fails to decode (Pillow raises many kinds)
        return None, UNREADABLE, False
    width, height = rgb.size
    fitted = min(width, height) if decoding.fit == "crop" else max(width, height)
    if fitted * MAX_UPSCALE < decoding.side:
        return None, TOO_SMALL, False
    square = _cropped(rgb, decoding.side) if decoding.fit == "crop" else _padded(
        rgb, decoding.side, background
    )  # fmt: skip
    pixels = np.asarray(square, dtype=np.uint8).transpose(2, 0, 1).copy()
    return pixels, "", fitted < decoding.side


def flattened(image: Any, background: tuple[int, int, int]) -> Any:
    """An RGB image: transparency composited on `background`, 16-bit and float greys to 8 bits."""
    from PIL import Image

    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        values = np.asarray(image, dtype=np.float64)
        scale = 257.0 if values.max(initial=0) > 255 else 1.0  # 16 bits: 65535 is white
        image = Image.fromarray(np.clip(np.rint(values / scale), 0, 255).astype(np.uint8), "L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        canvas = Image.new("RGBA", rgba.size, (*background, 255))
        return Image.alpha_composite(canvas, rgba).convert("RGB")
    return image.convert("RGB")


def _cropped(rgb: Any, side: int) -> Any:
    from PIL import Image

    width, height = rgb.size
    scale = side / min(width, height)
    new = (max(side, round(width * scale)), max(side, round(height * scale)))
    resized = rgb.resize(new, Image.Resampling.BILINEAR)
    left, top = int(round((new[0] - side) / 2)), int(round((new[1] - side) / 2))
    return resized.crop((left, top, left + side, top + side))


def _padded(rgb: Any, side: int, background: tuple[int, int, int]) -> Any:
    from PIL import Image

    width, height = rgb.size
    scale = side / max(width, height)
    new = (max(1, min(side, round(width * scale))), max(1, min(side, round(height * scale))))
    canvas = Image.new("RGB", (side, side), background)
    canvas.paste(rgb.resize(new, Image.Resampling.BILINEAR),
                 ((side - new[0]) // 2, (side - new[1]) // 2))  # fmt: skip
    return canvas
