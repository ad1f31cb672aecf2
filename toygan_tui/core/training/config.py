"""Every knob of a training run, in one frozen dataclass. Defaults are the tutorial's.

A run's values come from four places, the later winning: the problem's defaults (its nets and
hyperparameters), the loss's published settings, the recipe's (core/recipes.py), and the
options the user typed (`resolve`). config.json and the checkpoint record the resolved values.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from toygan_tui.core.errors import InputError
from toygan_tui.core.losses import Loss, get_loss
from toygan_tui.core.problems import Problem, check_typed, problem_for
from toygan_tui.core.problems.base import missing_requirement
from toygan_tui.core.recipes import TUTORIAL, check_recipe

DEVICE_CHOICES = ("auto", "cpu", "cuda", "cuda:N", "mps")
ENGINE_CHOICES = ("auto", "fast", "reference")
D_NORMS = ("batch", "none")  # a DCGAN D's normalisation of its hidden layers


class ConfigError(InputError):
    """A knob has a value training cannot use; the message is one line for the user."""


@dataclass(frozen=True)
class TrainConfig:
    # -- the math: changing any of these changes the numbers a run produces ---------------
    problem: str = "curves"  # what G learns to draw (core/problems); curves is the tutorial's
    loss: str = "minimax"  # D's and G's objective (core/losses); minimax is the tutorial's
    seed: int = 1  # the tutorial's torch.manual_seed(1) / np.random.seed(1)
    batch_size: int = 64  # the tutorial's BATCH_SIZE: real and fake samples per step
    lr_g: float = 1e-4  # the tutorial's LR_G, Adam for the generator
    lr_d: float = 1e-4  # the tutorial's LR_D, Adam for the discriminator
    beta1: float = 0.9  # Adam's β1 for both players (torch's default, the tutorial's)
    beta2: float = 0.999  # Adam's β2 for both players
    hidden: int = 128  # width of every hidden layer of G and D, as in the tutorial
    depth: int = 1  # hidden layers of G and of D; the tutorial's nets have one
    n_critic: int = 1  # D updates per G update (wgan-gp's published setting is 5)
    gp_weight: float = 0.0  # weight λ of wgan-gp's gradient penalty (0: the loss has none)
    recipe: str = TUTORIAL.name  # the named option defaults the run started from (recipes.py)
    ema: float = 0.0  # decay of the EMA of G's weights kept beside G; 0: none is kept
    image_size: int = 64  # the side G's images have (--problem images; 64, the tutorial's)
    augment: int = 0  # image problems: D sees images shifted by up to this many pixels; 0: none
    d_norm: str = "batch"  # a DCGAN D's hidden normalisation: BatchNorm (DCGAN's) or none
    codes: int = 0  # DCGAN nets: InfoGAN's categorical code of K values (engines/codes.py); 0: none
    # -- the data: where a problem that reads files finds them --------------------------------
    data: str = ""  # --problem images: the folder of images (an absolute path)
    # -- how long ---------------------------------------------------------------------------
    steps: int = 10_000  # total steps of the run; a resumed run stops at the same total
    # -- where and how fast: these never change the math on a given device ------------------
    device: str = "auto"  # auto picks cuda, then mps, then cpu
    engine: str = "auto"  # auto: the fast engine where it applies, else the reference one
    threads: int = 1  # torch intra-op threads; one is fastest for a model this small
    # -- what the run reports and saves -----------------------------------------------------
    report_every: int = 50  # steps between snapshots (each one is a host sync on a GPU)
    save_every: int = 1000  # steps between checkpoints
    n_eval: int = 1000  # samples the quality measures are computed over, from fixed noise
    n_show: int = 8  # samples of a fixed noise batch shown in the view, so the same ones evolve
    eval_seed: int = 12345  # seed of the fixed noise batches; never touches the training stream

    def __post_init__(self) -> None:
        validate(self)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainConfig:
        """The config a dict describes; a key this toygan does not know is refused (a newer
        toygan's option silently dropped would train another run than the one asked for)."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"unknown option {unknown[0]!r} (written by a newer toygan?)")
        return cls(**data)

    @property
    def the_problem(self) -> Problem:
        return problem_for(self.problem, self.data, self.image_size)

    @property
    def the_loss(self) -> Loss:
        return get_loss(self.loss)


# Adam's first step is lr / (1 − β1) = 10·lr, which must fit a float32 (3.4e38); any rate near
# this bound diverges at once anyway, which the run reports as divergence.
MAX_LR = 1e15

# Options that change the numbers of a run: a resumed run must keep them.
MATH_FIELDS = (
    "problem", "loss", "seed", "batch_size", "lr_g", "lr_d", "beta1", "beta2", "hidden", "depth",
    "n_critic", "gp_weight", "recipe", "ema", "image_size", "augment",
    "d_norm", "codes",
)  # fmt: skip


def validate(cfg: TrainConfig) -> None:
    """Raise ConfigError with one readable line for the first value training cannot use.
    (Whether --data holds images is checked when a run starts: a run sampled elsewhere
    needs no folder.)"""
    problem = problem_for(cfg.problem, cfg.data, cfg.image_size)
    missing = missing_requirement(problem)
    if missing:
        raise ConfigError(missing)
    loss = get_loss(cfg.loss)
    positive_ints = ("steps", "batch_size", "hidden", "depth", "n_critic", "threads")
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
    for name in ("beta1", "beta2"):
        value = getattr(cfg, name)
        if not isinstance(value, (int, float)) or not 0 <= value < 1:
            raise ConfigError(f"{_flag(name)} must be in [0, 1), got {value}")
    if problem.nets != "mlp" and cfg.depth != problem.defaults.depth:
        raise ConfigError(
            f"--depth: {problem.name}'s {problem.nets} nets take their depth from the image size"
            f" ({problem.defaults.depth} at {'×'.join(map(str, problem.sample_shape[1:]))})"
        )
    gp = cfg.gp_weight
    if not isinstance(gp, (int, float)) or not math.isfinite(gp) or gp < 0:
        raise ConfigError(f"--gp-weight must be a finite number ≥ 0, got {gp}")
    if gp and not loss.gp_weight:
        raise ConfigError(f"--gp-weight applies to wgan-gp only; --loss {cfg.loss} has no penalty")
    check_ema(cfg.ema)
    check_augment(cfg.augment, problem)
    check_d_norm(cfg.d_norm, problem)
    check_codes(cfg.codes, problem)
    check_recipe(cfg.recipe, cfg.problem)
    if cfg.engine not in ENGINE_CHOICES:
        raise ConfigError(
            f"--engine must be one of {', '.join(ENGINE_CHOICES)}, got {cfg.engine!r}"
        )
    check_device_name(cfg.device)


def check_ema(decay: float) -> None:
    """0 (no EMA), or a decay strictly between 0 and 1."""
    if (
        isinstance(decay, bool)
        or not isinstance(decay, (int, float))
        or not (decay == 0 or 0 < decay < 1)
    ):
        raise ConfigError(f"--ema must be 0 (none) or a decay in (0, 1) such as 0.999, got {decay}")


def check_augment(most: int, problem: Problem) -> None:
    """0 (none), or a shift an image problem's images can take: less than half their side."""
    if isinstance(most, bool) or not isinstance(most, int) or most < 0:
        raise ConfigError(f"--augment must be a whole number of pixels ≥ 0, got {most!r}")
    if most and len(problem.sample_shape) != 3:  # a shift moves C × H × W samples
        raise ConfigError(f"--augment shifts images; --problem {problem.name} has none")
    side = problem.sample_shape[-1]
    if most and 2 * most >= side:
        raise ConfigError(f"--augment must be less than half the image side ({side}), got {most}")


def check_d_norm(norm: str, problem: Problem) -> None:
    """batch or none, and none only where D has BatchNorm to drop (a DCGAN's)."""
    if norm not in D_NORMS:
        raise ConfigError(f"--d-norm must be one of {', '.join(D_NORMS)}, got {norm!r}")
    if norm != "batch" and problem.nets != "dcgan":
        raise ConfigError(f"--d-norm: --problem {problem.name}'s {problem.nets} D has no BatchNorm")


def check_codes(codes: int, problem: Problem) -> None:
    """0 (none), or 2 to noise_dim codes, for DCGAN nets (the code head is a convolution's)."""
    if isinstance(codes, bool) or not isinstance(codes, int) or codes < 0:
        raise ConfigError(f"--codes must be a whole number ≥ 0, got {codes!r}")
    if codes and problem.nets != "dcgan":
        raise ConfigError(f"--codes: --problem {problem.name}'s {problem.nets} nets take no code")
    if codes == 1 or codes > problem.noise_dim:
        raise ConfigError(
            f"--codes must be 0 (none) or 2 to {problem.noise_dim} (G's noise inputs), got {codes}"
        )


def check_device_name(name: str) -> None:
    """Accept auto, cpu, cuda, cuda:N, mps; whether the device exists is checked at training."""
    if re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", name):
        return
    raise ConfigError(f"--device must be one of {', '.join(DEVICE_CHOICES)}, got {name!r}")


def _flag(field: str) -> str:
    return "--" + field.replace("_", "-")


# The options a problem's, a loss's or a recipe's defaults may set (the rest keep the
# dataclass's). A recipe may also pick the loss (then that loss's defaults apply under it).
TUNED = ("hidden", "depth", "batch_size", "lr_g", "lr_d", "beta1", "beta2", "steps", "n_critic",
         "gp_weight", "n_eval", "n_show", "ema", "augment", "d_norm", "codes")  # fmt: skip


def resolve(options: Mapping[str, Any], typed: Collection[str]) -> TrainConfig:
    """The config of a new run: `options` holds every option by field name; those named in
    `typed` win over the recipe's values, which win over the loss's defaults, which win over
    the problem's."""
    name = options.get("problem", TrainConfig.problem)
    check_typed(name, typed)
    problem = problem_for(name, options.get("data", ""), options.get("image_size", 64))
    recipe = check_recipe(options.get("recipe", TrainConfig.recipe), problem.name)
    loss_name = options.get("loss", TrainConfig.loss)
    if "loss" not in typed:
        # A recipe's loss, else the problem's own (a DCGAN's ns), else the tutorial's.
        loss_name = recipe.options.get("loss", problem.defaults.loss or loss_name)
    loss = get_loss(loss_name)
    values = {k: v for k, v in options.items() if k not in TUNED or k in typed}
    values["loss"] = loss_name
    defaults = {
        **{k: v for k, v in problem.defaults.as_dict().items() if k != "loss"},
        "n_critic": loss.n_critic,
        "gp_weight": loss.gp_weight,
    }
    defaults.update(loss.defaults)
    defaults.update(recipe.options)
    return TrainConfig(**{**defaults, **values, "loss": loss.name})


# What a release before problems and losses (checkpoint format 1) wrote: the curve problem's
# sizes as options. They are the problem's now; anything else was never a run that release made.
V1_SIZES = {"n_ideas": 5, "n_points": 15}


def upgrade_v1(data: Mapping[str, Any]) -> dict[str, Any]:
    """A format-1 config as this toygan's: the tutorial's problem, loss and Adam betas."""
    config = dict(data)
    for key, value in V1_SIZES.items():
        if config.pop(key, value) != value:
            raise ConfigError(f"{key} {data[key]!r}: format 1 runs have {key} {value}")
    return config
