"""The data-parallel engine of a torchrun job: the reference step on a shard of each batch,
with each player's gradients averaged over the ranks before its Adam step.

Why not DistributedDataParallel: DDP reduces a module's gradients in hooks fired by the
backward of its forward, once per iteration. The GAN step fights that: D runs forward three
times per step (on G's fakes for G's loss, whose backward must not touch D's gradients, then on
real and fake for D's own loss), wgan-gp's penalty takes a double backward through D, and the
n_critic extra steps update D alone. An explicit all-reduce of each player's gradients, just
before its optimizer steps, is the same arithmetic DDP does, at the one place it is right.

Every rank draws the whole global batch from the same streams (the same seed, the same state
from rank 0) and keeps its slice: the shards' mean gradients, averaged, are the 1-process
gradient of the whole batch to float rounding, and every rank takes the same Adam step. So a
job of N processes is the 1-process run, and a checkpoint resumes with any number of them.
BatchNorm layers see their own shard's statistics (as under DDP without SyncBatchNorm).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist

from toygan_tui.core.engines.autograd.reference import ReferenceEngine
from toygan_tui.core.engines.autograd.step import Batch, Optimizer, Players
from toygan_tui.core.engines.contract import RunState
from toygan_tui.core.engines.data_parallel.collectives import mean_over_ranks
from toygan_tui.core.world import World


class MeanGradients:
    """An optimizer whose step first averages its parameters' gradients over the ranks: one
    all-reduce of them all, flattened, per step."""

    def __init__(self, opt: Optimizer, params: list[torch.nn.Parameter]) -> None:
        self.opt, self.params = opt, params

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.opt.zero_grad(set_to_none=set_to_none)

    def step(self) -> Any:
        grads = [p.grad for p in self.params if p.grad is not None]
        flat = mean_over_ranks(torch.cat([grad.reshape(-1) for grad in grads]))
        for grad, mean in zip(grads, flat.split([g.numel() for g in grads]), strict=True):
            grad.copy_(mean.view_as(grad))
        return self.opt.step()


class DataParallelEngine(ReferenceEngine):
    def __init__(self, state: RunState, world: World) -> None:
        super().__init__(state)
        n, size = state.cfg.batch_size, world.size
        self.share = slice(world.rank * n // size, (world.rank + 1) * n // size)
        G, D, opt_G, opt_D = self.players.G, self.players.D, self.players.opt_G, self.players.opt_D
        self.players = Players(
            G,
            D,
            MeanGradients(opt_G, list(G.parameters())),
            MeanGradients(opt_D, list(D.parameters())),
            self.players.pack,
        )
        self.name = f"reference ×{size} {dist.get_backend()}"

    def run(self, n: int) -> torch.Tensor:
        """n steps; the loss's stats of the last, averaged over the ranks (the whole batch's)."""
        return mean_over_ranks(super().run(n).to(self.state.device))

    def _batch(self) -> Batch:
        whole, share = super()._batch(), self.share
        return Batch(
            whole.real[share],
            None if whole.labels is None else whole.labels[share],
            whole.z[share],
            None if whole.eps is None else whole.eps[share],
            None if whole.shifts is None else whole.shifts.share(share),
        )
