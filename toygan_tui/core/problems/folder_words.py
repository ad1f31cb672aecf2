"""What a folder run says about its folder before it starts, and what its config.json records.

The first line names how many images are used (and, when files were passed over, how many,
by reason, naming the first few of each: a warning); then one warning each for images that
had to be upscaled and for a folder small enough to be learnt by heart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from toygan_tui.core.cachedir import cache_dir
from toygan_tui.core.problems.folder_data import files
from toygan_tui.core.problems.folder_sets import FolderSet, channels_of

NOTE_AT = 500  # a folder this big takes a second or more to decode: say so first
SMALL_FOLDER = 500  # fewer images than this, and a DCGAN can learn them by heart
CLASSES_NAMED = 6


class FolderRun(Protocol):
    """What is said of a folder problem's run (image_folder.py: ImageFolder)."""

    @property
    def folder(self) -> str: ...

    @property
    def side(self) -> int: ...

    @property
    def channels(self) -> int: ...

    @property
    def conditional(self) -> bool: ...

    def data(self, on_decode: Callable[[int], None] | None = None) -> FolderSet: ...


def read_folder(problem: FolderRun, note: Callable[[str], None]) -> FolderSet:
    """The problem's folder, read now (note() hears first if that takes a while)."""

    def decoding(count: int) -> None:
        if count >= NOTE_AT:  # a small folder decodes at once: nothing to say
            side, where = f"{problem.side}×{problem.side}", cache_dir() / "folders"
            note(f"decoding {count} images of {problem.folder} at {side}, once (cached in {where})")

    return problem.data(decoding)


def say_found(
    problem: FolderRun, data: FolderSet, note: Callable[[str], None], warn: Callable[[str], None]
) -> None:
    """Say what was found in the folder: the images used, what was skipped, what may hurt."""
    side = f"{problem.side}×{problem.side}"
    colour = "grey" if channels_of(data, problem.channels) == 1 else "RGB"
    used = f"{len(data)} images of {problem.folder} at {side}, {colour}"
    if problem.conditional:
        names = ", ".join(data.classes[:CLASSES_NAMED])
        more = ", …" if len(data.classes) > CLASSES_NAMED else ""
        used += f", in {len(data.classes)} classes ({names}{more})"
    if data.skipped.total:
        warn(f"training on {used}; skipped {files(data.skipped.total)}: {data.skipped.describe()}")
    else:
        note(f"training on {used}")
    if data.found.upscaled:
        warn(f"{data.found.upscaled} of the images are smaller than {side}: upscaled, so "
             f"blurrier than the rest")  # fmt: skip
    if len(data) < SMALL_FOLDER:
        shift = max(1, problem.side // 16)
        warn(f"a small folder ({len(data)} images, under {SMALL_FOLDER}): G may learn them by "
             f"heart (the `copies` measure tells); --augment {shift} helps D not to")  # fmt: skip


def data_record(data: FolderSet, channels: int) -> dict[str, Any]:
    """The folder as config.json records it: images used, files skipped by reason, images
    upscaled, channels, and each class's count (cond-images)."""
    record: dict[str, Any] = {
        "images": len(data),
        "skipped": dict(data.skipped.counts),
        "upscaled": data.found.upscaled,
        "channels": channels,
    }
    if data.labels is not None:
        counts = np.bincount(data.labels, minlength=len(data.classes))
        record["classes"] = {name: int(n) for name, n in zip(data.classes, counts, strict=True)}
    return record
