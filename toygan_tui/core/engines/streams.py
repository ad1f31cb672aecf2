"""The CPU fast engine's inputs: the run's own noise and real-curve streams, drawn ahead in
chunks where that draws exactly the same numbers, laid out the way the hand-written step reads.

Drawing k batches in one call equals k calls only for some shapes (torch's CPU randn fills 16
values at a time), so a probe on the generators (rewound afterwards) decides, and the engine
falls back to one draw per step otherwise. A chunk never reaches past the steps the engine is
about to take, so the streams stop exactly where the reference's would and checkpoints resume.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from toygan_tui.core.training.state import TrainState

CHUNK = 64  # steps of random draws made at once (only where that draws the same numbers)

# One step's inputs, each with a ones row/column for the biases: z (batch × n_ideas+1),
# zᵀ, D's input batch-first (2·batch × n_points+1) and batch-last; reals fill the first half.
Batch = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class StreamDraws:
    """A CPU run's two streams, k steps at a time (k ≤ chunk: 1 where chunks are not exact)."""

    def __init__(self, state: TrainState) -> None:
        if state.data_rng is None:
            raise ValueError("the CPU streams draw real samples from the numpy RandomState")
        self.state, self.data_rng = state, state.data_rng
        self.chunk = CHUNK if self._chunks_are_exact() else 1

    def noise(self, k: int) -> torch.Tensor:
        """k steps of G's noise, exactly state.noise() would give (float32, k·batch × dim)."""
        return self.state.noise(k * self.state.cfg.batch_size)

    def reals(self, k: int) -> np.ndarray:
        """k steps of real samples in float64, exactly as state.real_batch() computes them."""
        samples, _ = self.state.problem.real_batch(self.data_rng, k * self.state.cfg.batch_size)
        return samples

    def _chunks_are_exact(self) -> bool:
        noise_gen = self.state.noise_gen
        noise_state, data_state = noise_gen.get_state(), self.data_rng.get_state()

        def rewind() -> None:
            noise_gen.set_state(noise_state)
            self.data_rng.set_state(data_state)

        try:
            draws = (lambda k: self.noise(k).numpy(), self.reals)
            return all(_same(draw, k, rewind) for k in (2, 3, CHUNK) for draw in draws)
        finally:
            rewind()


class CpuStreams(StreamDraws):
    """The draws laid out for the CPU engine's step, in buffers of `chunk` steps."""

    def __init__(self, state: TrainState) -> None:
        super().__init__(state)
        cfg, k = state.cfg, self.chunk
        B, Z, P = cfg.batch_size, state.problem.noise_dim, state.problem.out_dim
        self.z, self.zT = np.ones((k, B, Z + 1), np.float32), np.ones((k, Z + 1, B), np.float32)
        self.X = np.ones((k, 2 * B, P + 1), np.float32)
        self.XT = np.ones((k, P + 1, 2 * B), np.float32)
        # Each step's views into the chunk buffers, made once (a view costs a microsecond).
        self.batches = [(self.z[i], self.zT[i], self.X[i], self.XT[i]) for i in range(k)]

    def draw(self, k: int) -> list[Batch]:
        """The next k steps' inputs (k ≤ self.chunk); the fakes are the step's to write."""
        cfg = self.state.cfg
        B, Z, P = cfg.batch_size, self.state.problem.noise_dim, self.state.problem.out_dim
        self.z[:k, :, :Z] = self.noise(k).numpy().reshape(k, B, Z)
        self.zT[:k, :Z] = self.z[:k, :, :Z].transpose(0, 2, 1)
        self.X[:k, :B, :P] = self.reals(k).reshape(k, B, P)
        self.XT[:k, :P, :B] = self.X[:k, :B, :P].transpose(0, 2, 1)
        return self.batches[:k]


def _same(draw: Callable[[int], np.ndarray], k: int, rewind: Callable[[], None]) -> bool:
    """Whether one draw of k steps equals k draws of one step and leaves the stream in the
    same place (the draw after it agrees too)."""
    rewind()
    one_by_one = np.concatenate([draw(1) for _ in range(k + 1)])
    rewind()
    at_once = np.concatenate([draw(k), draw(1)])
    return bool(np.array_equal(one_by_one, at_once))
