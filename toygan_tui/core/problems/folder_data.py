"""A folder of PNG/JPEG images as training data: found, decoded, resized once, then cached.

- Found: every *.png, *.jpg and *.jpeg (any case) under the folder, subfolders included, in
  sorted order of their paths (so every machine of a job, and every run, numbers them alike).
  Other files are not images and are passed over without a word.
- Decoded as torchvision's ImageFolder does for the DCGAN tutorial: converted to RGB (a
  grayscale image becomes three equal channels; an RGBA image loses its alpha), the shorter
  side resized to the image size (bilinear, antialiased), then the centre cropped square.
  A file that will not decode (damaged, truncated, not really an image) is skipped and counted.
- Cached: the decoded images (N × 3 × S × S, uint8) are kept in the user's cache directory,
  `<cache>/folders/<hash of the folder's path and S>.npy`, with a JSON beside it holding the
  folder's fingerprint: the image size and every image file's relative path, byte size and
  modification time. A later run whose folder has the same fingerprint reads the cache
  (memory-mapped) instead of decoding again; any added, removed, replaced or touched file, or
  another image size, decodes again and replaces it. Deleting the cache only costs time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from toygan_tui.core.errors import InputError

SUFFIXES = (".png", ".jpg", ".jpeg")
CACHE_FORMAT = 1  # bump when the decoding changes: old caches are then decoded again


class FolderError(InputError):
    """--data names no usable folder of images; the message is one line for the user."""


@dataclass(frozen=True)
class FolderImages:
    images: np.ndarray  # N × 3 × S × S, uint8 (memory-mapped when read from the cache)
    skipped: int  # image files that would not decode
    from_cache: bool  # read from the cache rather than decoded now


def image_files(folder: Path) -> list[Path]:
    """The image files under `folder`, searched recursively, in sorted order."""
    found = (p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())
    return sorted(found)


def check_folder(folder: Path) -> list[Path]:
    """The folder's image files; FolderError with one line if it is missing or holds none."""
    if not folder.exists():
        raise FolderError(f"--data {folder}: no such folder")
    if not folder.is_dir():
        raise FolderError(f"--data {folder}: not a folder (give the folder holding the images)")
    files = image_files(folder)
    if not files:
        raise FolderError(
            f"--data {folder}: no PNG or JPEG images in it (its subfolders searched too)"
        )
    return files


def load_folder(
    folder: Path, size: int, cache_root: Path, on_decode: Callable[[int], None] | None = None
) -> FolderImages:
    """The folder's images at size × size, from the cache when the folder has not changed;
    on_decode(n) hears, before it starts, that n files are to be decoded."""
    folder = Path(folder)
    files = check_folder(folder)
    key = fingerprint(folder, files, size)
    array_path, meta_path = cache_paths(cache_root, folder, size)
    cached = _read_cache(array_path, meta_path, key)
    if cached is not None:
        return cached
    if on_decode is not None:
        on_decode(len(files))
    images, skipped = decode_all(files, size)
    if not len(images):
        raise FolderError(f"--data {folder}: none of its {len(files)} image files could be read")
    with contextlib.suppress(OSError):  # a read-only cache only costs the decoding next time
        _write_cache(array_path, meta_path, key, images, skipped)
    return FolderImages(images, skipped, from_cache=False)


def fingerprint(folder: Path, files: list[Path], size: int) -> str:
    """What the cache must match: the decoding, the size, and each file's path, bytes, mtime."""
    entries = []
    for path in files:
        stat = path.stat()
        entries.append([path.relative_to(folder).as_posix(), stat.st_size, stat.st_mtime_ns])
    text = json.dumps([CACHE_FORMAT, size, entries], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def cache_paths(cache_root: Path, folder: Path, size: int) -> tuple[Path, Path]:
    """One cache entry per folder and size: a changed folder replaces its own entry."""
    name = hashlib.sha256(f"{folder.resolve()}\0{size}".encode()).hexdigest()[:24]
    base = Path(cache_root) / "folders" / name
    return base.with_suffix(".npy"), base.with_suffix(".json")


def decode_all(files: list[Path], size: int) -> tuple[np.ndarray, int]:
    """Every file that decodes, as N × 3 × size × size uint8; and how many did not."""
    decoded = [decode(path, size) for path in files]
    kept = [image for image in decoded if image is not None]
    images = np.stack(kept) if kept else np.zeros((0, 3, size, size), np.uint8)
    return images, len(files) - len(kept)


def decode(path: Path, size: int) -> np.ndarray | None:
    """One image as 3 × size × size uint8 (RGB, shorter side resized, centre crop); None if
    the file does not decode."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            rgb = image.convert("RGB")  # loads the pixels: a truncated file fails here
    except (OSError, ValueError, Image.DecompressionBombError):
        return None  # PIL's UnidentifiedImageError is an OSError
    width, height = rgb.size
    scale = size / min(width, height)
    new = (max(size, round(width * scale)), max(size, round(height * scale)))
    resized = rgb.resize(new, Image.Resampling.BILINEAR)
    left, top = int(round((new[0] - size) / 2)), int(round((new[1] - size) / 2))
    square = resized.crop((left, top, left + size, top + size))
    return np.asarray(square, dtype=np.uint8).transpose(2, 0, 1).copy()


def _read_cache(array_path: Path, meta_path: Path, key: str) -> FolderImages | None:
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("key") != key:
            return None
        images = np.load(array_path, mmap_mode="r")
    except (OSError, ValueError):  # missing, damaged or half written: decode again
        return None
    if images.dtype != np.uint8 or images.ndim != 4 or len(images) != meta.get("count"):
        return None
    return FolderImages(images, int(meta.get("skipped", 0)), from_cache=True)


def _write_cache(
    array_path: Path, meta_path: Path, key: str, images: np.ndarray, skipped: int
) -> None:
    """The array first, then the JSON naming its key: a cache is valid only once both are in."""
    array_path.parent.mkdir(parents=True, exist_ok=True)
    meta_path.unlink(missing_ok=True)
    _replace(array_path, lambda f: np.save(f, images))
    meta = {"key": key, "count": len(images), "skipped": skipped}
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
