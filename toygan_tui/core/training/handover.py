"""A torchrun job's start: rank 0 hands the state every rank starts from to the others.

Rank 0 alone reads and writes runs/ (the checkpoint it resumes from, the files it writes); the
other ranks get the whole TrainState from it at the start, as checkpoint bytes over the process
group, so a resumed job needs the run directory on rank 0's machine only.
"""

from __future__ import annotations

import io
from pathlib import Path

import torch

from toygan_tui.core.engines.data_parallel.collectives import broadcast_bytes
from toygan_tui.core.training.checkpoint import config_of, restore_state
from toygan_tui.core.training.state import TrainState
from toygan_tui.core.world import World


def share_state(data: bytes) -> None:
    """Rank 0: send the checkpoint bytes of the state every rank starts from."""
    broadcast_bytes(data)


def receive_state(device: torch.device, world: World) -> TrainState:
    """Ranks 1…: the state rank 0 starts from, on this rank's device."""
    data = torch.load(io.BytesIO(broadcast_bytes(None)), map_location="cpu", weights_only=True)
    origin = Path("<rank 0>")
    state = restore_state(origin, config_of(origin, data), device, data)
    state.world = world
    return state
