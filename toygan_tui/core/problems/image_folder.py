"""`images --data DIR` and `cond-images --data DIR`: a folder of the user's pictures (anime
faces, CelebA), learned by a DCGAN with the PyTorch tutorial's settings, at 64×64 by default;
`cond-images` asks G for a class, one per first-level subfolder, as cond-digits asks for a
digit.

- The folder is read once per process (folder_data.py: found, decoded, fitted and cached on
  the disk; folder_sets.py: its channels and classes). `prepare` says, before the run starts,
  how many images are used and what was skipped and why, and settles what the folder decides
  (the channels of `--channels 0`, the classes) into the run's config.
- Real batches are drawn with replacement, uniformly over the images, from the run's own
  stream (with their classes). Pixels go to [-1, 1], G's tanh range.
- Measures (folder_measures.py): swd, swd_real, swd_x against the real-vs-real floor, and
  copies (copies.py); cond-images compares each class's images with its own class's.

The registry's entries (IMAGES, COND_IMAGES) have no folder: readers (watch, runs, plot,
replay) take their measures and view from them. A run's own entry (`for_run`) holds the
folder and how it is read.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from toygan_tui.core.errors import InputError
from toygan_tui.core.problems import folder_measures, folder_sets
from toygan_tui.core.problems.base import Defaults, Measure, Nets, View
from toygan_tui.core.problems.folder_data import FolderError
from toygan_tui.core.problems.folder_decode import BACKGROUNDS, FITS, Decoding
from toygan_tui.core.problems.folder_sets import (
    FolderSet,
    Source,
    channels_of,
    folder_set,
    join_classes,
    pixels,
    split_classes,
)
from toygan_tui.core.problems.folder_words import data_record, read_folder, say_found

if TYPE_CHECKING:
    import torch

DEFAULT_SIDE = 64
SIDES = (8, 16, 32, 64, 128, 256)  # DCGAN's: 4·2^k, k blocks after G's first 4×4
CHANNELS = (0, 1, 3)  # 0: from the folder (1 where every image is grey)


def blocks(side: int) -> int:
    """DCGAN's depth at this side: the up-sampling blocks after G's first 4×4 (4 at 64)."""
    return SIDES.index(side) + 1


def dcgan_defaults(side: int) -> Defaults:
    """The DCGAN tutorial's settings: ngf = ndf = 64, batch 128, Adam 2e-4 with β1 0.5, the
    non-saturating loss; 8 000 steps ≈ the tutorial's 5 epochs of CelebA at batch 128."""
    return Defaults(
        hidden=64, depth=blocks(side), batch_size=128, lr_g=2e-4, lr_d=2e-4, beta1=0.5,
        beta2=0.999, steps=8_000, loss="ns", n_eval=256, n_show=16,
        threads=0,
    )  # fmt: skip


def check_side(side: int) -> None:
    if side not in SIDES:
        choices = ", ".join(map(str, SIDES))
        raise InputError(f"--image-size must be one of {choices} (a DCGAN's sizes), got {side}")


@dataclass(frozen=True)
class ImageFolder:
    name: str = "images"
    summary: str = "a folder of your pictures (--data DIR), with a DCGAN at 64×64"
    conditional: bool = False  # cond-images: G is asked for a class (a first-level subfolder)
    folder: str = ""  # "" in the registry; a run's own entry holds its --data
    side: int = DEFAULT_SIDE
    channels: int = 0  # 1 or 3 once the folder has said (0: not yet; taken as 3)
    fit: str = "crop"
    background: str = "white"
    classes: tuple[str, ...] = ()  # cond-images: the class names, by number
    noise_dim: int = 100  # DCGAN's nz
    nets: Nets = "dcgan"
    requires: tuple[tuple[str, str], ...] = (("PIL", "Pillow"),)
    view: View = "images"
    charted: tuple[str, str] = ("swd_x", "swd")
    headline: tuple[str, ...] = ("swd_x",)

    @property
    def x(self) -> np.ndarray:
        return np.empty(0)

    @property
    def measures(self) -> tuple[Measure, ...]:
        return folder_measures.MEASURES

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return (self.channels or 3, self.side, self.side)

    @property
    def out_dim(self) -> int:
        return int(np.prod(self.sample_shape))

    @property
    def labels(self) -> tuple[int, ...]:
        return tuple(range(len(self.classes))) if self.conditional else ()

    @property
    def cond_dim(self) -> int:
        return 1 if self.conditional else 0

    @property
    def defaults(self) -> Defaults:
        return dcgan_defaults(self.side)

    @property
    def source(self) -> Source:
        return Source(self.folder, Decoding(self.side, self.fit, self.background), self.conditional)

    def for_run(self, data: str, side: int, channels: int = 0, fit: str = "crop",
                background: str = "white", classes: str = "") -> ImageFolder:  # fmt: skip
        """The problem of one run: its folder and how it is read (checked: one line)."""
        if not data:
            raise InputError(f"--problem {self.name} needs --data DIR (a folder of pictures)")
        check_side(side)
        for flag, value, choices in (
            ("--channels", channels, CHANNELS),
            ("--fit", fit, FITS),
            ("--background", background, tuple(BACKGROUNDS)),
        ):
            if value not in choices:
                allowed = ", ".join(map(str, choices))
                raise InputError(f"{flag} must be one of {allowed}, got {value!r}")
        named = split_classes(classes)
        return dataclasses.replace(self, folder=str(data), side=side, channels=channels,
                                   fit=fit, background=background, classes=named)  # fmt: skip

    def data(self, on_decode: Callable[[int], None] | None = None) -> FolderSet:
        """The folder's images (read once per process; on_decode(n) hears of a decoding)."""
        if not self.folder:
            raise FolderError(f"--problem {self.name} needs --data DIR (a folder of pictures)")
        return folder_set(self.source, on_decode)

    def prepare(self, note: Callable[[str], None], warn: Callable[[str], None]) -> dict[str, Any]:
        """Read the folder now, say what was found, and return what it settles in the config:
        the channels and the classes (a resumed run's must still be the folder's)."""
        data = read_folder(self, note)
        if self.conditional and self.classes and self.classes != data.classes:
            raise FolderError(
                f"--data {self.folder}: its classes are now {', '.join(data.classes)}; the run "
                f"was trained on {', '.join(self.classes)}"
            )
        say_found(self, data, note, warn)
        settled: dict[str, Any] = {"channels": channels_of(data, self.channels)}
        if self.conditional:
            settled["classes"] = join_classes(data.classes)
        return settled

    def record(self) -> dict[str, Any]:
        """What the run's config.json records of the folder: counts, by reason and class."""
        return data_record(self.data(), self.channels or 3)

    def real_batch(
        self, rng: np.random.RandomState, n: int
    ) -> tuple[np.ndarray, np.ndarray | None]:
        images = pixels(self.source, self.channels or 3)
        pick = rng.randint(len(images), size=n)
        labels = self.data().labels
        return to_unit(images[pick]), None if labels is None else labels[pick]

    def real_batch_torch(
        self, gen: torch.Generator, n: int, device: torch.device
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        import torch

        images, labels = _on(self.source, self.channels or 3, device)
        pick = torch.randint(len(images), (n,), generator=gen, device=device)
        return images[pick].float() / 127.5 - 1, None if labels is None else labels[pick]

    def eval_labels(self, n: int) -> np.ndarray | None:
        """The classes in turn: every class in each row of the shown grid."""
        return np.arange(n) % max(1, len(self.classes)) if self.conditional else None

    def measure(self, samples: np.ndarray, labels: np.ndarray | None = None) -> dict[str, float]:
        """swd, swd_real, swd_x and copies of G's images (and each class's swd_x where the
        class has enough images); NaN where the folder cannot be read here (a run sampled on
        another machine)."""
        try:
            self.data()
        except FolderError:
            return {m.name: math.nan for m in self.measures}
        return folder_measures.measure(self.source, self.channels or 3, self.classes, samples,
                                       labels if self.conditional else None)  # fmt: skip


def to_unit(pixels: np.ndarray) -> np.ndarray:
    """uint8 pixels → float64 in [-1, 1]."""
    return pixels.astype(np.float64) / 127.5 - 1


@functools.lru_cache(maxsize=4)
def _on(source: Source, channels: int, device: torch.device) -> tuple[Any, Any]:
    """The folder's pixels (uint8: 12 KB an image at 64×64) and classes on the device, once."""
    import torch

    images = np.array(pixels(source, channels))  # a copy: the cache's memory map is read-only
    labels = folder_set(source).labels
    on = torch.from_numpy(images).to(device)
    return on, None if labels is None else torch.from_numpy(labels).to(device)


def forget() -> None:
    """Drop every folder this process has read, and what was drawn from them (tests: as a new
    process would start)."""
    folder_sets.forget()
    folder_measures.forget()
    _on.cache_clear()


IMAGES = ImageFolder()
COND_IMAGES = ImageFolder(
    name="cond-images",
    summary="your pictures with their class (one per subfolder of --data DIR): G is asked for one",
    conditional=True,
)
