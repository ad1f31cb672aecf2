"""The CUDA-graph engine's step: the reference's training step written by hand in torch ops on
preallocated device tensors, for nets of any depth, conditional problems and every loss with a
hand-written dL/dlogit. Graph-capturable: no host reads, no allocation that outlives the step.

A conditional problem's label is one more input column, as the reference feeds it: G reads
[z, c], D reads [x, c] for the real samples and [G(z, c), c] for the fakes, the same c.
A packed run (--pack K) keeps X, one sample (and its label) a row, and shows D the view of it
with K rows side by side (2·B/K × K·W), as the reference's reshape packs them; dL/d(fake) is
read back through the same view.
The gradients are written with the ops autograd itself runs for a Linear → ReLU net (mm,
sum over the batch, threshold_backward), so they round as the reference's do.
"""

from __future__ import annotations

import torch

from toygan_tui.core.engines.contract import RunState
from toygan_tui.core.engines.ema import ema_step
from toygan_tui.core.engines.flat import FlatBuffers
from toygan_tui.core.losses import g_mirrors_d, torch_ops

Layer = tuple[torch.Tensor, torch.Tensor]  # (W, b) views of the flat buffers


class DeviceStep:
    """One training step on preallocated tensors, on the parameter views FlatBuffers lays out."""

    def __init__(self, state: RunState, flat: FlatBuffers) -> None:
        cfg, dev, problem = state.cfg, state.device, state.problem
        B, C, k = cfg.batch_size, problem.cond_dim, cfg.pack
        self.state, self.flat, self.loss, self.ops = state, flat, state.loss, torch_ops()
        self.P, self.Z, self.k, self.n = problem.out_dim, problem.noise_dim, k, B // k
        self.X = torch.zeros(2 * B, self.P + C, device=dev)  # [real; fake] samples, labels
        self.d_input = self.X.view(2 * self.n, k * (self.P + C))  # D's (packed) inputs
        self.g_input = torch.zeros(B, self.Z + C, device=dev)  # G's input: [z, c]
        self.logits = torch.zeros(2 * self.n, 1, device=dev)
        # minimax: dL/dlogit = σ(l)/n − label/n, with −label/n for [real; fake] made once (n:
        # D's inputs a side, B/K when packed).
        self.mirror = g_mirrors_d(self.loss)  # then G's dL/dlogit is minus D's
        n = self.n
        self.minus_labels_over_b = torch.cat([-torch.ones(n, 1) / n, torch.zeros(n, 1)]).to(dev)
        # Adam's step counts live on the device (flat.counters) so the fused kernel can read
        # them in a graph.
        self.G, self.D = _players(flat, flat.views(flat.params))
        self.gG, self.gD = _players(flat, flat.views(flat.grads))
        self.adam_parts = flat.adam_parts()
        self.ema = flat.ema_pair()

    def __call__(self) -> None:
        s, B, P, X, n = self.state, self.state.cfg.batch_size, self.P, self.X, self.n
        # The same draws, in the same order, as ReferenceEngine.step.
        real, labels = s.real_batch_with_labels()
        X[:B, :P].copy_(real)
        z = s.noise(B)
        if labels is not None:
            X[:B, P:].copy_(labels)
            X[B:, P:].copy_(labels)
            self.g_input[:, : self.Z].copy_(z)
            self.g_input[:, self.Z :].copy_(labels)
            z = self.g_input
        # Forward: G's fakes into X's second half; D scores [real; fake] at once.
        g_inputs = _forward(self.G, z, X[B:, :P])
        d_inputs = _forward(self.D, self.d_input, self.logits)
        dl, gl = self._logit_grads()
        # (2) D's gradient of D_loss.
        d_first = _backward(self.D, self.gD, d_inputs, dl, halves=n)
        # (1) G's gradient of G_loss through the fakes (for minimax: minus D_loss's).
        if self.mirror:
            d_fake = self._unpacked(d_first[n:]).neg_()
        else:
            d_fake = self._fake_gradient(gl, [x[n:] for x in d_inputs])
        _backward(self.G, self.gG, g_inputs, d_fake)
        for counter in self.flat.counters:
            counter.add_(1)
        for part, counter in self.adam_parts:
            part.step([counter])
        if self.ema is not None:  # after G's update, inside the captured graph
            ema_step(*self.ema, s.cfg.ema)

    def _logit_grads(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """dD_loss/dlogit for [real; fake] and (unless G mirrors D) dG_loss/dlogit for the
        fakes, both (n × 1)."""
        n, logits = self.n, self.logits
        if self.mirror:
            return torch.add(self.minus_labels_over_b, torch.sigmoid(logits), alpha=1 / n), None
        assert self.loss.logit_grads is not None
        d_real, d_fake, g_fake = self.loss.logit_grads(logits[:n], logits[n:], self.ops)
        return torch.cat([d_real, d_fake]).div_(n), g_fake / n

    def _fake_gradient(
        self, gl: torch.Tensor | None, fake_inputs: list[torch.Tensor]
    ) -> torch.Tensor:
        """dG_loss/d(fake): G's dL/dlogit back through D on the fakes (D's inputs there)."""
        assert gl is not None
        delta = gl
        for layer in range(len(self.D) - 1, 0, -1):
            W = self.D[layer][0]
            delta = torch.ops.aten.threshold_backward(delta @ W, fake_inputs[layer], 0)
        return self._unpacked(delta)

    def _unpacked(self, delta: torch.Tensor) -> torch.Tensor:
        """dL/d(fake) (B × P) from dL/d(pre-activation) of D's first hidden layer on the fake
        inputs: through the first layer's weights on the samples (not the labels); a packed
        D's input gradient read back one sample a row."""
        W0 = self.D[0][0]
        if self.k == 1:
            return torch.mm(delta, W0[:, : self.P])
        return torch.mm(delta, W0).view(self.k * self.n, -1)[:, : self.P]

    def stats(self) -> torch.Tensor:
        """The last step's losses and mean D outputs, from its logits (stay on the device)."""
        n, loss, ops = self.n, self.loss, self.ops
        logit_real, logit_fake = self.logits[:n, 0], self.logits[n:, 0]
        losses = loss.d_loss(logit_real, logit_fake, ops), loss.g_loss(logit_fake, ops)
        return torch.stack(loss.report(*losses, logit_real, logit_fake, ops))


def _players(flat: FlatBuffers, views: list[torch.Tensor]) -> tuple[list[Layer], list[Layer]]:
    """G's (W, b) per layer and D's, input layer first."""
    layers = list(zip(views[::2], views[1::2], strict=True))
    return layers[: flat.n_g_layers], layers[flat.n_g_layers :]


def _forward(layers: list[Layer], x: torch.Tensor, out: torch.Tensor) -> list[torch.Tensor]:
    """The net on x into `out`; returns each layer's input (x, then every ReLU's output)."""
    inputs = [x]
    for W, b in layers[:-1]:
        inputs.append(torch._addmm_activation(b, inputs[-1], W.t()))  # relu(x Wᵀ + b)
    W, b = layers[-1]
    torch.addmm(b, inputs[-1], W.t(), out=out)
    return inputs


def _backward(
    layers: list[Layer],
    grads: list[Layer],
    inputs: list[torch.Tensor],
    delta: torch.Tensor,
    halves: int = 0,
) -> torch.Tensor:
    """Every layer's gradients from dL/d(output) (n × out); returns dL/d(pre-activation) of
    the first hidden layer (the output of layer 0).

    halves=B: the batch is [real; fake] and each gradient is the sum of the two halves' own,
    as the reference's two calls of D accumulate it. Not only style: with hinge, dL/dlogit is
    ±1/B exactly, a unit's real and fake terms can cancel to exactly 0 in the reference's
    sums, and a rounding residue left by summing in another order would be blown up to a
    sizeable Adam step (Adam divides by √v)."""
    for layer in range(len(layers) - 1, -1, -1):
        gW, gb = grads[layer]
        if halves:
            x, B = inputs[layer], halves
            torch.addmm(torch.mm(delta[B:].t(), x[B:]), delta[:B].t(), x[:B], out=gW)
            torch.add(delta[:B].sum(dim=0), delta[B:].sum(dim=0), out=gb)
        else:
            torch.mm(delta.t(), inputs[layer], out=gW)
            torch.sum(delta, dim=0, out=gb)
        if layer:
            delta = torch.ops.aten.threshold_backward(delta @ layers[layer][0], inputs[layer], 0)
    return delta
