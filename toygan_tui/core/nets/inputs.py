"""What a net is given: the sample (or noise), then a conditional problem's label."""

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
