"""A folder of pictures as training data: found, decoded, resized once, then cached.

- Found (folder_files.py): every still image Pillow opens, in any letter case, recursively,
  links followed once; every other file counted as skipped, by reason.
- Decoded (folder_decode.py): upright, transparency on the background, fitted to the square
  (cropped or padded), resized; too small or unreadable pictures skipped, by reason.
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from toygan_tui.core.errors import InputError
from toygan_tui.core.problems.folder_decode import MAX_UPSCALE, Decoding, decode
from toygan_tui.core.problems.folder_files import TOO_SMALL, Skipped, list_folder

CACHE_FORMAT = 2  # bump when the decoding changes: old caches are then decoded again
SEARCHED = ".jpg, .jpeg, .png, .webp, .bmp, .gif, .tif and the other still formats Pillow opens"


class FolderError(InputError):
    """--data names no usable folder of images; the message is one line for the user."""


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
            f"{SEARCHED}); {_nothing(skipped)}{_smaller(skipped, decoding.side)}"
        )
    return FolderImages(found.images, found.paths, skipped, found.upscaled, found.grey,
                        found.from_cache)  # fmt: skip


def _nothing(skipped: Skipped) -> str:
    if not skipped.total:
        return "it holds no files"
    return f"skipped {files(skipped.total)}: {skipped.describe()}"


def _smaller(skipped: Skipped, side: int) -> str:
    """Where every picture was too small: the least side kept, and what to do."""
    if TOO_SMALL not in skipped.counts:
        return ""
    least = -(-side // MAX_UPSCALE)
    return f"; a picture needs {least} pixels a side at --image-size {side}: try a smaller one"


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
