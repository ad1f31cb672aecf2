"""The CPU engine's step for nets of any depth: a loop over the layers, in the layouts of the
one-hidden-layer step in cpu.py (activations batch-last with a ones row for the biases, the
first layers' gradients against the batch-first inputs).

The one-hidden-layer step keeps its own hand-tuned code (the tutorial's run is the one whose
speed is measured); this one trades a few of its tricks for a plain loop over the layers.
It also takes packed runs (packing.py): D's batch is then the 2·B/K packed inputs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from toygan_tui.core.engines.numpy_cpu.packing import Packing
from toygan_tui.core.engines.numpy_cpu.streams import Batch

# fill(logits, dl, gl): D's dL/dlogit for [real; fake] into dl, G's for the fakes into gl.
FillLogitGrads = Callable[[np.ndarray, np.ndarray, np.ndarray], None]


class Mlp:
    """One player's [W | b] blocks and gradients, with its activations for a batch of n.

    acts[l] is layer l's output after ReLU, with a trailing row of ones (the next layer's
    bias); on[l] is where it is positive (ReLU's derivative, kept for the backward pass).
    """

    def __init__(self, blocks: list[np.ndarray], grads: list[np.ndarray], n: int) -> None:
        self.blocks, self.grads = blocks, grads
        widths = [block.shape[0] for block in blocks[:-1]]
        self.acts = [np.ones((h + 1, n), np.float32) for h in widths]
        self.on = [np.zeros((h, n), np.float32) for h in widths]
        self.deltas = [np.zeros((h, n), np.float32) for h in widths]

    def forward(self, x_t: np.ndarray, out: np.ndarray) -> None:
        """out = the net on x_t (features+1 × n, batch-last, ones row last)."""
        inputs = x_t
        for block, act, on in zip(self.blocks[:-1], self.acts, self.on, strict=True):
            h = act[:-1]
            np.matmul(block, inputs, out=h)
            np.greater(h, 0, out=on, casting="unsafe")
            np.multiply(h, on, out=h)
            inputs = act
        np.matmul(self.blocks[-1], inputs, out=out)

    def backward(self, delta: np.ndarray, x_bf: np.ndarray, top: int | None = None) -> np.ndarray:
        """Gradients of blocks `top`, ..., 0 (top: the last one by default), given
        dL/d(output of block top) and the net's input batch-first (n × features+1); returns
        dL/d(pre-activation) of the first hidden layer (of block 0's output)."""
        top = len(self.blocks) - 1 if top is None else top
        for layer in range(top, 0, -1):
            np.matmul(delta, self.acts[layer - 1].T, out=self.grads[layer])
            delta = self.back_through(self.blocks[layer], layer, delta, self.deltas[layer - 1])
        np.matmul(delta, x_bf, out=self.grads[0])
        return delta

    def back_through(
        self,
        block: np.ndarray,
        layer: int,
        delta: np.ndarray,
        out: np.ndarray,
        cols: slice = slice(None),
    ) -> np.ndarray:
        """dL/d(pre-activation) of hidden layer `layer` − 1 from that of layer `layer` through
        `block` (layer's weights, maybe scaled), for the batch columns `cols`."""
        np.matmul(block[:, : block.shape[1] - 1].T, delta, out=out)
        np.multiply(out, self.on[layer - 1][:, cols], out=out)
        return out


class Critic:
    """D's backward pass with its last layer's weights v factored out, as the one-layer step
    does: the top hidden layer's dL/d(pre-activation) is v ⊙ u, u = relu' ⊙ dl, and v scales
    the (smaller) results instead. Not only faster: for hinge, dl is ±1/batch exactly, the
    sums of u over the batch are exact, and a unit whose real and fake terms cancel gets a
    gradient of exactly 0, as autograd's sums give it (a rounding residue there would be
    blown up to a whole Adam step by Adam's division by √v)."""

    def __init__(self, D: Mlp, P: int) -> None:
        """P: the first block's input columns dL/d(fake) is read from (a sample's; a packed
        D's whole input, packing.py picks the samples' out of it)."""
        self.D, self.top = D, len(D.blocks) - 2  # the top hidden layer's block
        last = D.blocks[-1]
        self.v = last[:, : last.shape[1] - 1].T  # (width × 1): a view, follows the weights
        self.scaled = np.zeros(D.blocks[self.top].shape, np.float32)
        self.sample_cols = slice(0, P)  # the first block's weights on the sample, not a label

    def backward(self, dl: np.ndarray, X: np.ndarray) -> np.ndarray:
        """Every gradient of D's loss, from dl (1 × 2B) and D's input batch-first; returns
        dL/d(pre-activation) of the first hidden layer (without v's factor at depth 1)."""
        D, top = self.D, self.top
        np.matmul(dl, D.acts[top].T, out=D.grads[-1])
        u = D.deltas[top]
        np.multiply(D.on[top], dl, out=u)
        np.multiply(D.blocks[top], self.v, out=self.scaled)  # v's rows into the top block
        if top == 0:
            np.matmul(u, X, out=D.grads[0])
            first = u
        else:
            np.matmul(u, D.acts[top - 1].T, out=D.grads[top])
            below = D.back_through(self.scaled, top, u, D.deltas[top - 1])
            first = D.backward(below, X, top - 1)
        np.multiply(D.grads[top], self.v, out=D.grads[top])
        return first

    def to_fakes(self, delta_top: np.ndarray, out: np.ndarray, work: list[np.ndarray]) -> None:
        """dL/d(fake) (P × B) from u = relu' ⊙ dL/dlogit at the top hidden layer on the fakes
        (the v factor not yet applied)."""
        D, B, delta = self.D, delta_top.shape[1], delta_top
        for layer in range(self.top, 0, -1):
            block = self.scaled if layer == self.top else D.blocks[layer]
            delta = D.back_through(block, layer, delta, work[layer - 1], slice(B, None))
        self.first_to_fakes(delta, out)

    def first_to_fakes(self, delta: np.ndarray, out: np.ndarray) -> None:
        """dL/d(fake) from dL/d(pre-activation) of the first hidden layer on the fakes (as
        backward() returns it: without v's factor at depth 1)."""
        first = self.scaled if self.top == 0 else self.D.blocks[0]
        np.matmul(first[:, self.sample_cols].T, delta, out=out)


def make_deep_step(
    G: Mlp, D: Mlp, logits: np.ndarray, logit_grads: FillLogitGrads, mirror: bool,
    P: int, adam: Callable[[], None], packing: Packing | None = None,
) -> Callable[[Batch], None]:  # fmt: skip
    """One training step (the reference's) with nets of any depth; P: a sample's size;
    `packing`: a packed D's layout (None: D judges one sample at a time)."""
    B = G.acts[0].shape[1]  # samples a side
    n = D.acts[0].shape[1] // 2  # D's inputs a side: B, or B/K packed
    critic = Critic(D, P if packing is None else packing.grad.shape[0])
    dl, gl = np.zeros_like(logits), np.zeros((1, n), np.float32)
    d_fake = np.zeros((P, B), np.float32) if packing is None else packing.grad
    d_fake_bf = np.zeros((B, P), np.float32)
    work = [np.zeros((d.shape[0], n), np.float32) for d in D.deltas]
    u_fake = work[-1]

    def step(batch: Batch) -> None:
        z, zT, X, XT = batch
        if packing is None:
            G.forward(zT, XT[:P, n:])  # G's fakes into the second half of D's input
            np.copyto(X[n:, :P], XT[:P, n:].T)
        else:
            G.forward(zT, packing.fakes)
            packing.fakes_in(X, XT)
        D.forward(XT, logits)
        logit_grads(logits, dl, gl)
        first = critic.backward(dl, X)
        if mirror:  # minimax: G's dL/dlogit is minus D's, and so is every delta after it
            critic.first_to_fakes(first[:, n:], d_fake)
        else:
            np.multiply(D.on[-1][:, n:], gl, out=u_fake)
            critic.to_fakes(u_fake, d_fake, work)
        if packing is None:
            if mirror:
                np.negative(d_fake, out=d_fake)
            np.copyto(d_fake_bf, d_fake.T)
        else:  # dL/d(D's input) on the fake packs → per sample
            packing.fake_grads(d_fake_bf, negate=mirror)
        G.backward(d_fake_bf.T, z)
        adam()

    return step
