"""The CPU fast engines' inputs: the run's own noise and real-sample streams, drawn ahead in
chunks where that draws exactly the same numbers, laid out the way the hand-written step reads.
A conditional problem's label rides with the inputs, as the reference feeds it: G reads
[z, c], D reads [x, c] for the real samples and [G(z, c), c] for the fakes, the same c.

Drawing k batches in one call equals k calls only for some shapes (torch's CPU randn fills 16
values at a time), so a probe on the generators (rewound afterwards) decides, and the engine
falls back to one draw per step otherwise. A chunk never reaches past the steps the engine is
about to take, so the streams stop exactly where the reference's would and checkpoints resume.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from toygan_tui.core.engines.contract import RunState
from toygan_tui.core.engines.numpy_cpu.packing import slots

CHUNK = 64  # steps of random draws made at once (only where that draws the same numbers)

# One step's inputs, each with a ones row/column for the biases: G's input batch-first
# (batch × noise_dim+cond_dim+1) and batch-last, D's input batch-first
# (2·batch × out_dim+cond_dim+1) and batch-last; reals fill the first half, fakes the second.
# Packed (--pack K): D's inputs are 2·batch/K rows of K samples (with their labels) side by
# side (packing.py), (2·batch/K × K·(out_dim+cond_dim)+1) and its transpose.
Batch = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class StreamDraws:
    """A CPU run's two streams, k steps at a time (k ≤ chunk: 1 where chunks are not exact)."""

    def __init__(self, state: RunState) -> None:
        if state.data_rng is None:
            raise ValueError("the CPU streams draw real samples from the numpy RandomState")
        self.state, self.data_rng = state, state.data_rng
        self.chunk = CHUNK if self._chunks_are_exact() else 1

    def noise(self, k: int) -> torch.Tensor:
        """k steps of G's noise, exactly state.noise() would give (float32, k·batch × dim)."""
        return self.state.noise(k * self.state.cfg.batch_size)

    def reals(self, k: int) -> tuple[np.ndarray, np.ndarray | None]:
        """k steps of real samples (float64) and their labels (None if unconditional), exactly
        as state.real_batch_with_labels() computes them."""
        return self.state.problem.real_batch(self.data_rng, k * self.state.cfg.batch_size)

    def _reals_and_labels(self, k: int) -> np.ndarray:
        """The reals with their labels as a last column, for the probe."""
        samples, labels = self.reals(k)
        return samples if labels is None else np.column_stack([samples, labels])

    def _chunks_are_exact(self) -> bool:
        noise_gen = self.state.noise_gen
        noise_state, data_state = noise_gen.get_state(), self.data_rng.get_state()

        def rewind() -> None:
            noise_gen.set_state(noise_state)
            self.data_rng.set_state(data_state)

        try:
            draws = (lambda k: self.noise(k).numpy(), self._reals_and_labels)
            return all(_same(draw, k, rewind) for k in (2, 3, CHUNK) for draw in draws)
        finally:
            rewind()


class CpuStreams(StreamDraws):
    """The draws laid out for the CPU engine's step, in buffers of `chunk` steps."""

    def __init__(self, state: RunState) -> None:
        super().__init__(state)
        cfg, k, C = state.cfg, self.chunk, state.problem.cond_dim
        B, Z, P, K = cfg.batch_size, state.problem.noise_dim, state.problem.out_dim, cfg.pack
        W, n = P + C, 2 * B // K  # a sample with its label; D's inputs per step
        self.z = np.ones((k, B, Z + C + 1), np.float32)
        self.zT = np.ones((k, Z + C + 1, B), np.float32)
        self.X = np.ones((k, n, K * W + 1), np.float32)
        self.XT = np.ones((k, K * W + 1, n), np.float32)
        # D's inputs slot by slot: (k × inputs × K × W) and (k × K × W × inputs), views.
        self.slots = slots(self.X[:, :, : K * W], K, axis=2)
        self.slots_t = slots(self.XT[:, : K * W], K, axis=1)
        # Each step's views into the chunk buffers, made once (a view costs a microsecond).
        self.batches = [(self.z[i], self.zT[i], self.X[i], self.XT[i]) for i in range(k)]

    def draw(self, k: int) -> list[Batch]:
        """The next k steps' inputs (k ≤ self.chunk); the fakes are the step's to write."""
        problem, B, K = self.state.problem, self.state.cfg.batch_size, self.state.cfg.pack
        Z, P, C = problem.noise_dim, problem.out_dim, problem.cond_dim
        n = B // K  # D's real inputs (and fake ones) per step
        X, XT = self.slots[:k], self.slots_t[:k]  # (k × 2n × K × W), (k × K × W × 2n)
        reals, labels = self.reals(k)
        self.z[:k, :, :Z] = self.noise(k).numpy().reshape(k, B, Z)
        X[:, :n, :, :P] = reals.reshape(k, n, K, P)
        if labels is not None:
            c = labels.reshape(k, B, C)  # 0/1 → float32, exactly as the reference's .float()
            self.z[:k, :, Z : Z + C] = c
            X[:, :n, :, P:] = c.reshape(k, n, K, C)
            X[:, n:, :, P:] = c.reshape(k, n, K, C)  # a fake has its real twin's label
        self.zT[:k, : Z + C] = self.z[:k, :, : Z + C].transpose(0, 2, 1)
        XT[:, :, P:] = X[:, :, :, P:].transpose(0, 2, 3, 1)
        XT[:, :, :P, :n] = X[:, :n, :, :P].transpose(0, 2, 3, 1)
        return self.batches[:k]


def _same(draw: Callable[[int], np.ndarray], k: int, rewind: Callable[[], None]) -> bool:
    """Whether one draw of k steps equals k draws of one step and leaves the stream in the
    same place (the draw after it agrees too)."""
    rewind()
    one_by_one = np.concatenate([draw(1) for _ in range(k + 1)])
    rewind()
    at_once = np.concatenate([draw(k), draw(1)])
    return bool(np.array_equal(one_by_one, at_once))
