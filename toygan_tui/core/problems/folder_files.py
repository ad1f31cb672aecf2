"""Which files of a folder are pictures to train on, and why the others are passed over.

- Found recursively; a symlink (to a file or a folder) is followed, and each real file or
  folder is taken once, however many links reach it (a link loop ends there).
- An image is a file whose extension, in any letter case, is a still-image format this Pillow
  opens (STILL below, less any its build lacks: AVIF without its plugin). Every other file is
  named in the skipped counts: an image format Pillow cannot open (.heic, .svg, raw camera
  files; AVIF where unsupported) as an unsupported extension, anything else (notes, captions,
  .DS_Store) as not an image. An empty image file is skipped as empty.
- The images are listed in sorted order of their paths relative to the folder, so every
  machine of a job and every run numbers them alike.

Torch-free; Pillow is imported only to ask which formats it opens.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

# Still-image formats Pillow decodes by itself (no Ghostscript, no Windows-only loader).
STILL = (
    ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".webp", ".bmp", ".dib", ".gif",
    ".tif", ".tiff", ".ppm", ".pgm", ".pbm", ".pnm", ".tga", ".qoi", ".avif", ".jp2",
    ".j2k", ".psd", ".pcx", ".sgi", ".ico",
)  # fmt: skip
# Picture formats people keep beside their photos that Pillow cannot open: named, not ignored.
OTHER_PICTURES = (
    ".heic", ".heif", ".jxl", ".svg", ".svgz", ".eps", ".raw", ".dng", ".cr2", ".cr3", ".nef",
    ".arw", ".orf", ".rw2", ".raf", ".exr", ".hdr",
)  # fmt: skip

# Why a file is not trained on, in the order the warning lists them.
UNREADABLE = "unreadable or truncated"
EMPTY = "empty"
TOO_SMALL = "too small"
NOT_IMAGE = "not an image"
UNSUPPORTED = "unsupported extension"
OUTSIDE = "outside the class folders"  # cond-images: an image at the top of the folder
REASONS = (UNREADABLE, EMPTY, TOO_SMALL, NOT_IMAGE, UNSUPPORTED, OUTSIDE)
NAMED = 3  # files named per reason; the rest are counted


@functools.cache
def opened() -> frozenset[str]:
    """The extensions of STILL that this Pillow opens."""
    from PIL import Image

    known = Image.registered_extensions()
    return frozenset(e for e in STILL if known.get(e) in Image.OPEN)


@dataclass
class Skipped:
    """Files passed over, by reason: how many, and the first few paths (relative)."""

    counts: dict[str, int] = field(default_factory=dict)
    names: dict[str, list[str]] = field(default_factory=dict)

    def add(self, reason: str, name: str) -> None:
        self.counts[reason] = self.counts.get(reason, 0) + 1
        first = self.names.setdefault(reason, [])
        if len(first) < NAMED:
            first.append(name)

    def merged(self, other: Skipped) -> Skipped:
        both = Skipped({**self.counts}, {k: list(v) for k, v in self.names.items()})
        for reason in other.counts:
            both.counts[reason] = both.counts.get(reason, 0) + other.counts[reason]
            both.names[reason] = (both.names.get(reason, []) + other.names[reason])[:NAMED]
        return both

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def describe(self) -> str:
        """'2 unreadable or truncated (a.jpg, b/c.png), 1 empty (e.png)', in REASONS order."""
        parts = []
        for reason in REASONS:
            if reason in self.counts:
                count, names = self.counts[reason], self.names.get(reason, [])
                more = ", …" if count > len(names) else ""
                parts.append(f"{count} {reason} ({', '.join(names)}{more})")
        return ", ".join(parts)

    def to_json(self) -> dict[str, dict[str, object]]:
        return {r: {"count": self.counts[r], "first": self.names.get(r, [])} for r in self.counts}

    @classmethod
    def from_json(cls, data: object) -> Skipped:
        skipped = cls()
        if isinstance(data, dict):
            for reason, entry in data.items():
                if isinstance(entry, dict) and isinstance(entry.get("count"), int):
                    skipped.counts[str(reason)] = entry["count"]
                    skipped.names[str(reason)] = [str(n) for n in entry.get("first", [])][:NAMED]
        return skipped


@dataclass(frozen=True)
class Listing:
    images: list[Path]  # the image files to decode, sorted by relative path
    skipped: Skipped  # what was passed over without decoding (by its name or size)


def list_folder(folder: Path) -> Listing:
    """Every file under `folder`, sorted into images and files passed over."""
    images, skipped = [], Skipped()
    for path in walk(folder):
        name = path.relative_to(folder).as_posix()
        suffix = path.suffix.lower()
        if suffix in opened():
            if _size(path) == 0:
                skipped.add(EMPTY, name)
            else:
                images.append(path)
        elif suffix in STILL or suffix in OTHER_PICTURES:
            skipped.add(UNSUPPORTED, name)
        else:
            skipped.add(NOT_IMAGE, name)
    return Listing(sorted(images, key=lambda p: p.relative_to(folder).as_posix()), skipped)


def walk(folder: Path) -> list[Path]:
    """Every file under `folder` (its path as reached, through links), each real one once."""
    seen_dirs: set[tuple[int, int] | None] = set()
    seen_files: set[tuple[int, int]] = set()
    found: list[Path] = []
    for top, dirs, files in os.walk(folder, followlinks=True):
        here = _identity(Path(top))
        if here in seen_dirs:  # a folder reached again through a link: walked already
            dirs[:] = []
            continue
        seen_dirs.add(here)
        dirs.sort()
        for name in sorted(files):
            path = Path(top) / name
            identity = _identity(path)
            if identity is None:  # a broken link: no file behind the name
                found.append(path)
            elif identity not in seen_files:
                seen_files.add(identity)
                found.append(path)
    return found


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None
