"""TrainState: everything that determines the rest of a run (models, optimizers, step, RNGs)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.engines.adam import AdamState
from toygan_tui.core.engines.ema import new_ema
from toygan_tui.core.errors import DeviceError
from toygan_tui.core.losses import Loss
from toygan_tui.core.nets.build import make_discriminator, make_generator, placed
from toygan_tui.core.problems import Problem
from toygan_tui.core.world import World


@dataclass
class TrainState:
    cfg: TrainConfig
    device: torch.device
    G: nn.Sequential
    D: nn.Sequential
    opt_G: AdamState  # torch.optim.Adam's state; the reference engine steps it with torch's Adam
    opt_D: AdamState
    noise_gen: torch.Generator  # z for G (and wgan-gp's ε), on the device
    data_rng: np.random.RandomState | None  # real samples on the CPU (the tutorial's numpy stream)
    data_gen: torch.Generator | None  # real samples off the CPU, drawn on the device
    step: int = 0
    elapsed: float = 0.0  # seconds spent training in earlier sessions of this run
    events: int = 0  # what the keys changed so far (core/training/lab.py: events.jsonl's lines)
    g_ema: nn.Module | None = None  # the EMA of G's weights (core/engines/ema.py), if cfg.ema
    world: World | None = None  # the torchrun job this process trains in (None: alone)

    def __post_init__(self) -> None:
        # Parameters on "cuda" report "cuda:0", and torch.device("cuda") != "cuda:0": a state
        # on an unindexed CUDA device would fail every device check of the fast engine.
        if self.device.type == "cuda" and self.device.index is None:
            raise ValueError(f"TrainState needs an indexed CUDA device, not {self.device}")

    @functools.cached_property
    def problem(self) -> Problem:
        """The config's problem, built once per run."""
        return self.cfg.the_problem

    @functools.cached_property
    def loss(self) -> Loss:
        return self.cfg.the_loss

    @property
    def x(self) -> np.ndarray:
        """Where a curve's points are drawn (empty for a problem not drawn as curves)."""
        return self.problem.x

    def real_batch(self) -> torch.Tensor:
        """The next batch of real samples, from this run's own data stream."""
        return self.real_batch_with_labels()[0]

    def real_batch_with_labels(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The next real batch and its labels as a float column (None if unconditional)."""
        n = self.cfg.batch_size
        if self.data_rng is not None:
            # The tutorial's artist_works(): float64 numpy maths, then a float32 tensor.
            samples, labels = self.problem.real_batch(self.data_rng, n)
            real = torch.from_numpy(samples).float().to(self.device)
            column = None if labels is None else torch.from_numpy(labels).float()[:, None]
            return real, None if column is None else column.to(self.device)
        # Off the CPU: the same distribution drawn on the device, with no host round trip.
        assert self.data_gen is not None
        real, classes = self.problem.real_batch_torch(self.data_gen, n, self.device)
        return real, None if classes is None else classes.float()[:, None]

    def noise(self, n: int) -> torch.Tensor:
        """The next n noise vectors ("ideas") for G."""
        return torch.randn(n, self.problem.noise_dim, generator=self.noise_gen, device=self.device)

    def uniform(self, n: int) -> torch.Tensor:
        """n draws of U(0, 1) from the noise stream, one per sample (wgan-gp's ε)."""
        return torch.rand(n, 1, generator=self.noise_gen, device=self.device)


def resolve_device(name: str) -> torch.device:
    """auto → cuda, then mps, then cpu; an explicit device must exist, else DeviceError.
    A CUDA device always comes back with its index (`cuda` is the current GPU, `cuda:0`)."""
    if name == "auto":
        if torch.cuda.is_available():
            return indexed(torch.device("cuda"))
        return torch.device("mps" if _mps_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(
                "--device cuda: CUDA is not available here (no GPU, or a CPU-only torch); "
                "use --device cpu"
            )
        index = device.index or 0
        if index >= torch.cuda.device_count():
            count = torch.cuda.device_count()
            raise DeviceError(f"--device {name}: there is no such GPU (this machine has {count})")
    if device.type == "mps" and not _mps_available():
        raise DeviceError(
            "--device mps: Apple's MPS backend is not available here; use --device cpu"
        )
    return indexed(device)


def indexed(device: torch.device) -> torch.device:
    """`cuda` as the GPU it means (`cuda:N`, N the current GPU); other devices as they are."""
    if device.type == "cuda" and device.index is None:
        return torch.device("cuda", torch.cuda.current_device())
    return device


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())


def new_state(cfg: TrainConfig, device: torch.device) -> TrainState:
    """A fresh run, drawing from the same random streams as the tutorial on the CPU.

    The tutorial seeds torch's global RNG, builds G then D from it, and then draws every z
    from it; we do the same inside fork_rng so the caller's global RNG is left untouched.
    """
    device = indexed(device)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        G, D = make_generator(cfg), make_discriminator(cfg)
        cpu_stream = torch.get_rng_state()
    G, D = placed(G, device), placed(D, device)
    noise_gen = torch.Generator(device=device)
    data_rng, data_gen = None, None
    if device.type == "cpu":
        noise_gen.set_state(cpu_stream)
        data_rng = np.random.RandomState(cfg.seed)
    else:
        noise_gen.manual_seed(cfg.seed)
        data_gen = torch.Generator(device=device)
        data_gen.manual_seed(cfg.seed + 1)
    betas = (cfg.beta1, cfg.beta2)
    return TrainState(
        cfg=cfg,
        device=device,
        G=G,
        D=D,
        opt_G=AdamState(G.parameters(), lr=cfg.lr_g, betas=betas),
        opt_D=AdamState(D.parameters(), lr=cfg.lr_d, betas=betas),
        noise_gen=noise_gen,
        data_rng=data_rng,
        data_gen=data_gen,
        g_ema=new_ema(G) if cfg.ema else None,
    )
