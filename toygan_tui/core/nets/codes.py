"""--codes K: InfoGAN's categorical code (Chen et al. 2016), for DCGAN nets.

G is told one of K codes, and D has a second head, Q, that must tell from G's image which code
G was told; G and Q both minimise Q's cross-entropy (weight λ = 1, the paper's for a
categorical code). G then learns K kinds of image that differ plainly, with no label: on the
digits, codes become digits, and G draws fewer blends of two digits (bench/digits_probe.md).

- The code is which of the noise's first K inputs is largest: uniform over the K codes for
  Gaussian noise, drawn with the noise itself (no other random draw: the training streams and
  resume are untouched). G sees it one-hot in place of those K inputs.
- The fixed noise of the reports, and `toygan sample`, take the codes in turn (`in_turn`):
  image i has code i mod K, as a conditional problem's images take the classes in turn, so
  the measures see every code equally often and a grid K wide shows one code per column.
- D's last convolution gives 1 + K outputs: the logit of "real", then Q's K logits. Q learns
  on G's images only (a real image has no code); every loss and the gradient penalty read the
  logit alone.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

WEIGHT = 1.0  # λ of the code's cross-entropy in both players' losses (InfoGAN's)


def code_of(z: torch.Tensor, codes: int) -> torch.Tensor:
    """Each noise vector's code (n,): the index of its largest of the first `codes` inputs."""
    return z[:, :codes].argmax(dim=1)


def with_code(z: torch.Tensor, codes: int) -> torch.Tensor:
    """G's input: the first `codes` inputs of z replaced by its code, one-hot."""
    if not codes:
        return z
    return torch.cat([F.one_hot(code_of(z, codes), codes).to(z.dtype), z[:, codes:]], dim=1)


def logit(out: torch.Tensor) -> torch.Tensor:
    """D's logit of "real" (n × 1) from its output (n × (1 + K))."""
    return out[:, :1]


def code_loss(out: torch.Tensor, z: torch.Tensor) -> torch.Tensor | float:
    """λ · Q's cross-entropy at telling the codes of the images made from z (0 without codes)."""
    codes = out.shape[1] - 1
    if not codes:
        return 0.0
    return WEIGHT * F.cross_entropy(out[:, 1:], code_of(z, codes))


def fixed(z: torch.Tensor, code: int | torch.Tensor, codes: int) -> torch.Tensor:
    """z with each row's code made `code` (one for all, or one per row): its largest of the
    first `codes` inputs swapped into that place (the same values, so the rest of what G is
    told is unchanged)."""
    z, rows = z.clone(), torch.arange(len(z))
    largest = code_of(z, codes)
    z[rows, largest], z[rows, code] = z[rows, code], z[rows, largest]
    return z


def in_turn(z: torch.Tensor, codes: int) -> torch.Tensor:
    """z with row i's code made i mod `codes` (z itself without codes)."""
    return fixed(z, torch.arange(len(z)) % codes, codes) if codes else z
