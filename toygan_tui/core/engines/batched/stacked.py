"""K copies of one MLP (Linear → ReLU → … → Linear), stacked for the batched engine: member k's
parameters, gradients and Adam moments are row k of (K × n) buffers, and each layer of every
member is run by one batched matmul (bmm). Forward and backward are written by hand on those
views, as the fast engines do, so a step is a few dozen torch calls whatever K is.

Layout: a layer's weight is stored with its larger side last — (out × in) as in the module, or
its transpose — because the weight gradient, a product over the batch, costs ~3× more in torch's
CPU bmm when it comes out tall and narrow. Only load and store (row copies) see the layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from toygan_tui.core.engines.contract import NotApplicable


@dataclass(frozen=True)
class Layer:
    """Where one Linear layer lives in a row: its weight (out × in) and bias (out)."""

    out: int
    inp: int
    start: int  # offset of the weight in the row; the bias follows it

    @property
    def transposed(self) -> bool:
        return self.out > self.inp

    @property
    def size(self) -> int:
        return self.out * self.inp + self.out


def layers_of(model: nn.Module) -> list[Layer]:
    """The Linear layers of Linear → ReLU → … → Linear (biases included), else NotApplicable."""
    kinds = [type(m) for m in model.children()]
    linear = [m for m in model.children() if isinstance(m, nn.Linear)]
    if kinds != [nn.Linear, nn.ReLU] * (len(linear) - 1) + [nn.Linear]:
        raise NotApplicable("the batched engine knows only Linear → ReLU → … → Linear models")
    if any(layer.bias is None for layer in linear):
        raise NotApplicable("the batched engine needs Linear layers with a bias")
    layers, start = [], 0
    for m in linear:
        layers.append(Layer(m.out_features, m.in_features, start))
        start += layers[-1].size
    return layers


class StackedMLP:
    """One player of every member: buffers, layer views, forward and backward over `rows`."""

    def __init__(self, models: list[nn.Module], rows: int, device: torch.device) -> None:
        self.layers = layers_of(models[0])
        if any(layers_of(m) != self.layers for m in models[1:]):
            raise NotApplicable("the members' nets differ in shape")
        self.models, K = models, len(models)
        n = self.layers[-1].start + self.layers[-1].size
        self.params, self.grads, self.exp_avg, self.exp_avg_sq = (
            torch.zeros(K, n, device=device) for _ in range(4)
        )
        self.w, self.b = self.views(self.params)
        self.gw, self.gb = self.views(self.grads)
        # Every layer's output, batch last (K × features × rows): each product then comes out
        # rows wide. Hidden ones hold relu(·), which is also the mask the backward needs.
        self.outs = [torch.zeros(K, layer.out, rows, device=device) for layer in self.layers]

    def views(self, flat: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """(weights as stored, biases) of every layer, each K × … over the buffer's rows."""
        weights, biases = [], []
        for layer in self.layers:
            shape = (layer.inp, layer.out) if layer.transposed else (layer.out, layer.inp)
            end = layer.start + layer.out * layer.inp
            weights.append(flat[:, layer.start : end].view(len(flat), *shape))
            biases.append(flat[:, end : end + layer.out])
        return weights, biases

    def member_views(self, flat: torch.Tensor) -> list[torch.Tensor]:
        """Member by member, its parameters' views in module order and shape (W, b, …)."""
        weights, biases = self.views(flat)
        out = []
        for k in range(len(flat)):
            for layer, w, b in zip(self.layers, weights, biases, strict=True):
                out += [w[k].t() if layer.transposed else w[k], b[k]]
        return out

    def _w(self, i: int) -> torch.Tensor:
        """Layer i's weight as (out × in), what a forward product takes on its left."""
        return self.w[i].transpose(1, 2) if self.layers[i].transposed else self.w[i]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Every member's net on its own columns of x (K × in × rows); the last layer's output."""
        a = x
        for i, out in enumerate(self.outs):
            torch.baddbmm(self.b[i].unsqueeze(2), self._w(i), a, out=out)
            if i < len(self.outs) - 1:
                out.relu_()
            a = out
        return a

    def backward(self, x: torch.Tensor, dy: torch.Tensor) -> Delta:
        """Write the parameters' gradients for dL/d(output) = dy; return the delta of the first
        layer's output before its ReLU (K × out₁ × rows, maybe with a row scale still to
        apply), from which input_grad(0, ·) gives the input gradients."""
        delta = Delta(dy)
        for i in reversed(range(len(self.layers))):
            a = x if i == 0 else self.outs[i - 1]
            self._param_grads(i, a, delta)
            if i > 0:
                delta = self._through_relu(i, delta, a)
        return delta

    def _param_grads(self, i: int, a: torch.Tensor, delta: Delta) -> None:
        """Layer i's weight and bias gradients from its input a and its output's delta."""
        dy, gw = delta.dy, self.gw[i]
        if self.layers[i].transposed:
            torch.bmm(a, dy.transpose(1, 2), out=gw)
        else:
            torch.bmm(dy, a.transpose(1, 2), out=gw)
        torch.sum(dy, dim=2, out=self.gb[i])
        if delta.scale is not None:  # the row scale, on the (small) products
            gw.mul_(delta.scale.transpose(1, 2) if self.layers[i].transposed else delta.scale)
            self.gb[i].mul_(delta.scale[:, :, 0])

    def _through_relu(self, i: int, delta: Delta, a: torch.Tensor) -> Delta:
        """The delta of layer i−1's output (before its ReLU, whose output is a) from layer i's.

        A layer with one output (D's last) makes it an outer product, w ⊗ dy, masked: kept as
        the masked broadcast of dy with w as the row scale, which saves a full-size multiply
        (the fast CPU engine applies D's last weights the same way)."""
        rows = a.shape[2]
        if self.layers[i].out == 1 and delta.scale is None:
            wide = delta.dy.expand(-1, self.layers[i].inp, rows)
            return Delta(torch.ops.aten.threshold_backward(wide, a, 0), self._w(i).transpose(1, 2))
        return Delta(torch.ops.aten.threshold_backward(self.input_grad(i, delta), a, 0))

    def input_grad(self, i: int, delta: Delta) -> torch.Tensor:
        """dL/d(layer i's input) from the delta of its output (K × features × rows)."""
        w = self._w(i) if delta.scale is None else self._w(i) * delta.scale
        return torch.bmm(w.transpose(1, 2), delta.dy)

    def backprop_to_input(self, dy: torch.Tensor, rows: slice) -> torch.Tensor:
        """dL/d(input) on `rows` for dL/d(output) = dy on those rows (no parameter gradients)."""
        delta = Delta(dy)
        for i in reversed(range(1, len(self.layers))):
            delta = self._through_relu(i, delta, self.outs[i - 1][:, :, rows])
        return self.input_grad(0, delta)


@dataclass(frozen=True)
class Delta:
    """dL/d(a layer's output) = scale ⊙ dy: dy (K × features × rows) and, where a layer with
    one output left it unapplied, scale (K × features × 1); None means 1."""

    dy: torch.Tensor
    scale: torch.Tensor | None = None

    def columns(self, cols: slice) -> Delta:
        """The delta of the samples in `cols` alone."""
        return Delta(self.dy[:, :, cols], self.scale)
