"""What a net is given: the sample (or noise), then a conditional problem's label; what D is
given with PacGAN's packing: K of those, one after another, as one input."""

from __future__ import annotations

import torch


def with_labels(x: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
    """A net's input: the sample (or noise), then the label when the problem has one: one more
    column of a vector, one more constant channel of an image (n × C × H × W)."""
    if labels is None:
        return x
    if x.ndim == 4:
        labels = labels[:, :, None, None].expand(-1, -1, *x.shape[2:])
    return torch.cat([x, labels], dim=1)


def packed(x: torch.Tensor, k: int) -> torch.Tensor:
    """D's inputs with PacGAN's packing (K > 1): the n rows (each a sample and its label) as
    n/K inputs of K rows side by side, samples 0…K−1 the first, K…2K−1 the second, and so on
    (a free reshape of a row-major batch). K = 1: the rows themselves."""
    return x if k == 1 else x.reshape(x.shape[0] // k, k * x.shape[1])


def d_input(x: torch.Tensor, labels: torch.Tensor | None, k: int) -> torch.Tensor:
    """What D judges: each sample with its label (with_labels), packed K at a time."""
    return packed(with_labels(x, labels), k)
