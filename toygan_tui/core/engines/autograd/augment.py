"""DiffAugment's translation (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient
GAN Training"): D sees every image, real and fake, shifted by a random whole number of pixels
(each image its own shift, at most `most` each way, rows and columns apart), the space it
leaves filled with the background (-1, black: G's tanh floor and the digits' background).

The fakes are shifted in G's loss as well as in D's, so the shift stays differentiable (it is
indexing) and G is never pushed to draw shifted images: D judges shifted reals against shifted
fakes alike. On a small data set (the 1 797 digits) this keeps D from learning the set by
heart. The shifts are drawn from the run's noise stream, so a seed gives the same run and a
checkpoint resumes it bit for bit; a run without augmentation draws nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

BACKGROUND = -1.0  # what a shift brings in at the edge: black, the digits' background


@dataclass(frozen=True)
class Shifts:
    """One update's shifts: (n × 2) whole pixels (rows, columns), for the reals and the fakes."""

    real: torch.Tensor
    fake: torch.Tensor
    most: int  # no shift is larger, either way

    @classmethod
    def draw(cls, gen: torch.Generator, n: int, most: int, device: torch.device) -> Shifts:
        """2n shifts in [-most, most]² from `gen`: the reals', then the fakes'."""
        both = torch.randint(-most, most + 1, (2 * n, 2), generator=gen, device=device)
        return cls(both[:n], both[n:], most)

    def share(self, part: slice) -> Shifts:
        """The shifts of a slice of the batch (a torchrun rank's shard)."""
        return Shifts(self.real[part], self.fake[part], self.most)


def translate(images: torch.Tensor, shifts: torch.Tensor, most: int) -> torch.Tensor:
    """images (n × C × H × W) moved by shifts (n × 2, each |shift| ≤ most): out[i, :, y, x] =
    images[i, :, y − dy_i, x − dx_i], the background where that falls outside the image."""
    n, _, h, w = images.shape
    padded = F.pad(images, (most, most, most, most), value=BACKGROUND)
    rows = torch.arange(h, device=images.device) + most - shifts[:, :1]  # n × H
    cols = torch.arange(w, device=images.device) + most - shifts[:, 1:]  # n × W
    which = torch.arange(n, device=images.device)[:, None, None]
    moved = padded.permute(0, 2, 3, 1)[which, rows[:, :, None], cols[:, None, :]]  # n×H×W×C
    return moved.permute(0, 3, 1, 2)
