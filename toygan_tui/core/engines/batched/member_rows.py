"""The batched engine's link to each member's own run: its player's parameters and Adam moments
copied into the stacked buffers' row at the start of run() and back at its end (so checkpoints
and every single-run reader see each member as its own `toygan train` would leave it), and
Adam itself, with each member's own settings.

Adam is torch's fused kernel (the fast engines' too), one call per distinct setting over the
rows that share it, each run of consecutive rows passed as one tensor: a seed sweep is one call
over one tensor per player whatever K is, and a grid over learning rates one call per rate.
Measured at K = 64 on the CPU: 0.38 ms a step, where the same update written as ~10 broadcast
ops over (K × n) with per-member coefficient tensors took 0.91 ms (and one tensor per block of
16 rows takes 15 µs where 16 row tensors took 20 µs).
"""

from __future__ import annotations

from collections import defaultdict

import torch

from toygan_tui.core.engines.adam import AdamState, fresh_state
from toygan_tui.core.engines.batched.stacked import StackedMLP
from toygan_tui.core.engines.contract import NotApplicable, RunState
from toygan_tui.core.engines.flat import AdamPart, AdamSettings, adam_settings


class MemberPlayers:
    """One player (G or D) of every member: its stacked buffers, optimizers and Adam calls."""

    def __init__(self, stacked: StackedMLP, opts: list[AdamState]) -> None:
        self.stacked, self.opts = stacked, opts
        self.params: list[list[torch.Tensor]] = [list(m.parameters()) for m in stacked.models]
        settings = [adam_settings(opt, p) for opt, p in zip(opts, self.params, strict=True)]
        if any(p.dtype != torch.float32 for ps in self.params for p in ps):
            raise NotApplicable("the batched engine needs float32 parameters")
        self.adam_step = torch.zeros((), device=stacked.params.device)
        self.parts = self._adam_parts(settings)
        self.rows = {
            name: stacked.member_views(getattr(stacked, name))
            for name in ("params", "exp_avg", "exp_avg_sq")
        }

    def _adam_parts(self, settings: list[AdamSettings]) -> list[tuple[AdamPart, list]]:
        rows_of: dict[AdamSettings, list[int]] = defaultdict(list)
        for k, s in enumerate(settings):
            rows_of[s].append(k)
        parts = []
        for s, rows in rows_of.items():
            runs = _consecutive(rows)  # one tensor per run of rows: less per-tensor work
            tensors = tuple(
                [getattr(self.stacked, name)[start:stop] for start, stop in runs]
                for name in ("params", "grads", "exp_avg", "exp_avg_sq")
            )
            parts.append((AdamPart(tensors, s), [self.adam_step] * len(runs)))  # type: ignore[arg-type]
        return parts

    def adam(self) -> None:
        """One Adam update of every member (the step count is advanced by the caller)."""
        for part, steps in self.parts:
            part.step(steps)

    def adam_steps(self) -> int:
        """Adam steps the members' optimizers have taken: one count for all, else NotApplicable."""
        steps = {
            int(opt.state[p]["step"]) if p in opt.state else 0
            for opt, params in zip(self.opts, self.params, strict=True)
            for p in params
        }
        if len(steps) != 1:
            raise NotApplicable("the members' optimizers are at different Adam steps")
        return steps.pop()

    def load(self, adam_steps: int) -> None:
        """Copy every member's parameters and moments into the rows (zeros before Adam's first
        step)."""
        with torch.no_grad():
            torch._foreach_copy_(self.rows["params"], self._flat(self.params))
            for name in ("exp_avg", "exp_avg_sq"):
                if adam_steps:
                    torch._foreach_copy_(self.rows[name], self._moments(name))
                else:
                    getattr(self.stacked, name).zero_()

    def store(self, adam_steps: int) -> None:
        """Write the rows back: parameters, and the state torch's Adam would hold after
        `adam_steps` steps."""
        for opt, params in zip(self.opts, self.params, strict=True):
            for p in params:
                if "step" not in opt.state[p]:
                    opt.state[p].update(fresh_state(opt.param_groups[0], p))
        with torch.no_grad():
            torch._foreach_copy_(self._flat(self.params), self.rows["params"])
            for name in ("exp_avg", "exp_avg_sq"):
                torch._foreach_copy_(self._moments(name), self.rows[name])
            for opt, params in zip(self.opts, self.params, strict=True):
                for p in params:
                    opt.state[p]["step"].fill_(adam_steps)

    def _moments(self, name: str) -> list[torch.Tensor]:
        return [
            opt.state[p][name] for opt, ps in zip(self.opts, self.params, strict=True) for p in ps
        ]

    @staticmethod
    def _flat(nested: list[list[torch.Tensor]]) -> list[torch.Tensor]:
        return [t for ts in nested for t in ts]


def _consecutive(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (start, stop) runs: [0, 1, 2, 5] → [(0, 3), (5, 6)]."""
    runs: list[tuple[int, int]] = []
    for k in rows:
        if runs and runs[-1][1] == k:
            runs[-1] = (runs[-1][0], k + 1)
        else:
            runs.append((k, k + 1))
    return runs


class MemberEma:
    """The EMA of G (core/engines/ema.py) of the members that keep one, stacked like G's
    parameters: its update, ema ← lerp(ema, g, 1 − decay), is one lerp over all members with
    each member's own 1 − decay (0 for a member without an average: its row stands still)."""

    def __init__(self, G: StackedMLP, states: list[RunState]) -> None:
        self.buffer = torch.zeros_like(G.params)
        weights = [1.0 - s.cfg.ema if s.g_ema is not None else 0.0 for s in states]
        self.weight = torch.tensor(weights, dtype=torch.float32, device=G.params.device)[:, None]
        views, per = G.member_views(self.buffer), len(G.layers) * 2
        keeping = [k for k, s in enumerate(states) if s.g_ema is not None]
        self.rows = [v for k in keeping for v in views[k * per : (k + 1) * per]]
        self.averages = [p for k in keeping for p in states[k].g_ema.parameters()]  # type: ignore[union-attr]

    def load(self) -> None:
        with torch.no_grad():
            torch._foreach_copy_(self.rows, self.averages)

    def store(self) -> None:
        with torch.no_grad():
            torch._foreach_copy_(self.averages, self.rows)

    def step(self, params: torch.Tensor) -> None:
        """One update after every member's G update (params: G's stacked parameters)."""
        self.buffer.lerp_(params, self.weight)
