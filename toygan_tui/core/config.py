"""Every knob of a training run, in one frozen dataclass. Defaults are the tutorial's."""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any

from toygan_tui.core.errors import InputError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "cuda:N", "mps")
ENGINE_CHOICES = ("auto", "fast", "reference")


class ConfigError(InputError):
    """A knob has a value training cannot use; the message is one line for the user."""


@dataclass(frozen=True)
class TrainConfig:
    # -- the math: changing any of these changes the numbers a run produces ---------------
    seed: int = 1  # the tutorial's torch.manual_seed(1) / np.random.seed(1)
    batch_size: int = 64  # the tutorial's BATCH_SIZE: real and fake curves per step
    lr_g: float = 1e-4  # the tutorial's LR_G, Adam for the generator
    lr_d: float = 1e-4  # the tutorial's LR_D, Adam for the discriminator
    n_ideas: int = 5  # the tutorial's N_IDEAS: size of G's input noise z
    n_points: int = 15  # the tutorial's ART_COMPONENTS: points per curve on linspace(-1, 1)
    hidden: int = 128  # width of the one hidden layer of both G and D, as in the tutorial
    # -- how long ---------------------------------------------------------------------------
    steps: int = 10_000  # total steps of the run; a resumed run stops at the same total
    # -- where and how fast: these never change the math on a given device ------------------
    device: str = "auto"  # auto picks cuda, then mps, then cpu
    engine: str = "auto"  # auto: the fast engine where it applies, else the reference one
    threads: int = 1  # torch intra-op threads; one is fastest for a model this small
    # -- what the run reports and saves -----------------------------------------------------
    report_every: int = 50  # steps between snapshots (each one is a host sync on a GPU)
    save_every: int = 1000  # steps between checkpoints
    n_eval: int = 1000  # curves the quality measures are computed over, from a fixed noise batch
    n_show: int = 8  # curves of a fixed noise batch shown in the chart, so the same ones evolve
    eval_seed: int = 12345  # seed of the fixed noise batches; never touches the training stream

    def __post_init__(self) -> None:
        validate(self)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


# Adam's first step is lr / (1 − β1) = 10·lr, which must fit a float32 (3.4e38); any rate near
# this bound diverges at once anyway, which the run reports as divergence.
MAX_LR = 1e15

# Options that change the numbers of a run: a resumed run must keep them.
MATH_FIELDS = ("seed", "batch_size", "lr_g", "lr_d", "n_ideas", "n_points", "hidden")


def validate(cfg: TrainConfig) -> None:
    """Raise ConfigError with one readable line for the first value training cannot use."""
    positive_ints = ("steps", "batch_size", "n_ideas", "n_points", "hidden", "threads")
    for name in positive_ints + ("report_every", "save_every", "n_eval", "n_show"):
        value = getattr(cfg, name)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{_flag(name)} must be a whole number, got {value!r}")
        if value <= 0:
            raise ConfigError(f"{_flag(name)} must be positive, got {value}")
    for name in ("lr_g", "lr_d"):
        value = getattr(cfg, name)
        if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
            raise ConfigError(f"{_flag(name)} must be a positive finite number, got {value}")
        if value > MAX_LR:
            raise ConfigError(f"{_flag(name)} must be at most {MAX_LR:g}, got {value:g}")
    if cfg.engine not in ENGINE_CHOICES:
        raise ConfigError(
            f"--engine must be one of {', '.join(ENGINE_CHOICES)}, got {cfg.engine!r}"
        )
    check_device_name(cfg.device)


def check_device_name(name: str) -> None:
    """Accept auto, cpu, cuda, cuda:N, mps; whether the device exists is checked at training."""
    if re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", name):
        return
    raise ConfigError(f"--device must be one of {', '.join(DEVICE_CHOICES)}, got {name!r}")


def _flag(field: str) -> str:
    return "--" + field.replace("_", "-")
