"""The fast CPU engine: the reference step written by hand in numpy, on preallocated buffers.

Why numpy: at batch 64 a step is ~2 MFLOP, so per-op dispatch dominates, and a numpy call
costs about a microsecond where a torch op costs a few. Why by hand: one forward of D over
[real; fake] serves both players (G's gradient through the fakes is minus D's), biases ride in
the matmuls (a row of ones under each layer's input), and the losses themselves are computed
only for the last step of a run. Gradients are checked against the reference engine's autograd
in tests/test_engines.py.

Any depth, any problem: the nets' blocks come from FlatBuffers, a conditional problem's label
is one more input row (streams.py lays it out), and nets deeper than the tutorial's take the
layer loop of cpu_deep.py; the tutorial's one hidden layer keeps the hand-tuned step below.
A packed run (--pack K: D judges K samples at once, packing.py) takes the layer loop at any
depth, D's batch being 2·B/K packed inputs and the losses their means.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from toygan_tui.core.engines.contract import RunState
from toygan_tui.core.engines.ema import ema_step
from toygan_tui.core.engines.flat import FlatBuffers
from toygan_tui.core.engines.numpy_cpu.blas import blas_threads
from toygan_tui.core.engines.numpy_cpu.cpu_deep import FillLogitGrads, Mlp, make_deep_step
from toygan_tui.core.engines.numpy_cpu.packing import Packing
from toygan_tui.core.engines.numpy_cpu.streams import Batch, CpuStreams
from toygan_tui.core.losses import NUMPY_OPS, Loss, g_mirrors_d


class CpuEngine:
    """The reference's steps: the same random draws, the same math up to float rounding."""

    name = "fast"

    def __init__(self, state: RunState) -> None:
        self.state = state
        self.flat = FlatBuffers(state)
        self.streams = CpuStreams(state)
        self.logits = np.zeros((1, 2 * d_inputs(state)), dtype=np.float32)
        self.adam_parts = self.flat.adam_parts()
        self.ema = self.flat.ema_pair()
        self.step = _make_step(state, self.flat, self.logits, self._adam)

    def run(self, n: int) -> torch.Tensor:
        """Take n steps; return [d_loss, g_loss, d_real, d_fake] of the last one."""
        self.flat.load()
        self.flat.fill_counters()
        step, counters = self.step, [c.numpy() for c in self.flat.counters]
        done = 0
        # A diverging run overflows quietly, as torch does; the trainer checks the losses.
        with blas_threads(self.state.cfg.cpu_threads), np.errstate(all="ignore"):
            while done < n:
                batches = self.streams.draw(min(n - done, self.streams.chunk))
                for batch in batches:
                    for counter in counters:  # the step counts the fused Adam kernel reads
                        counter += 1
                    step(batch)
                done += len(batches)
        self.flat.store(n)
        self.state.step += n
        return self.stats()

    def _adam(self) -> None:
        for part, counter in self.adam_parts:
            part.step([counter])
        if self.ema is not None:  # after G's update: one lerp over G's part of the buffer
            ema_step(*self.ema, self.state.cfg.ema)

    def stats(self) -> torch.Tensor:
        """The last step's stats, from its logits: the loss's formulas in numpy (a dozen torch
        ops on 128 numbers would cost more than a training step)."""
        batch, loss = d_inputs(self.state), self.state.loss
        real, fake = self.logits[0, :batch], self.logits[0, batch:]
        with np.errstate(all="ignore"):
            losses = loss.d_loss(real, fake, NUMPY_OPS), loss.g_loss(fake, NUMPY_OPS)
            values = loss.report(*losses, real, fake, NUMPY_OPS)
        return torch.tensor([float(v) for v in values], dtype=torch.float32)


def _make_step(
    state: RunState,
    flat: FlatBuffers,
    logits: np.ndarray,
    adam: Callable[[], None],
    deep: bool = False,
) -> Callable[[Batch], None]:
    """One training step with every buffer bound once, so the hot loop only calls numpy.

    deep=True takes the any-depth loop even for one hidden layer (tests check both); so does a
    packed run."""
    loss, B, n = state.loss, state.cfg.batch_size, d_inputs(state)
    mirror = g_mirrors_d(loss)  # G's dL/dlogit is minus D's: no gradient of its own to take
    logit_grads = _minimax_grads(n) if mirror else _loss_grads(loss, n)
    g_blocks, d_blocks = (_numpy(b) for b in flat.blocks(flat.params))
    g_grads, d_grads = (_numpy(b) for b in flat.blocks(flat.grads))
    G, D = Mlp(g_blocks, g_grads, B), Mlp(d_blocks, d_grads, 2 * n)
    problem, k = state.problem, state.cfg.pack
    if len(g_blocks) == len(d_blocks) == 2 and not deep and k == 1:
        return _one_hidden_layer_step(G, D, logits, adam, logit_grads, mirror)
    packing = Packing(k, problem.out_dim, problem.out_dim + problem.cond_dim, B) if k > 1 else None
    return make_deep_step(G, D, logits, logit_grads, mirror, problem.out_dim, adam, packing)


def d_inputs(state: RunState) -> int:
    """D's inputs a side per step: the batch, or its packs (--pack K: batch/K)."""
    return state.cfg.batch_size // state.cfg.pack


def _numpy(blocks: list[torch.Tensor]) -> list[np.ndarray]:
    return [block.numpy() for block in blocks]


def _one_hidden_layer_step(
    G: Mlp,
    D: Mlp,
    logits: np.ndarray,
    adam: Callable[[], None],
    logit_grads: FillLogitGrads,
    mirror: bool,
) -> Callable[[Batch], None]:
    """The step for one hidden layer (the tutorial's nets), tuned by measurement.

    Layouts are chosen so each matmul's right operand is C-contiguous (OpenBLAS's fast case):
    activations are batch-last (features × batch), each with a trailing row of ones for the
    bias; the weight gradients read batch-first copies with a column of ones.
    """
    f32, mm = np.float32, np.matmul
    (G1, G2), (D1, D2), (gG1, gG2), (gD1, gD2) = G.blocks, D.blocks, G.grads, D.grads
    B, H, P = G.acts[0].shape[1], G1.shape[0], G2.shape[0]
    (h,), (hd,) = G.acts, D.acts  # batch-last, a last row of ones
    (h_on,), (hd_on,), (dh,), (dhd,) = G.on, D.on, G.deltas, D.deltas
    v2_col, d1_scaled = D2[:, :H].T, np.zeros((H, P), f32)  # v2_col: a view, D2's weights
    d_fake, d_fake_bf = np.zeros((P, B), f32), np.zeros((B, P), f32)
    dl, gl, dhg = np.zeros_like(logits), np.zeros((1, B), f32), np.zeros((H, B), f32)

    def step(batch: Batch) -> None:
        z, zT, X, XT = batch
        # Forward: G's fakes go into the second half of D's input; D scores [real; fake] at once.
        mm(G1, zT, out=h[:H])
        np.greater(h[:H], 0, out=h_on, casting="unsafe")  # relu'(h), kept for the backward
        np.multiply(h[:H], h_on, out=h[:H])
        mm(G2, h, out=XT[:P, B:])
        np.copyto(X[B:, :P], XT[:P, B:].T)
        mm(D1, XT, out=hd[:H])
        np.greater(hd[:H], 0, out=hd_on, casting="unsafe")
        np.multiply(hd[:H], hd_on, out=hd[:H])
        mm(D2, hd, out=logits)
        # (2) D's gradient of D_loss (and, for a loss that is not minimax, G's dL/dlogit).
        logit_grads(logits, dl, gl)
        mm(dl, hd.T, out=gD2)
        # dL/dhd = relu'(hd)·dl·v2: the v2 factor is applied to the (smaller) matmul results.
        np.multiply(hd_on, dl, out=dhd)
        mm(dhd, X, out=gD1)
        np.multiply(gD1, v2_col, out=gD1)
        # (1) G's gradient of G_loss through the fakes: for minimax, minus D_loss's.
        np.multiply(D1[:, :P], v2_col, out=d1_scaled)  # D's weights on the sample, not a label
        if mirror:
            mm(d1_scaled.T, dhd[:, B:], out=d_fake)
            np.negative(d_fake, out=d_fake)
        else:
            np.multiply(hd_on[:, B:], gl, out=dhg)
            mm(d1_scaled.T, dhg, out=d_fake)
        np.copyto(d_fake_bf, d_fake.T)
        mm(d_fake_bf.T, h.T, out=gG2)
        mm(G2[:, :H].T, d_fake, out=dh)
        np.multiply(dh, h_on, out=dh)
        mm(dh, z, out=gG1)
        adam()

    return step


def _minimax_grads(B: int) -> FillLogitGrads:
    """dl = (σ(l) − label)/B with σ(l) = ½ + ½·tanh(l/2) (no overflow for large |l|), the
    labels 1 for the real half and 0 for the fake half; in place, four numpy calls."""
    offset = np.concatenate([np.full(B, -0.5 / B), np.full(B, 0.5 / B)]).astype(np.float32)
    offset, half_over_b = offset[None, :], np.float32(0.5 / B)

    def grads(logits: np.ndarray, dl: np.ndarray, gl: np.ndarray) -> None:
        np.multiply(logits, 0.5, out=dl)
        np.tanh(dl, out=dl)
        np.multiply(dl, half_over_b, out=dl)
        np.add(dl, offset, out=dl)

    return grads


def _loss_grads(loss: Loss, B: int) -> FillLogitGrads:
    """D's dl for [real; fake] and G's gl for the fakes, from the loss's own dL/dlogit."""
    assert loss.logit_grads is not None
    formula, inv_b = loss.logit_grads, np.float32(1 / B)

    def grads(logits: np.ndarray, dl: np.ndarray, gl: np.ndarray) -> None:
        d_real, d_fake, g_fake = formula(logits[0, :B], logits[0, B:])
        np.multiply(d_real, inv_b, out=dl[0, :B])
        np.multiply(d_fake, inv_b, out=dl[0, B:])
        np.multiply(g_fake, inv_b, out=gl[0])

    return grads
