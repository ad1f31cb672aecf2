"""What every engine meets, and what it may read of a run: the engines' side of the seam.

An engine advances the state of one run (`Engine`) or of many runs stepped as one
(`GroupEngine`); it either supports a run or raises `NotApplicable` with one line saying why,
and `--engine auto` then takes the next one (core/engines/factory.py). Engines see a run only
through `RunState`: the training package's TrainState meets it, and no engine imports the
training package (so the import graph has no circle between the two).

Every engine takes the reference's steps (core/engines/autograd/): the same random draws, the
same math to float rounding; after run(n) returns, the state's modules, optimizers, RNG
streams and step are exactly those after the n steps (so a checkpoint may be written at once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    import torch
    from torch import nn

    from toygan_tui.core.config import TrainConfig
    from toygan_tui.core.engines.adam import AdamState
    from toygan_tui.core.losses import Loss
    from toygan_tui.core.problems import Problem
    from toygan_tui.core.world import World


class NotApplicable(Exception):
    """An engine cannot reproduce the reference for this run; the message says why, in one line."""


class RunState(Protocol):
    """The state of one run, as an engine reads and advances it."""

    step: int  # steps taken: an engine adds the steps it takes
    noise_gen: torch.Generator  # z for G (and wgan-gp's ε, augment's shifts)
    data_gen: torch.Generator | None  # real samples drawn on a device (None on a CPU)

    @property
    def cfg(self) -> TrainConfig: ...

    @property
    def problem(self) -> Problem: ...  # the run's problem, built once

    @property
    def loss(self) -> Loss: ...  # the run's loss

    @property
    def device(self) -> torch.device: ...

    @property
    def G(self) -> nn.Module: ...

    @property
    def D(self) -> nn.Module: ...

    @property
    def opt_G(self) -> AdamState: ...  # Adam's state in torch.optim.Adam's layout

    @property
    def opt_D(self) -> AdamState: ...

    @property
    def g_ema(self) -> nn.Module | None: ...  # the EMA of G's weights, where the run keeps one

    @property
    def data_rng(self) -> np.random.RandomState | None: ...  # real samples on a CPU

    @property
    def world(self) -> World | None: ...  # the torchrun job the run trains in (None: alone)

    def real_batch_with_labels(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The next real batch and its labels as a float column (None if unconditional)."""
        ...

    def noise(self, n: int) -> torch.Tensor:
        """The next n noise vectors for G."""
        ...

    def uniform(self, n: int) -> torch.Tensor:
        """n draws of U(0, 1) from the noise stream (wgan-gp's ε)."""
        ...


class Engine(Protocol):
    """Advances one run's state."""

    name: str  # what the dashboard's header says (the CUDA engine's may say why it is eager)

    def run(self, n: int) -> torch.Tensor:
        """Take n steps; return the loss's stats of the last (may be unsynced)."""
        ...


class GroupEngine(Protocol):
    """Advances many runs' states together; each member's as its own run's Engine would."""

    name: str

    def run(self, n: int) -> list[torch.Tensor]:
        """Take n steps of every member; return each member's stats of the last step."""
        ...
