"""`digits` and `cond-digits`: scikit-learn's handwritten digits at 16×16 (digits_data.py),
learned by a DCGAN (core/nets/dcgan.py); `cond-digits` asks G for a digit (0-9).

Real batches are drawn with replacement from the 1 797 images by the run's own stream (an
epoch has no meaning for so small a set). The measures (digit_measures.py) come from a small
classifier trained once on the digits.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from toygan_tui.core.problems import digit_measures
from toygan_tui.core.problems.base import Defaults, Measure, Nets, View
from toygan_tui.core.problems.digits_data import REQUIRES, SIDE, digits

if TYPE_CHECKING:
    import torch

FD_FLOOR = 0.43  # fd of one half of the digits against the other (tests check it still holds)

CONFIDENT = Measure(
    "confident",
    True,
    0.7,
    "~0.95",
    "fraction of images the classifier is ≥ 90 % sure of; real: 0.95",
)
CLASSES = Measure(
    "classes",
    True,
    10,
    "10",
    "digits holding ≥ 1/40 of the images as confident ones (modes)",
    scale=10,
    decimals=0,
    collapsed=5,  # half the digits or fewer: G draws a few kinds of image
)
FD = Measure(
    "fd", False, 5.0, "~0.4", "Fréchet distance of the classifier's features from the real digits"
)
CLASS_ACC = Measure(
    "class_acc",
    True,
    0.9,
    "~0.97",
    "fraction of images the classifier reads as the digit asked for",
)

# DCGAN's settings (Radford et al.; the PyTorch tutorial: batch 128, Adam β1 0.5, the
# non-saturating loss; the depth follows the image, 2 blocks at 16×16), tuned by measurement on
# these 1 797 images (bench/digits_probe.md): ngf = ndf = 32 (as good as 64 at 2.5× the speed),
# D shown images shifted by up to 1 pixel (DiffAugment), D without BatchNorm and 4× G's Adam
# rate (8e-4 against 2e-4), InfoGAN's code of 10 values (G's blends of two digits were what
# kept `confident` at ~0.6), 10 000 steps. Seeds 1-3 at 1 500 steps of DCGAN's own settings:
# confident ~0.4, 8-9 classes, fd ~9; with these: 0.84-0.92, 10 classes, fd ~0.8-0.9 (README).
DIGITS_TUNED = Defaults(
    hidden=32, depth=2, batch_size=128, lr_g=2e-4, lr_d=8e-4, beta1=0.5, beta2=0.999,
    steps=10_000, loss="ns", n_eval=1_000, n_show=64, augment=1, d_norm="none", codes=10,
)  # fmt: skip
# cond-digits keeps DCGAN's own settings: the class label leaves no digits to cross between, and
# 1 500 steps of them (93 s) read confident 0.94, class_acc 0.99, where the tuned ones needed
# 10 000 steps (261 s) for 0.96 / 1.00 and read 0.88 / 0.95 at 3 000 steps (seed 1).
DCGAN = dataclasses.replace(
    DIGITS_TUNED, hidden=64, lr_d=2e-4, steps=1_500, augment=0, d_norm="batch", codes=0
)


@dataclass(frozen=True)
class Digits:
    """The digits, unconditional or conditioned on the digit."""

    name: str
    summary: str
    conditional: bool
    defaults: Defaults
    noise_dim: int = 100  # DCGAN's nz
    sample_shape: tuple[int, ...] = (1, SIDE, SIDE)
    nets: Nets = "dcgan"
    requires: tuple[tuple[str, str], ...] = REQUIRES
    view: View = "images"
    charted: tuple[str, str] = ("confident", "classes")

    @property
    def out_dim(self) -> int:
        return int(np.prod(self.sample_shape))

    @property
    def labels(self) -> tuple[int, ...]:
        return tuple(range(10)) if self.conditional else ()

    @property
    def cond_dim(self) -> int:
        return 1 if self.conditional else 0  # the digit, as one input (one-hot inside the nets)

    @property
    def measures(self) -> tuple[Measure, ...]:
        return (CONFIDENT, CLASSES, FD, CLASS_ACC) if self.conditional else (CONFIDENT, CLASSES, FD)

    @property
    def x(self) -> np.ndarray:
        return np.empty(0)

    def real_batch(
        self, rng: np.random.RandomState, n: int
    ) -> tuple[np.ndarray, np.ndarray | None]:
        images, labels = digits()
        pick = rng.randint(len(labels), size=n)
        return images[pick], labels[pick] if self.conditional else None

    def real_batch_torch(
        self, gen: torch.Generator, n: int, device: torch.device
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        import torch

        images, labels = _on(device)
        pick = torch.randint(len(labels), (n,), generator=gen, device=device)
        return images[pick], labels[pick] if self.conditional else None

    def eval_labels(self, n: int) -> np.ndarray | None:
        """0, 1, ..., 9, 0, ...: every digit in each row of the shown grid (rows of 10 or 8)."""
        return np.arange(n) % 10 if self.conditional else None

    def measure(self, samples: np.ndarray, labels: np.ndarray | None = None) -> dict[str, float]:
        confident, classes = digit_measures.confident_classes(samples)
        values = {"confident": confident, "classes": float(classes)}
        values["fd"] = digit_measures.fd(samples)
        if self.conditional:
            if labels is None or len(labels) != len(samples):
                raise ValueError(f"{self.name} measures need the digit each image was asked for")
            read = digit_measures.classifier().probabilities(samples).argmax(axis=1)
            values["class_acc"] = float((read == labels).mean())
        return values


@functools.lru_cache(maxsize=4)
def _on(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """The digits on the device, copied once (as float32 and int64)."""
    import torch

    images, labels = digits()
    return (
        torch.tensor(images, dtype=torch.float32, device=device),
        torch.tensor(labels, dtype=torch.int64, device=device),
    )


DIGITS = Digits(
    name="digits",
    summary="scikit-learn's handwritten digits at 16×16 (1 797 images), with a DCGAN",
    conditional=False,
    defaults=DIGITS_TUNED,
)
COND_DIGITS = Digits(
    name="cond-digits",
    summary="the digits with their class: G is asked for a digit 0-9 (conditional DCGAN)",
    conditional=True,
    defaults=DCGAN,
)
