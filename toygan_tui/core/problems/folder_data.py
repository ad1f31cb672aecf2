"""A folder of pictures as training data: found, decoded, resized once, then cached.

- Found (folder_files.py): every still image Pillow opens, in any letter case, recursively,
  links followed once; every other file counted as skipped, by reason.
- Decoded (`decode`): turned upright by its EXIF orientation, transparency composited on the
  background (`--background white|black`), 16-bit greys scaled to 8 bits, converted to RGB;
  then fitted to the square (`--fit crop`: the shorter side resized to the image size, the
  centre cropped, as torchvision's ImageFolder does for the DCGAN tutorial; `--fit pad`: the
  longer side resized, the rest filled with the background), bilinear and antialiased. An
  image smaller than the square is upscaled (and counted); one under a quarter of it (more
  than 4× upscaling: a blur, not a picture) is skipped as too small. A file that will not
  decode (damaged, truncated, not really an image) is skipped as unreadable.
- Cached: the decoded images (N × 3 × S × S, uint8 RGB) are kept in the user's cache
  directory, `<cache>/folders/<hash of the folder's path and the decoding>.npy`, with a JSON
  beside it holding the folder's fingerprint (the decoding, and every image file's relative
  path, byte size and modification time), what was skipped and why, and the kept files' paths.
  A later run whose folder has the same fingerprint reads the cache (memory-mapped) instead of
  decoding again; any added, removed, replaced or touched image, or another decoding, decodes
  again and replaces it. Deleting the cache only costs time. Greyscale is decided after
  decoding (the problem takes one channel of a folder whose every image is grey), so the
  cache holds RGB.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from toygan_tui.core.errors import InputError
from toygan_tui.core.problems.folder_files import (
    TOO_SMALL,
    UNREADABLE,
    Skipped,
    list_folder,
)

CACHE_FORMAT = 2  # bump when the decoding changes: old caches are then decoded again
BACKGROUNDS = {"white": (255, 255, 255), "black": (0, 0, 0)}
FITS = ("crop", "pad")
MAX_UPSCALE = 4  # an image needing more than this is too small to train on
SEARCHED = ".jpg, .jpeg, .png, .webp, .bmp, .gif, .tif and the other still formats Pillow opens"


class FolderError(InputError):
    """--data names no usable folder of images; the message is one line for the user."""


@dataclass(frozen=True)
class Decoding:
    """How each picture becomes a training image."""

    side: int
    fit: str = "crop"
    background: str = "white"


@dataclass(frozen=True)
class FolderImages:
    images: np.ndarray  # N × 3 × S × S, uint8 RGB (memory-mapped when read from the cache)
    paths: tuple[str, ...]  # each image's file, relative to the folder (posix)
    skipped: Skipped  # files passed over, by reason
    upscaled: int  # images smaller than the square, upscaled
    grey: bool  # every image is grey (its three channels equal)
    from_cache: bool  # read from the cache rather than decoded now


def check_folder(folder: Path) -> None:
    """FolderError with one line if `folder` is missing or is not a folder."""
    if not folder.exists():
        raise FolderError(f"--data {folder}: no such folder")
    if not folder.is_dir():
        raise FolderError(f"--data {folder}: not a folder (give the folder holding the images)")


def load_folder(
    folder: Path,
    decoding: Decoding,
    cache_root: Path,
    on_decode: Callable[[int], None] | None = None,
) -> FolderImages:
    """The folder's images, from the cache when the folder has not changed; on_decode(n)
    hears, before it starts, that n files are to be decoded. FolderError (one line) when no
    image is left."""
    folder = Path(folder)
    check_folder(folder)
    listing = list_folder(folder)
    key = fingerprint(folder, listing.images, decoding)
    array_path, meta_path = cache_paths(cache_root, folder, decoding)
    found = _read_cache(array_path, meta_path, key)
    if found is None:
        if on_decode is not None and listing.images:
            on_decode(len(listing.images))
        found = decode_all(folder, listing.images, decoding)
        if len(found.images):
            with contextlib.suppress(OSError):  # a read-only cache only costs time next time
                _write_cache(array_path, meta_path, key, found)
    skipped = listing.skipped.merged(found.skipped)
    if not len(found.images):
        raise FolderError(
            f"--data {folder}: no image to train on in it or its subfolders (searched for "
            f"{SEARCHED}); {_nothing(skipped)}"
        )
    return FolderImages(found.images, found.paths, skipped, found.upscaled, found.grey,
                        found.from_cache)  # fmt: skip


def _nothing(skipped: Skipped) -> str:
    if not skipped.total:
        return "it holds no files"
    return f"skipped {files(skipped.total)}: {skipped.describe()}"


def files(count: int) -> str:
    return f"{count} file{'' if count == 1 else 's'}"


def fingerprint(folder: Path, files: list[Path], decoding: Decoding) -> str:
    """What the cache must match: the decoding, and each image file's path, bytes, mtime."""
    entries = []
    for path in files:
        try:
            stat = path.stat()
            entries.append([path.relative_to(folder).as_posix(), stat.st_size, stat.st_mtime_ns])
        except OSError:  # a broken link: decoded (and skipped) every time, at no cost
            entries.append([path.relative_to(folder).as_posix(), -1, -1])
    how = [decoding.side, decoding.fit, decoding.background]
    text = json.dumps([CACHE_FORMAT, how, entries], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def cache_paths(cache_root: Path, folder: Path, decoding: Decoding) -> tuple[Path, Path]:
    """One cache entry per folder and decoding: a changed folder replaces its own entry."""
    how = f"{folder.resolve()}\0{decoding.side}\0{decoding.fit}\0{decoding.background}"
    name = hashlib.sha256(how.encode()).hexdigest()[:24]
    base = Path(cache_root) / "folders" / name
    return base.with_suffix(".npy"), base.with_suffix(".json")


def decode_all(folder: Path, files: list[Path], decoding: Decoding) -> FolderImages:
    """Every file that decodes, as N × 3 × S × S uint8; the rest skipped, by reason."""
    kept, paths, skipped, upscaled, grey = [], [], Skipped(), 0, True
    for path in files:
        name = path.relative_to(folder).as_posix()
        image, reason, bigger = decode(path, decoding)
        if image is None:
            skipped.add(reason, name)
            continue
        kept.append(image)
        paths.append(name)
        upscaled += bigger
        grey = grey and bool((image[0] == image[1]).all() and (image[1] == image[2]).all())
    side = decoding.side
    images = np.stack(kept) if kept else np.zeros((0, 3, side, side), np.uint8)
    return FolderImages(images, tuple(paths), skipped, upscaled, grey and bool(kept), False)


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


def _read_cache(array_path: Path, meta_path: Path, key: str) -> FolderImages | None:
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or meta.get("key") != key:
            return None
        images = np.load(array_path, mmap_mode="r")
        paths = tuple(str(p) for p in meta["paths"])
    except (OSError, ValueError, KeyError, TypeError):  # missing, damaged or half written
        return None
    if images.dtype != np.uint8 or images.ndim != 4 or len(images) != len(paths):
        return None
    return FolderImages(images, paths, Skipped.from_json(meta.get("skipped")),
                        int(meta.get("upscaled", 0)), bool(meta.get("grey")), True)  # fmt: skip


def _write_cache(array_path: Path, meta_path: Path, key: str, found: FolderImages) -> None:
    """The array first, then the JSON naming its key: a cache is valid only once both are in."""
    array_path.parent.mkdir(parents=True, exist_ok=True)
    meta_path.unlink(missing_ok=True)
    _replace(array_path, lambda f: np.save(f, found.images))
    meta = {"key": key, "paths": list(found.paths), "skipped": found.skipped.to_json(),
            "upscaled": found.upscaled, "grey": found.grey}  # fmt: skip
    _replace(meta_path, lambda f: f.write(json.dumps(meta).encode()))


def _replace(path: Path, write: Callable[[BinaryIO], object]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
