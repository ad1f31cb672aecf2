"""The batched engine for sweeps: K runs of one shape (same problem, loss, nets, batch size and
device) trained together, each layer of every member one batched matmul, so a step of K small
GANs costs a few dozen torch calls instead of K times as many.

Member k takes the steps its own `toygan train` would: the same initial weights (its own
RunState), the same random draws (its own streams, drawn ahead in chunks exactly as the fast
CPU engine draws them: core/engines/numpy_cpu/streams.py), the reference's math up to float rounding
(tests/test_batched.py), its own Adam settings. run() copies the members' state in at its start
and back at its end, so each member can be checkpointed and evaluated as a single run.

Supported: every problem without labels, any depth, packing (--pack K: each member's D judges
its samples K at a time, as the reference packs them), the losses with a single backward (all
but wgan-gp), on a CPU; on another device the same code runs with per-member draws (untested here).
D's and G's dL/dlogit: the loss's own (numpy, on a CPU; autograd on its formulas elsewhere).
"""

from __future__ import annotations

import numpy as np
import torch

from toygan_tui.core.config import SHAPE_FIELDS
from toygan_tui.core.engines.batched.member_rows import MemberEma, MemberPlayers
from toygan_tui.core.engines.batched.stacked import StackedMLP
from toygan_tui.core.engines.contract import NotApplicable, RunState
from toygan_tui.core.engines.flat import require_private_ops
from toygan_tui.core.engines.numpy_cpu.streams import StreamDraws
from toygan_tui.core.losses import NUMPY_OPS, Loss, g_mirrors_d, torch_ops

# The options that fix a step's shape and math for the whole batch (the option table's SHAPE
# options); the rest are per member.
SHARED = SHAPE_FIELDS
DRAW_BYTES = 32 << 20  # the largest chunk of drawn inputs held at once (all members)
CPU_BLOCK = 16  # members stepped together on a CPU (see BatchedEngine)


class BatchedEngine:
    """Every member's steps, taken together; run() returns each member's last stats.

    On a CPU the members are stepped in blocks of CPU_BLOCK, each block all n steps at a time:
    a block's buffers stay in the CPU's caches, where all K members' would not (measured: K = 8
    ran ~1.5x as many model-steps/s as K = 64 in one block; at K = 64, blocks of 16 ran 3-10 %
    faster than blocks of 8, 12 or 32). A GPU takes them all at once.
    """

    def __init__(self, states: list[RunState]) -> None:
        check_batchable(states)
        self.states, self.name = states, f"batched (K={len(states)})"
        size = CPU_BLOCK if states[0].device.type == "cpu" else len(states)
        self.blocks = [Block(states[i : i + size]) for i in range(0, len(states), size)]

    def run(self, n: int) -> list[torch.Tensor]:
        """Take n steps of every member; return each one's [loss stats] of the last step."""
        if len({s.step for s in self.states}) != 1:
            raise NotApplicable("the members are at different steps")
        return [stats for block in self.blocks for stats in block.run(n)]


class Block:
    """Members stepped as one batch: stacked buffers, their streams, their Adam."""

    def __init__(self, states: list[RunState]) -> None:
        first = states[0]
        cfg, problem, device = first.cfg, first.problem, first.device
        self.states, self.loss = states, first.loss
        K, B, k = len(states), cfg.batch_size, cfg.pack
        self.pack, n = k, B // k  # n: D's inputs a side (B/K packed ones)
        self.G = StackedMLP([s.G for s in states], B, device)
        self.D = StackedMLP([s.D for s in states], 2 * n, device)
        self.players = [
            MemberPlayers(self.G, [s.opt_G for s in states]),
            MemberPlayers(self.D, [s.opt_D for s in states]),
        ]
        keeps_ema = any(s.g_ema is not None for s in states)
        self.ema = MemberEma(self.G, states) if keeps_ema else None
        # D's input, batch last: real | fake (packed: K samples' values a column)
        self.XT = torch.zeros(K, k * problem.out_dim, 2 * n, device=device)
        self.draws = Draws(states)
        self.logit_grads = BlockLogitGrads(self.loss, K, n, device)
        self.mirror = g_mirrors_d(self.loss)  # G's dL/dlogit is minus D's: reuse D's backward
        self.adam_steps = 0

    def run(self, n: int) -> list[torch.Tensor]:
        """Take n steps of every member of the block; return each one's last stats."""
        self._load()
        done = 0
        # A diverging member overflows quietly, as a single run does; the trainer checks losses.
        while done < n:
            z, reals = self.draws.next(n - done)
            for i in range(len(z)):
                self._step(z[i], reals[i])
            done += len(z)
        for player in self.players:
            player.store(self.adam_steps)
        if self.ema is not None:
            self.ema.store()
        for state in self.states:
            state.step += n
        return self.stats()

    def _load(self) -> None:
        steps = {p.adam_steps() for p in self.players}
        if len(steps) != 1 or len({s.step for s in self.states}) != 1:
            raise NotApplicable("the members are at different steps")
        self.adam_steps = steps.pop()
        for player in self.players:
            player.load(self.adam_steps)
        if self.ema is not None:
            self.ema.load()

    def _step(self, z: torch.Tensor, real: torch.Tensor) -> None:
        """One step of every member: G against the old D, D on the fakes made before G's step
        (the reference's order, core/engines/autograd/step.py), then both players' Adam. Inputs are
        laid batch last: zᵀ (K × noise × batch), D's [real | fake] (K × out × 2·batch); packed,
        K × k·out × 2·batch/k, member by member as the reference's reshape packs them."""
        XT, zT, k = self.XT, z.transpose(1, 2), self.pack
        n = real.shape[1] // k
        XT[:, :, :n].copy_(_packed(real, k).transpose(1, 2))
        fakes = self.G.forward(zT)  # K × out × batch
        XT[:, :, n:].copy_(fakes if k == 1 else _packed(fakes.transpose(1, 2), k).transpose(1, 2))
        logits = self.D.forward(XT)[:, 0]
        dl, gl = self.logit_grads(logits)
        delta = self.D.backward(XT, dl[:, None])
        if self.mirror:
            d_fake = self.D.input_grad(0, delta.columns(slice(n, 2 * n))).neg_()
        else:
            d_fake = self.D.backprop_to_input(gl[:, None], slice(n, 2 * n))
        if k > 1:  # K × k·out × n → each sample's own column: K × out × batch
            d_fake = d_fake.transpose(1, 2).reshape(len(d_fake), -1, fakes.shape[1])
            d_fake = d_fake.transpose(1, 2)
        self.G.backward(zT, d_fake)
        self.adam_steps += 1
        for player in self.players:
            player.adam_step.fill_(self.adam_steps)
            player.adam()
        if self.ema is not None:  # after G's update, as every engine does
            self.ema.step(self.G.params)

    def stats(self) -> list[torch.Tensor]:
        """Each member's stats of the last step, from its logits with the loss's numpy formulas
        (as the fast CPU engine computes them)."""
        logits = self.D.outs[-1][:, 0].detach().cpu().numpy()
        B, out = logits.shape[1] // 2, []
        with np.errstate(all="ignore"):
            for row in logits:
                real, fake = row[:B], row[B:]
                losses = self.loss.d_loss(real, fake, NUMPY_OPS), self.loss.g_loss(fake, NUMPY_OPS)
                values = self.loss.report(*losses, real, fake, NUMPY_OPS)
                out.append(torch.tensor([float(v) for v in values], dtype=torch.float32))
        return out


def _packed(x: torch.Tensor, k: int) -> torch.Tensor:
    """Each member's samples (K × batch × out) packed k at a time: K × batch/k × k·out."""
    return x if k == 1 else x.reshape(x.shape[0], x.shape[1] // k, k * x.shape[2])


def check_batchable(states: list[RunState]) -> None:
    """NotApplicable (one line) unless these runs can be one batch."""
    if not states:
        raise NotApplicable("a batch needs at least one member")
    first = states[0]
    for name in SHARED:
        values = {getattr(s.cfg, name) for s in states}
        if len(values) > 1:
            raise NotApplicable(f"the members differ in {name} ({', '.join(map(str, values))})")
    if len({s.device for s in states}) > 1:
        raise NotApplicable("the members are on different devices")
    if len({id(s) for s in states}) < len(states):
        raise NotApplicable("a member appears twice")
    loss = first.loss
    if loss.gp_weight or first.cfg.n_critic != 1 or first.cfg.gp_weight:
        raise NotApplicable(f"the batched engine does not run {loss.name} (a double backward)")
    if first.problem.cond_dim:
        raise NotApplicable("the batched engine has no label inputs (a conditional problem)")
    require_private_ops(first.device)


class Draws:
    """Every member's next steps of noise and real samples, from its own streams, stacked as
    (steps × K × batch × dim). On a CPU each member draws a chunk at once where that equals
    drawing step by step (StreamDraws' probe); elsewhere one step at a time."""

    def __init__(self, states: list[RunState]) -> None:
        first, K = states[0], len(states)
        self.states, B = states, first.cfg.batch_size
        Z, P = first.problem.noise_dim, first.problem.out_dim
        on_cpu = first.device.type == "cpu" and all(s.data_rng is not None for s in states)
        self.streams = [StreamDraws(s) for s in states] if on_cpu else None
        chunk = min(s.chunk for s in self.streams) if self.streams else 1
        self.chunk = max(1, min(chunk, DRAW_BYTES // (4 * K * B * (Z + P))))
        self.z = torch.zeros(self.chunk, K, B, Z, device=first.device)
        self.reals = torch.zeros(self.chunk, K, B, P, device=first.device)

    def next(self, left: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The next k ≤ left steps' inputs (views of reused buffers)."""
        k = min(left, self.chunk)
        z, reals = self.z[:k], self.reals[:k]
        if self.streams is None:
            for m, state in enumerate(self.states):
                reals[0, m] = state.real_batch_with_labels()[0]
                z[0, m] = state.noise(state.cfg.batch_size)
            return z, reals
        for m, stream in enumerate(self.streams):
            z[:, m] = stream.noise(k).view(k, *z.shape[2:])
            reals[:, m] = torch.from_numpy(stream.reals(k)[0]).view(k, *reals.shape[2:])
        return z, reals


class BlockLogitGrads:
    """dL/dlogit per sample of D's loss on [real; fake] and of G's loss on the fakes, each
    member's as its own run takes it. On a CPU: the loss's own dL/dlogit in numpy (as the fast
    CPU engine; a dozen numpy calls on K × 2·batch logits). Elsewhere: autograd on the loss's
    formulas, which average over all K·batch logits, so they are scaled by K to give each
    member its own mean's."""

    def __init__(self, loss: Loss, K: int, B: int, device: torch.device) -> None:
        self.loss, self.scale, self.B = loss, float(K), B
        self.ops = torch_ops()
        self.mirror = g_mirrors_d(loss)
        self.on_cpu = device.type == "cpu" and loss.logit_grads is not None
        self.dl = torch.zeros(K, 2 * B, device=device)
        self.gl = torch.zeros(K, B, device=device)

    def __call__(self, logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(D's dL/dlogit, K × 2·batch; G's on the fakes, K × batch: unused when mirrored)."""
        if self.on_cpu:
            return self._numpy(logits)
        B, ops = self.B, self.ops
        with torch.enable_grad():
            both = logits.detach().requires_grad_()
            fakes = logits[:, B:].detach().requires_grad_()
            total = self.loss.d_loss(both[:, :B], both[:, B:], ops) * self.scale
            total = total + self.loss.g_loss(fakes, ops) * self.scale
            dl, gl = torch.autograd.grad(total, (both, fakes))
        return dl, gl

    def _numpy(self, logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        assert self.loss.logit_grads is not None
        B, inv_b = self.B, np.float32(1 / self.B)
        values = logits.detach().numpy()
        dl, gl = self.dl.numpy(), self.gl.numpy()
        with np.errstate(all="ignore"):
            d_real, d_fake, g_fake = self.loss.logit_grads(values[:, :B], values[:, B:])
            np.multiply(d_real, inv_b, out=dl[:, :B])
            np.multiply(d_fake, inv_b, out=dl[:, B:])
            np.multiply(g_fake, inv_b, out=gl)
        return self.dl, self.gl
