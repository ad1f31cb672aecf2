"""PacGAN's packing in the CPU engine's layouts: D's input is K samples (each with its label)
side by side, so D's batch-first input is (2·B/K × K·W + 1) and its batch-last one the
transpose, W = a sample's values and its label, the last column (row) the ones of the biases.
Packed input j of either half holds that half's samples jK … jK+K−1, as the reference's
reshape packs them (core/nets/inputs.py: packed).

`slots` splits a packed axis of K·W into (K × W) as a view, so the reals, labels and fakes are
written straight into D's inputs; `Packing` puts G's fakes there each step and turns dL/d(D's
input) on the fake packs back into dL/d(fake), one row per sample, as G's backward reads it.
"""

from __future__ import annotations

import numpy as np


def slots(a: np.ndarray, k: int, axis: int) -> np.ndarray:
    """`a` with `axis` (of K·W) split into (K × W): a view, so writes reach `a`. Splitting an
    axis never needs a copy; the check guards the writes against a numpy that made one."""
    axis %= a.ndim
    n = a.shape[axis]
    view = a.reshape(*a.shape[:axis], k, n // k, *a.shape[axis + 1 :])
    if not np.may_share_memory(view, a):
        raise AssertionError("numpy copied a packed view")  # pragma: no cover
    return view


class Packing:
    """One step's packed fakes and their gradient, for K samples of P values (W with a label)
    per slot and B samples a side (B/K packed inputs)."""

    def __init__(self, k: int, P: int, W: int, B: int) -> None:
        self.k, self.P, self.W, self.n = k, P, W, B // k
        self.fakes = np.zeros((P, B), np.float32)  # G's output, batch-last
        self.grad = np.zeros((k * W, B // k), np.float32)  # dL/d(D's input) on the fake packs

    def fakes_in(self, X: np.ndarray, XT: np.ndarray) -> None:
        """G's fakes (self.fakes) into the fake half of D's inputs, both layouts."""
        k, P, W, n = self.k, self.P, self.W, self.n
        batch_first = slots(X[n:, : k * W], k, axis=1)[:, :, :P]  # (B/K × K × P)
        np.copyto(batch_first, self.fakes.T.reshape(n, k, P))
        batch_last = slots(XT[: k * W, n:], k, axis=0)[:, :P, :]  # (K × P × B/K)
        np.copyto(batch_last, batch_first.transpose(1, 2, 0))

    def fake_grads(self, out: np.ndarray, negate: bool) -> None:
        """dL/d(fake) (B × P, batch-first) from self.grad: each slot's sample values (its
        label's gradient left out), negated for a loss whose G mirrors D (minimax)."""
        k, P, W, n = self.k, self.P, self.W, self.n
        per_slot = self.grad.T.reshape(n, k, W)[:, :, :P]
        target = out.reshape(n, k, P)  # contiguous: a view
        if negate:
            np.negative(per_slot, out=target)
        else:
            np.copyto(target, per_slot)
