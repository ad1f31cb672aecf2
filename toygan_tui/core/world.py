"""Which process of a torchrun job this is, read from the environment torchrun sets.

`torchrun --nproc-per-node N -m toygan_tui train ...` starts N copies of `toygan train`, each
with RANK, WORLD_SIZE and LOCAL_RANK set. A plain `toygan train` has none of them and runs as
before; a job of one process (WORLD_SIZE=1) is a plain run too. Torch-free: the command decides
here, before torch loads, whether this process draws the dashboard (rank 0) or trains quietly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from toygan_tui.core.errors import InputError

ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK")


@dataclass(frozen=True)
class World:
    rank: int  # this process's place in the job: 0 draws the dashboard and writes runs/
    size: int  # processes in the job, over every machine
    local_rank: int  # its place on this machine: the GPU it takes
    local_size: int = 0  # processes on this machine (torchrun's --nproc-per-node); 0: size

    @property
    def per_machine(self) -> int:
        return self.local_size or self.size

    @property
    def leader(self) -> bool:
        return self.rank == 0


def world_from_env(environ: Mapping[str, str] | None = None) -> World | None:
    """The job this process belongs to, or None for a plain run (or a job of one)."""
    env = os.environ if environ is None else environ
    if "WORLD_SIZE" not in env:
        return None
    names = (*ENV, "LOCAL_WORLD_SIZE")
    try:
        rank, size, local, per_machine = (int(env.get(name, "0")) for name in names)
    except ValueError:
        raise InputError(f"torchrun's {'/'.join(names)} are not whole numbers") from None
    if size < 1 or not 0 <= rank < size or local < 0:
        raise InputError(f"torchrun's RANK {rank} does not fit WORLD_SIZE {size}")
    return World(rank, size, local, per_machine) if size > 1 else None


def check_job(world: World, *, batch_size: int, engine: str, device: str, pack: int = 1) -> None:
    """Refuse, in one line, a run a torchrun job cannot train as asked."""
    if engine == "fast":
        raise InputError(
            "--engine fast: under torchrun every process runs the reference step, with its "
            "gradients averaged over the processes; use --engine auto or reference"
        )
    if batch_size % world.size:
        raise InputError(
            f"--batch-size {batch_size} does not split into {world.size} equal shards "
            f"(one per process); use a multiple of {world.size}"
        )
    if (batch_size // world.size) % pack:
        raise InputError(
            f"--pack {pack}: each process's {batch_size // world.size} samples must be whole "
            f"packs; use a --batch-size that is a multiple of {pack * world.size}"
        )
    if device not in ("auto", "cpu", "cuda"):
        raise InputError(
            f"--device {device}: under torchrun each process takes the GPU of its LOCAL_RANK; "
            f"use --device cuda, cpu or auto"
        )
