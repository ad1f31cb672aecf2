"""The collectives of a torchrun job: joining it, broadcasting bytes from rank 0, agreeing on a
stop, averaging gradients. gloo on the CPU, nccl on a GPU (chosen from the device). A collective
that fails because a process of the job died is JobLost (one line for the user).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

import torch
import torch.distributed as dist

from toygan_tui.core.errors import DeviceError, JobLost
from toygan_tui.core.world import World


def join(world: World, device_name: str) -> torch.device:
    """This rank's device (GPU LOCAL_RANK under `cuda`/`auto` with CUDA, else the CPU), after
    joining the job's process group (nccl on a GPU, gloo on the CPU)."""
    device = _device_of(world, device_name)
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return device


def _device_of(world: World, name: str) -> torch.device:
    if name == "cpu" or (name == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise DeviceError("--device cuda: CUDA is not available here; use --device cpu")
    if world.local_rank >= torch.cuda.device_count():
        raise DeviceError(
            f"LOCAL_RANK {world.local_rank}: this machine has {torch.cuda.device_count()} GPUs; "
            f"start at most that many processes per machine"
        )
    return torch.device("cuda", world.local_rank)


def joined() -> bool:
    return dist.is_available() and dist.is_initialized()


def _wire() -> torch.device:
    """Where a collective's tensors live: nccl moves GPU tensors only."""
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def broadcast_bytes(data: bytes | None) -> bytes:
    wire = _wire()
    size = torch.tensor([0 if data is None else len(data)], dtype=torch.int64, device=wire)
    with lost_peers():
        dist.broadcast(size, src=0)
    if data is None:
        buffer = torch.empty(int(size.item()), dtype=torch.uint8, device=wire)
    else:
        buffer = torch.frombuffer(bytearray(data), dtype=torch.uint8).to(wire)
    with lost_peers():
        dist.broadcast(buffer, src=0)
    return data if data is not None else bytes(buffer.cpu().numpy())


def agree_stop(signum: int) -> int:
    """Every rank's stop request, agreed on: the largest signal number asked for (0: go on).
    Each rank calls it at the same step, so all stop there and the checkpoint is consistent."""
    flag = torch.tensor([signum], dtype=torch.int64, device=_wire())
    with lost_peers():
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return int(flag.item())


def mean_over_ranks(values: torch.Tensor) -> torch.Tensor:
    """The mean over the ranks of each rank's `values` (their shards' means: the batch's)."""
    wire = values.to(_wire(), copy=True)
    with lost_peers():
        dist.all_reduce(wire)
    return (wire / dist.get_world_size()).to(values.device)


@contextlib.contextmanager
def lost_peers() -> Iterator[None]:
    """A collective that fails (a process of the job died, or its connection) as JobLost."""
    try:
        yield
    except RuntimeError as exc:  # torch's DistBackendError and gloo's errors are RuntimeErrors
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        reason = re.sub(r"^\[[^\]]*\]\s*", "", first)[:160]  # gloo's "[source:line] " first
        raise JobLost(f"the torchrun job lost a process ({reason})") from None
