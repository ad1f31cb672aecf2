"""A run's folder, as its problem trains on it: the decoded images (folder_data.py) in the run's
channels, and, for `cond-images`, each image's class, read once per process.

- Channels: 3 (RGB), or 1 where every image of the folder is grey (`--channels` 0, the
  default) or where `--channels 1` asks for it (Pillow's ITU-R 601 luma, exactly: a grey
  image keeps its values).
- Classes (`cond-images`): one per first-level subfolder, in sorted order of their names,
  each image the class of the subfolder it is in (however deep); an image at the top of the
  folder belongs to none and is skipped.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toygan_tui.core.cachedir import cache_dir
from toygan_tui.core.problems.folder_data import FolderError, FolderImages, load_folder
from toygan_tui.core.problems.folder_decode import Decoding
from toygan_tui.core.problems.folder_files import OUTSIDE, Skipped

SEPARATOR = "/"  # class names in a config: a folder name never holds one
CHUNK = 1024  # images converted to grey at a time


@dataclass(frozen=True)
class Source:
    """What a run reads of its folder (the per-process cache's key)."""

    folder: str
    decoding: Decoding
    conditional: bool = False


@dataclass(frozen=True)
class FolderSet:
    found: FolderImages  # the whole folder, decoded
    keep: np.ndarray  # which of found.images are trained on (cond-images: those in a class)
    labels: np.ndarray | None  # each kept image's class (cond-images), else None
    classes: tuple[str, ...]  # the class names, by class number
    skipped: Skipped  # every file passed over, by reason

    def __len__(self) -> int:
        return len(self.keep)


_SETS: dict[Source, FolderSet] = {}


def folder_set(source: Source, on_decode: Callable[[int], None] | None = None) -> FolderSet:
    """The folder of `source`, read once per process (from the disk cache when it can be);
    on_decode(n) hears that n files are to be decoded first."""
    if source not in _SETS:
        found = load_folder(Path(source.folder), source.decoding, cache_dir(), on_decode)
        _SETS[source] = _classed(source, found) if source.conditional else FolderSet(
            found, np.arange(len(found.images)), None, (), found.skipped
        )  # fmt: skip
    return _SETS[source]


def forget() -> None:
    """Drop what this process has read (tests: as a new process would start)."""
    _SETS.clear()
    pixels.cache_clear()


def _classed(source: Source, found: FolderImages) -> FolderSet:
    """Each image's class: its first-level subfolder."""
    tops = [path.split("/", 1)[0] if "/" in path else None for path in found.paths]
    classes = tuple(sorted({top for top in tops if top is not None}))
    if len(classes) < 2:
        have = f"found {len(classes)}{f' ({classes[0]})' if classes else ''}"
        raise FolderError(
            f"--data {source.folder}: --problem cond-images needs a subfolder per class, "
            f"at least 2 ({have})"
        )
    skipped = Skipped()
    for path, top in zip(found.paths, tops, strict=True):
        if top is None:
            skipped.add(OUTSIDE, path)
    keep = np.asarray([i for i, top in enumerate(tops) if top is not None], dtype=np.int64)
    number = {name: i for i, name in enumerate(classes)}
    labels = np.asarray([number[top] for top in tops if top is not None], dtype=np.int64)
    return FolderSet(found, keep, labels, classes, found.skipped.merged(skipped))


def channels_of(data: FolderSet, asked: int) -> int:
    """The channels a run trains with: as asked (1 or 3), else 1 for an all-grey folder."""
    if asked:
        return asked
    return 1 if data.found.grey else 3


@functools.lru_cache(maxsize=8)
def pixels(source: Source, channels: int) -> np.ndarray:
    """The kept images in `channels` channels, uint8 (a copy in memory for one channel or a
    subset; else the cache's memory map itself)."""
    data = folder_set(source)
    rgb = data.found.images
    if len(data.keep) != len(rgb):
        rgb = rgb[data.keep]
    if channels == 3:
        return rgb
    # Pillow's "L": (R·19595 + G·38470 + B·7471 + 2^15) >> 16, so grey values stay exactly.
    weights = np.asarray([19595, 38470, 7471], dtype=np.uint32)
    grey = np.empty((len(rgb), 1, *rgb.shape[2:]), np.uint8)
    for start in range(0, len(rgb), CHUNK):  # uint32 sums of a chunk at a time, not the folder
        part = np.asarray(rgb[start : start + CHUNK], dtype=np.uint32)
        grey[start : start + CHUNK, 0] = (np.tensordot(weights, part, axes=(0, 1)) + 32768) >> 16
    return grey


def join_classes(classes: tuple[str, ...]) -> str:
    return SEPARATOR.join(classes)


def split_classes(text: str) -> tuple[str, ...]:
    return tuple(text.split(SEPARATOR)) if text else ()
