"""Flat buffers shared by the fast engines: every parameter, gradient and Adam moment of G and
D lives in one contiguous buffer (G's first), so one fused Adam call updates them all.

Each Linear layer is one (out × in+1) block [W | b] of the buffer, so a matmul against an
input with a row of ones applies the bias, and one against the layer's input with a column of
ones yields the weight and bias gradients together. The modules and optimizers keep their own
tensors (plain, contiguous, what checkpoints expect): `load()` copies them in at the start of
a run and `store()` copies the results back at its end (one foreach copy each way).
A run that keeps an EMA of G (core/engines/ema.py) has one more flat buffer, `ema`, laid
out like G's part of `params`, so one lerp per step updates the whole average.
Adam's step counts: G's and D's are one count, except after a single player's update (the
keys' `d` and `g`, core/training/lab.py) put them apart; each then has its own counter.
This module knows the optimizer contract (torch.optim.Adam's state) and nothing of the math.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate

import torch
from torch import nn

from toygan_tui.core.engines.adam import AdamState, fresh_state
from toygan_tui.core.engines.contract import NotApplicable, RunState

_BUFFERS = ("params", "grads", "exp_avg", "exp_avg_sq")


@dataclass(frozen=True)
class AdamSettings:
    lr: float
    beta1: float
    beta2: float
    eps: float


@dataclass(frozen=True)
class AdamPart:
    """One fused Adam call: parameters, gradients and moments (as lists) and their settings."""

    tensors: tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor], list[torch.Tensor]]
    settings: AdamSettings

    def step(self, steps: list[torch.Tensor]) -> None:
        """One Adam update (the kernel reads the step count from `steps`; it does not add 1)."""
        s = self.settings
        torch._fused_adam_(
            *self.tensors, [], steps, lr=s.lr, beta1=s.beta1, beta2=s.beta2, weight_decay=0.0,
            eps=s.eps, amsgrad=False, maximize=False,
        )  # fmt: skip


_ALIGN = 4  # float32 elements in 16 bytes
# The private ops the fast engines call (torch.ops.aten.threshold_backward is public aten).
_PRIVATE_OPS = ("_fused_adam_", "_foreach_copy_", "_addmm_activation")


def _aligned(n: int) -> int:
    return -(-n // _ALIGN) * _ALIGN


def require_private_ops(device: torch.device) -> None:
    """The private torch ops the fast engines call, with a kernel for this device, else
    NotApplicable (so `--engine auto` takes the reference engine instead of crashing).

    torch keeps these ops to itself and adds kernels over time: `_fused_adam_` has a CPU
    kernel only from torch 2.4 on (before, a call raises NotImplementedError).
    """
    missing = [name for name in _PRIVATE_OPS if not hasattr(torch, name)]
    if missing:
        raise NotApplicable(f"torch {torch.__version__} has no {', '.join(missing)}")
    p, g, m, v = ([torch.zeros(1, device=device)] for _ in range(4))
    try:
        torch._fused_adam_(
            p, g, m, v, [], [torch.ones((), device=device)], lr=0.0, beta1=0.9, beta2=0.999,
            weight_decay=0.0, eps=1e-8, amsgrad=False, maximize=False,
        )  # fmt: skip
    except NotImplementedError:
        raise NotApplicable(
            f"torch {torch.__version__} has no fused Adam kernel for {device.type} "
            "(torch 2.4 or newer has one)"
        ) from None


def linear_layers(model: nn.Module) -> list[nn.Linear]:
    """The Linear layers of an MLP (Linear → ReLU, any number of times, then Linear), else
    NotApplicable: the nets core/nets/build.py builds, at any depth."""
    children = list(model.children())
    kinds = [type(m) for m in children]
    hidden = (len(kinds) - 1) // 2
    if len(kinds) % 2 == 0 or kinds != [nn.Linear, nn.ReLU] * hidden + [nn.Linear]:
        raise NotApplicable("the fast engine knows only MLPs of Linear → ReLU layers")
    layers = [m for m in children if isinstance(m, nn.Linear)]
    if any(layer.bias is None for layer in layers):
        raise NotApplicable("the fast engine needs Linear layers with a bias")
    return layers


def adam_settings(opt: AdamState, params: list[torch.Tensor]) -> AdamSettings:
    """The plain Adam the reference uses (one group, no decay, no amsgrad), else NotApplicable."""
    if len(opt.param_groups) != 1:
        raise NotApplicable("the fast engine needs one plain Adam group per player")
    group = opt.param_groups[0]
    if [id(p) for p in group["params"]] != [id(p) for p in params]:
        raise NotApplicable("the optimizer does not hold exactly the model's parameters")
    if group["weight_decay"] or group["amsgrad"] or group["maximize"]:
        raise NotApplicable("the fast engine implements plain Adam (no weight decay or amsgrad)")
    if isinstance(group["lr"], torch.Tensor):
        raise NotApplicable("the fast engine needs a float learning rate")
    beta1, beta2 = group["betas"]
    return AdamSettings(float(group["lr"]), float(beta1), float(beta2), float(group["eps"]))


class FlatBuffers:
    """Parameters, gradients and both Adam moments of G then D, each one flat tensor."""

    def __init__(self, state: RunState) -> None:
        self.state = state
        g_layers, d_layers = linear_layers(state.G), linear_layers(state.D)
        self.layers = g_layers + d_layers  # G's, then D's, input layer first
        self.n_g_layers = len(g_layers)
        self.g_params: list[torch.Tensor] = list(state.G.parameters())
        self.d_params: list[torch.Tensor] = list(state.D.parameters())
        self.adam_g = adam_settings(state.opt_G, self.g_params)
        self.adam_d = adam_settings(state.opt_D, self.d_params)
        if any(p.dtype != torch.float32 or p.device != state.device for p in self.all_params):
            raise NotApplicable("the fast engine needs float32 parameters on the run's device")
        require_private_ops(state.device)
        self.sizes = [layer.out_features * (layer.in_features + 1) for layer in self.layers]
        # D's block starts on a 16-byte boundary (zeros pad G's end: no gradient moves them),
        # so D's own Adam call and the kernels reading D's blocks get aligned memory.
        g_sizes, d_sizes = self.sizes[: self.n_g_layers], self.sizes[self.n_g_layers :]
        self.n_g = _aligned(sum(g_sizes))
        self.starts = [*accumulate(g_sizes[:-1], initial=0)]
        self.starts += [*accumulate(d_sizes[:-1], initial=self.n_g)]
        total = self.starts[-1] + self.sizes[-1]
        zeros = lambda: torch.zeros(total, device=state.device)  # noqa: E731
        self.params, self.grads, self.exp_avg, self.exp_avg_sq = zeros(), zeros(), zeros(), zeros()
        self._views = {name: self.views(getattr(self, name)) for name in _BUFFERS}
        self.ema_params: list[torch.Tensor] = []
        if state.g_ema is not None:
            self.ema_params = list(state.g_ema.parameters())
        # G's part of the layout (its padding stays zero, as in `params`); None without an EMA.
        self.ema = torch.zeros(self.n_g, device=state.device) if self.ema_params else None
        self._ema_views = [] if self.ema is None else self.views(self.ema, layers=self.n_g_layers)
        self._step_values: dict[torch.device, torch.Tensor] = {}
        self._stored: list[tuple[int, int]] | None = None
        self.adam_steps = (0, 0)  # Adam steps G's and D's optimizers have taken
        self.lead: int | None = None  # D's count less G's, as this engine's Adam calls take it
        self.load()
        # What the fused kernel reads: one count for both players, or one each when a single
        # player's update put them apart (fixed for this engine: the trainer builds a new one).
        self.lead = self.adam_steps[1] - self.adam_steps[0]
        self.counters = [torch.zeros((), device=state.device) for _ in range(1 + bool(self.lead))]

    @property
    def all_params(self) -> list[torch.Tensor]:
        return [*self.g_params, *self.d_params]

    def adam_parts(self) -> list[tuple[AdamPart, torch.Tensor]]:
        """Adam for both players, each call with the step counter it reads: one fused call
        over the whole buffers when their settings and step counts agree (the tutorial's
        case), else one per player."""
        buffers = (self.params, self.grads, self.exp_avg, self.exp_avg_sq)
        if self.adam_g == self.adam_d and not self.lead:
            whole = ([self.params], [self.grads], [self.exp_avg], [self.exp_avg_sq])
            return [(AdamPart(whole, self.adam_g), self.counters[0])]
        parts = []
        for i, settings in enumerate((self.adam_g, self.adam_d)):
            p, g, m, v = (self.segments(t)[i] for t in buffers)
            parts.append((AdamPart(([p], [g], [m], [v]), settings), self.counters[-1 if i else 0]))
        return parts

    def fill_counters(self) -> None:
        """Set the counters to the players' step counts (before a run's steps, each of which
        adds one to every counter)."""
        for counter, steps in zip(self.counters, self.adam_steps, strict=False):  # G's, D's
            counter.fill_(steps)

    def block(self, flat: torch.Tensor, layer: int) -> torch.Tensor:
        """Layer `layer`'s (out × in+1) block [W | b] of a flat buffer (G's layers, then D's)."""
        shape = (self.layers[layer].out_features, self.layers[layer].in_features + 1)
        start = self.starts[layer]
        return flat[start : start + self.sizes[layer]].view(shape)

    def blocks(self, flat: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """G's blocks and D's blocks of a flat buffer, input layer first."""
        every = [self.block(flat, layer) for layer in range(len(self.layers))]
        return every[: self.n_g_layers], every[self.n_g_layers :]

    def views(self, flat: torch.Tensor, layers: int | None = None) -> list[torch.Tensor]:
        """Views shaped like the parameters (W1, b1, W2, b2, ... of G, then D's), in module
        order; of the first `layers` layers only when given (G's, for a G-sized buffer)."""
        out = []
        for layer in range(len(self.layers) if layers is None else layers):
            block = self.block(flat, layer)
            out += [block[:, :-1], block[:, -1]]
        return out

    def ema_pair(self) -> tuple[list[torch.Tensor], list[torch.Tensor]] | None:
        """(the EMA buffer, G's part of `params`) for ema_step: one lerp over the whole
        average (None when the run keeps no EMA)."""
        return None if self.ema is None else ([self.ema], [self.params[: self.n_g]])

    def segments(self, flat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(G's part, D's part) of a flat buffer."""
        return flat[: self.n_g], flat[self.n_g :]

    # -- moving values between the buffers and the modules/optimizers ---------------------------
    def load(self) -> None:
        """Copy the state's parameters and Adam moments in (zeros where Adam has none yet).

        Skipped when nothing touched them since store() (same tensors, same version counters),
        which is every run but the first unless a checkpoint was loaded in between.
        """
        if self._fingerprint() == self._stored:
            return
        g_steps, d_steps = (self._adam_step_of(opt, params) for opt, params in self._players())
        if self.lead is not None and d_steps - g_steps != self.lead:
            raise NotApplicable("a single player's update changed Adam's counts: a new engine")
        self.adam_steps = (g_steps, d_steps)
        n_g = len(self.g_params)
        with torch.no_grad():
            torch._foreach_copy_(self._views["params"], self.all_params)
            for name in ("exp_avg", "exp_avg_sq"):
                views = self._views[name]
                players = zip(self._players(), self.adam_steps, (views[:n_g], views[n_g:]),
                              self.segments(getattr(self, name)), strict=True)  # fmt: skip
                for (opt, params), count, own_views, segment in players:
                    if count:
                        torch._foreach_copy_(own_views, [opt.state[p][name] for p in params])
                    else:
                        segment.zero_()
            if self.ema_params:
                torch._foreach_copy_(self._ema_views, self.ema_params)

    def store(self, steps_taken: int) -> None:
        """After `steps_taken` Adam steps in the buffers: write parameters and the state Adam
        would have back, so checkpoints and the reference engine carry on from here."""
        self.adam_steps = (self.adam_steps[0] + steps_taken, self.adam_steps[1] + steps_taken)
        for opt, params in self._players():
            for p in params:
                if "step" not in opt.state[p]:
                    opt.state[p].update(fresh_state(opt.param_groups[0], p))
        with torch.no_grad():
            torch._foreach_copy_(self.all_params, self._views["params"])
            if self.ema_params:
                torch._foreach_copy_(self.ema_params, self._ema_views)
            for name in ("exp_avg", "exp_avg_sq"):
                torch._foreach_copy_(self._state_tensors(name), self._views[name])
            for (opt, params), count in zip(self._players(), self.adam_steps, strict=True):
                steps = [opt.state[p]["step"] for p in params]
                torch._foreach_copy_(steps, [self._step_value(t, count) for t in steps])
        self._stored = self._fingerprint()

    def _step_value(self, like: torch.Tensor, count: int) -> torch.Tensor:
        if like.device not in self._step_values:
            self._step_values[like.device] = torch.zeros((), device=like.device)
        return self._step_values[like.device].fill_(count)

    def _players(self) -> list[tuple[AdamState, list[torch.Tensor]]]:
        return [(self.state.opt_G, self.g_params), (self.state.opt_D, self.d_params)]

    def _state_tensors(self, name: str) -> list[torch.Tensor]:
        return [opt.state[p][name] for opt, params in self._players() for p in params]

    def _fingerprint(self) -> list[tuple[int, int]]:
        """Which tensors hold the state, and how often each was written in place."""
        tensors = list(self.all_params) + self.ema_params
        for opt, params in self._players():
            tensors += [t for p in params for t in opt.state.get(p, {}).values()]
        return [(id(t), t._version) for t in tensors]

    @staticmethod
    def _adam_step_of(opt: AdamState, params: list[torch.Tensor]) -> int:
        """Steps Adam has taken: 0 for a fresh optimizer; every parameter must agree."""
        steps = {int(opt.state[p]["step"]) if p in opt.state else 0 for p in params}
        if len(steps) != 1:
            raise NotApplicable("the optimizer's parameters are at different Adam steps")
        return steps.pop()
