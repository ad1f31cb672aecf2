"""The fast GPU engine: the hand-written step in torch ops on static device buffers, captured
once as CUDA graphs (of UNROLL steps, and of one) and replayed, so ten steps cost one graph
launch instead of ~300 kernel launches from Python.

No host sync inside a step: real curves and noise are drawn on the device from the run's own
generators (registered with the graph, so each replay advances them exactly as the eager draws
would), Adam reads its step count from a device tensor, and the losses are computed from the
last step's logits only when run() returns (unsynced; the caller reads them at a report).
The same step runs eagerly (graphed=False) wherever capture is unavailable, which is also how
tests check its math against the reference on a CPU.
"""

from __future__ import annotations

import torch

from toygan_tui.core.fast_flat import FlatBuffers, NotApplicable
from toygan_tui.core.reference import d_loss_from_logits, g_loss_from_logits
from toygan_tui.core.state import TrainState

WARMUP_STEPS = 3  # eager steps on a side stream before capture (cuBLAS/allocator set-up)
UNROLL = 10  # steps per replay of the big graph: one launch (and RNG bookkeeping) per 10 steps


class DeviceEngine:
    """The reference's steps on a torch device: same random draws, same math up to rounding."""

    def __init__(self, state: TrainState, graphed: bool) -> None:
        if state.data_gen is None:
            raise NotApplicable("the device engine draws real curves on the device")
        self.state = state
        self.flat = FlatBuffers(state)
        self.step_fn = DeviceStep(state, self.flat)
        self.graphs = _capture(state, self.flat, self.step_fn) if graphed else None
        self.name = "fast (CUDA graph)" if self.graphs is not None else "fast"

    def run(self, n: int) -> torch.Tensor:
        """Take n steps; return [d_loss, g_loss, d_real, d_fake] of the last one (unsynced)."""
        self.flat.load()
        self.step_fn.adam_step.fill_(self.flat.adam_steps)
        if self.graphs is None:
            for _ in range(n):
                self.step_fn()
        else:
            many, one = self.graphs
            with torch.cuda.device(self.state.device):
                for _ in range(n // UNROLL):
                    many.replay()
                for _ in range(n % UNROLL):
                    one.replay()
        self.flat.store(n)
        self.state.step += n
        return self.step_fn.stats()


class DeviceStep:
    """One training step on preallocated tensors (graph-capturable: no allocation that
    outlives the step, no host reads), on the parameter views FlatBuffers lays out."""

    def __init__(self, state: TrainState, flat: FlatBuffers) -> None:
        cfg, dev = state.cfg, state.device
        B = cfg.batch_size
        self.state, self.flat = state, flat
        self.X = torch.zeros(2 * B, cfg.n_points, device=dev)  # D's input: [real; fake]
        self.logits = torch.zeros(2 * B, 1, device=dev)
        # −label/B for [real; fake]: dL/dlogit = σ(l)/B − label/B.
        self.minus_labels_over_b = torch.cat([-torch.ones(B, 1) / B, torch.zeros(B, 1)]).to(dev)
        # Adam's step count lives on the device so the fused kernel can read it in a graph.
        on_device = dev.type != "cpu"
        self.adam_step = torch.zeros((), device=dev if on_device else "cpu")
        self.p = flat.views(flat.params)  # W1, b1, W2, b2 (G), V1, c1, V2, c2 (D)
        self.g = flat.views(flat.grads)
        self.adam_parts = flat.adam_parts()

    def __call__(self) -> None:
        s, B = self.state, self.state.cfg.batch_size
        W1, b1, W2, b2, V1, c1, V2, c2 = self.p
        gW1, gb1, gW2, gb2, gV1, gc1, gV2, gc2 = self.g
        X, logits = self.X, self.logits
        # The same draws, in the same order, as ReferenceEngine.step.
        X[:B].copy_(s.real_batch())
        z = s.noise(B)
        # Forward: G's fakes into X's second half; D scores [real; fake] at once.
        h = torch._addmm_activation(b1, z, W1.t())  # relu(z W1ᵀ + b1)
        torch.addmm(b2, h, W2.t(), out=X[B:])
        hd = torch._addmm_activation(c1, X, V1.t())
        torch.addmm(c2, hd, V2.t(), out=logits)
        # (2) D's gradient of D_loss: dL/dlogit = (σ(l) − label)/B.
        dl = torch.add(self.minus_labels_over_b, torch.sigmoid(logits), alpha=1 / B)
        torch.mm(dl.t(), hd, out=gV2)
        torch.sum(dl, dim=0, out=gc2)
        dhd = torch.ops.aten.threshold_backward(dl @ V2, hd, 0)
        torch.mm(dhd.t(), X, out=gV1)
        torch.sum(dhd, dim=0, out=gc1)
        # (1) G's gradient of G_loss: minus D_loss's gradient through the fakes.
        d_fake = torch.mm(dhd[B:], V1).neg_()
        torch.mm(d_fake.t(), h, out=gW2)
        torch.sum(d_fake, dim=0, out=gb2)
        dh = torch.ops.aten.threshold_backward(d_fake @ W2, h, 0)
        torch.mm(dh.t(), z, out=gW1)
        torch.sum(dh, dim=0, out=gb1)
        self.adam_step.add_(1)
        for part in self.adam_parts:
            part.step([self.adam_step])

    def stats(self) -> torch.Tensor:
        """The last step's losses and mean D outputs, from its logits (stay on the device)."""
        B = self.state.cfg.batch_size
        logit_real, logit_fake = self.logits[:B, 0], self.logits[B:, 0]
        losses = [d_loss_from_logits(logit_real, logit_fake), g_loss_from_logits(logit_fake)]
        probs = [torch.sigmoid(logit_real).mean(), torch.sigmoid(logit_fake).mean()]
        return torch.stack(losses + probs)


def _capture(
    state: TrainState, flat: FlatBuffers, step: DeviceStep
) -> tuple[torch.cuda.CUDAGraph, torch.cuda.CUDAGraph]:
    """Record UNROLL steps, and one step, as CUDA graphs, leaving the run's state as it was.

    Warm-up steps run eagerly on a side stream (as torch.cuda.graph's docs ask), which moves
    the parameters and the random streams; both are put back before capture, and capture
    itself runs nothing. The run's generators are registered with each graph so that every
    replay draws fresh numbers and advances them, exactly like the eager calls.
    """
    if not hasattr(torch.cuda.CUDAGraph, "register_generator_state"):
        raise NotApplicable("this torch cannot capture user generators in a CUDA graph")
    assert state.data_gen is not None
    generators = [state.noise_gen, state.data_gen]
    with torch.cuda.device(state.device):
        _warm_up(state, flat, step, generators)
        return _record(step, generators, UNROLL), _record(step, generators, 1)


def _warm_up(
    state: TrainState, flat: FlatBuffers, step: DeviceStep, generators: list[torch.Generator]
) -> None:
    saved_rng = [g.get_state() for g in generators]
    buffers = (flat.params, flat.exp_avg, flat.exp_avg_sq)
    saved = [t.clone() for t in buffers]
    try:
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(WARMUP_STEPS):
                step()
        torch.cuda.current_stream().wait_stream(side)
    finally:  # also when warm-up fails: the eager fallback starts from the true state
        for g, rng in zip(generators, saved_rng, strict=True):
            g.set_state(rng)
        for t, copy in zip(buffers, saved, strict=True):
            t.copy_(copy)


def _record(
    step: DeviceStep, generators: list[torch.Generator], steps: int
) -> torch.cuda.CUDAGraph:
    graph = torch.cuda.CUDAGraph()
    for g in generators:
        graph.register_generator_state(g)
    with torch.cuda.graph(graph):
        for _ in range(steps):
            step()
    return graph
