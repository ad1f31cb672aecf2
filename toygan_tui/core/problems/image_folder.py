"""`images --data DIR [--image-size 64]`: a folder of PNG/JPEG images (anime faces, CelebA),
learned by a DCGAN with the PyTorch tutorial's settings, at 64×64 by default.

- The folder is read once per process (folder_data.py: searched recursively, centre-cropped
  and resized, cached on the disk so a later run does not decode again).
- Real batches are drawn with replacement, uniformly over the images, from the run's own
  stream. (The tutorial's DataLoader shuffles epochs instead; a resumable epoch would have to
  live in the checkpoint. Over a run both show every image about as often.) Pixels go to
  [-1, 1], G's tanh range, as the tutorial's Normalize((0.5,) * 3, (0.5,) * 3) does.
- Measures (swd.py): `swd`, the sliced Wasserstein distance of G's n_eval images from n_eval
  real ones (a fixed draw, eval seed 12345); `swd_real`, the same distance between those real
  images and n_eval others (two disjoint halves of the folder): the floor, what a G as good as
  the data gets; `swd_x` = swd / swd_real. A folder of fewer than 2·n_eval images uses half
  of it for each side.

The registry's entry (IMAGES) has no folder: readers (watch, runs, plot, replay) take its
measures and view from it. A run's own entry, `for_folder(DIR, SIZE)`, holds the folder.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from toygan_tui.core.cachedir import cache_dir
from toygan_tui.core.errors import InputError
from toygan_tui.core.problems import swd
from toygan_tui.core.problems.base import Defaults, Measure, Nets, View
from toygan_tui.core.problems.folder_data import FolderError, FolderImages, load_folder

if TYPE_CHECKING:
    from collections.abc import Callable

    import torch

DEFAULT_SIDE = 64
SIDES = (8, 16, 32, 64, 128, 256)  # DCGAN's: 4·2^k, k blocks after G's first 4×4
NOTE_AT = 500  # a folder this big takes a second or more to decode: say so first
EVAL_SEED = 12345  # which real images the measure compares with (never the training stream)

# swd and its floor have no good level of their own (their scale is the folder's): swd_x has.
SWD = Measure(
    "swd", False, math.nan, "→ floor", "sliced Wasserstein distance of G's images from real ones"
)
SWD_REAL = Measure(
    "swd_real", False, math.nan, "floor", "the same distance between two halves of the folder"
)
SWD_X = Measure(
    "swd_x", False, 2.0, "1", "swd over its floor swd_real: 1 is as close as real to real",
    scale=20,
)  # fmt: skip


def blocks(side: int) -> int:
    """DCGAN's depth at this side: the up-sampling blocks after G's first 4×4 (4 at 64)."""
    return SIDES.index(side) + 1


def dcgan_defaults(side: int) -> Defaults:
    """The DCGAN tutorial's settings: ngf = ndf = 64, batch 128, Adam 2e-4 with β1 0.5, the
    non-saturating loss; 8 000 steps ≈ the tutorial's 5 epochs of CelebA at batch 128."""
    return Defaults(
        hidden=64, depth=blocks(side), batch_size=128, lr_g=2e-4, lr_d=2e-4, beta1=0.5,
        beta2=0.999, steps=8_000, loss="ns", n_eval=256, n_show=16,
    )  # fmt: skip


def check_side(side: int) -> None:
    if side not in SIDES:
        choices = ", ".join(map(str, SIDES))
        raise InputError(f"--image-size must be one of {choices} (a DCGAN's sizes), got {side}")


@dataclass(frozen=True)
class ImageFolder:
    folder: str = ""  # "" in the registry; a run's own entry holds its --data
    side: int = DEFAULT_SIDE
    name: str = "images"
    summary: str = "a folder of PNG/JPEG images (--data DIR), with a DCGAN at 64×64"
    noise_dim: int = 100  # DCGAN's nz
    nets: Nets = "dcgan"
    requires: tuple[tuple[str, str], ...] = (("PIL", "Pillow"),)
    view: View = "images"
    measures: tuple[Measure, ...] = (SWD, SWD_REAL, SWD_X)
    charted: tuple[str, str] = ("swd_x", "swd")
    labels: tuple[int, ...] = ()
    cond_dim: int = 0

    @property
    def sample_shape(self) -> tuple[int, ...]:
        return (3, self.side, self.side)

    @property
    def out_dim(self) -> int:
        return int(np.prod(self.sample_shape))

    @property
    def defaults(self) -> Defaults:
        return dcgan_defaults(self.side)

    @property
    def x(self) -> np.ndarray:
        return np.empty(0)

    def data(self, on_decode: Callable[[int], None] | None = None) -> FolderImages:
        """The folder's images (read once per process; on_decode(n) hears of a decoding)."""
        if not self.folder:
            raise FolderError("--problem images needs --data DIR (a folder of PNG/JPEG images)")
        return loaded(self.folder, self.side, on_decode)

    def prepare(self, note: Callable[[str], None], warn: Callable[[str], None]) -> None:
        size = f"{self.side}×{self.side}"
        where = cache_dir() / "folders"

        def decoding(count: int) -> None:
            if count >= NOTE_AT:  # a small folder decodes at once: nothing to say
                note(
                    f"decoding {count} images of {self.folder} at {size}, once (cached in {where})"
                )

        found = self.data(decoding)
        if found.skipped:
            total = found.skipped + len(found.images)
            warn(f"skipped {found.skipped} of {total} image files in {self.folder}: unreadable")

    def real_batch(
        self, rng: np.random.RandomState, n: int
    ) -> tuple[np.ndarray, np.ndarray | None]:
        images = self.data().images
        return to_unit(images[rng.randint(len(images), size=n)]), None

    def real_batch_torch(
        self, gen: torch.Generator, n: int, device: torch.device
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        import torch

        pixels = _on(self.folder, self.side, device)
        pick = torch.randint(len(pixels), (n,), generator=gen, device=device)
        return pixels[pick].float() / 127.5 - 1, None

    def eval_labels(self, n: int) -> np.ndarray | None:
        return None

    def measure(self, samples: np.ndarray, labels: np.ndarray | None = None) -> dict[str, float]:
        """swd, swd_real and swd_x of G's images; NaN where the folder cannot be read here
        (a run sampled on another machine)."""
        try:
            real, other = _references(self.folder, self.side, len(samples))
        except FolderError:
            return {m.name: float("nan") for m in self.measures}
        distance = swd.sliced_wasserstein(real, samples[: len(real)])
        floor = swd.sliced_wasserstein(real, other)
        return {"swd": distance, "swd_real": floor, "swd_x": distance / floor if floor else np.nan}


def to_unit(pixels: np.ndarray) -> np.ndarray:
    """uint8 pixels → float64 in [-1, 1]."""
    return pixels.astype(np.float64) / 127.5 - 1


def for_folder(folder: str, side: int) -> ImageFolder:
    """The problem of one run: its folder and image size (checked: one line if unusable)."""
    if not folder:
        raise InputError("--problem images needs --data DIR (a folder of PNG/JPEG images)")
    check_side(side)
    return ImageFolder(folder=str(folder), side=side)


_LOADED: dict[tuple[str, int], FolderImages] = {}


def loaded(folder: str, side: int, on_decode: Callable[[int], None] | None = None) -> FolderImages:
    """The folder at this side, read once per process (from the disk cache when it can be)."""
    key = (folder, side)
    if key not in _LOADED:
        _LOADED[key] = load_folder(Path(folder), side, cache_dir(), on_decode)
    return _LOADED[key]


@functools.lru_cache(maxsize=8)
def _references(folder: str, side: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Two disjoint draws of n real images (fewer if the folder is small), fixed by EVAL_SEED."""
    images = loaded(folder, side).images
    n = max(1, min(n, len(images) // 2))
    order = np.random.default_rng(EVAL_SEED).permutation(len(images))
    first, second = np.sort(order[:n]), np.sort(order[n : 2 * n])
    return to_unit(images[first]), to_unit(images[second] if len(second) else images[first])


@functools.lru_cache(maxsize=4)
def _on(folder: str, side: int, device: torch.device) -> torch.Tensor:
    """The folder's pixels on the device, copied once (uint8: 12 KB an image at 64×64)."""
    import torch

    pixels = np.array(loaded(folder, side).images)  # a copy: the cache's memory map is read-only
    return torch.from_numpy(pixels).to(device)


IMAGES = ImageFolder()
