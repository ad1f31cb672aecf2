"""Every option of a training run, declared once: the fields of TrainConfig (the option table).

Each field carries its option entry (core/options.py): help, panel, who reads it, its check.
Everything else is derived from the table: the command line of `train` and `sweep` and their
help (cli/), the checks (`validate`), the options a resumed run keeps (MATH_FIELDS), what a
problem's, loss's or recipe's defaults may set (TUNED), a sweep's lockstep options, the keys
of its evaluators and batched engine, and the docs' options tables. Defaults are the tutorial's.

A run's values come from four places, the later winning: the problem's defaults (its nets and
hyperparameters), the loss's published settings, the recipe's (core/recipes.py), and the
options the user typed (`resolve`). config.json and the checkpoint record the resolved values.
Torch-free.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from toygan_tui.core import checks
from toygan_tui.core.errors import ConfigError
from toygan_tui.core.losses import LOSSES, Loss, get_loss
from toygan_tui.core.options import Reads, entries, names, option
from toygan_tui.core.problems import PROBLEMS, Problem, check_typed, problem_for
from toygan_tui.core.problems.base import ReadsData, missing_requirement
from toygan_tui.core.problems.folder_decode import BACKGROUNDS, FITS
from toygan_tui.core.recipes import RECIPES, TUTORIAL, check_recipe

__all__ = ["ConfigError", "TrainConfig", "resolve", "validate"]

# The options problem_for reads: a folder problem's folder and how its pictures are read.
FOLDER_READS = ("data", "image_size", "channels", "fit", "background", "classes")
MATH, EVAL, SHAPE, SWEEP = Reads.MATH, Reads.EVALUATOR, Reads.SHAPE, Reads.SWEEP
PROBLEM, NETS, RUN, REPORTS = (
    "The problem", "The nets and Adam", "How long, where, how fast", "Reports and saves",
)  # fmt: skip


@dataclass(frozen=True)
class TrainConfig:
    # -- the math: changing any of these changes the numbers a run produces ---------------
    problem: str = option(
        "curves", "What G learns (the tutorial's: curves; images: a folder, --data DIR).",
        PROBLEM, reads=MATH | EVAL | SHAPE, choices=lambda: PROBLEMS,
    )  # fmt: skip
    loss: str = option(
        "minimax", "D's and G's objective (the tutorial's: minimax).", PROBLEM,
        reads=MATH | EVAL | SHAPE, tuned=True, choices=lambda: LOSSES,
    )  # fmt: skip
    seed: int = option(1, "Seed of the model and data streams.", PROBLEM, reads=MATH)
    batch_size: int = option(
        64, "Real and fake samples per step.", NETS, reads=MATH | SHAPE, tuned=True,
        positive=True,
    )  # fmt: skip
    lr_g: float = option(
        1e-4, "Adam's learning rate of G.", NETS, reads=MATH, tuned=True,
        check=checks.learning_rate("lr_g"),
    )  # fmt: skip
    lr_d: float = option(
        1e-4, "Adam's learning rate of D.", NETS, reads=MATH, tuned=True,
        check=checks.learning_rate("lr_d"),
    )  # fmt: skip
    beta1: float = option(
        0.9, "Adam's β1 for both players.", NETS, reads=MATH, tuned=True,
        check=checks.adam_beta("beta1"),
    )  # fmt: skip
    beta2: float = option(
        0.999, "Adam's β2 for both players.", NETS, reads=MATH, tuned=True,
        check=checks.adam_beta("beta2"),
    )  # fmt: skip
    hidden: int = option(
        128, "Units per hidden layer of G and D (a DCGAN's ngf = ndf).", NETS,
        reads=MATH | SHAPE, tuned=True, positive=True,
    )  # fmt: skip
    depth: int = option(
        1, "Hidden layers of G and of D (a DCGAN's follows its image size).", NETS,
        reads=MATH | SHAPE, tuned=True, positive=True, check=checks.depth,
    )  # fmt: skip
    pack: int = option(
        1, "PacGAN's packing: D judges this many samples at once, K real or K fake concatenated "
        "as one input (the batch's samples packed in turn: --batch-size must be a multiple of "
        "K; a label packed with its sample); 1: none. MLP problems.", NETS,
        reads=MATH | EVAL | SHAPE, tuned=True, positive=True, check=checks.pack,
    )  # fmt: skip
    n_critic: int = option(
        1, "D steps per G step.", NETS, reads=MATH | SHAPE, tuned=True, positive=True
    )
    gp_weight: float = option(
        0.0, "Weight of wgan-gp's gradient penalty (0: none).", NETS, reads=MATH | SHAPE,
        tuned=True, check=checks.gp_weight,
    )  # fmt: skip
    recipe: str = option(
        TUTORIAL.name, "Named option defaults; the options you type win over them.", PROBLEM,
        reads=MATH, choices=lambda: (r.describe() for r in RECIPES.values()), check=checks.recipe,
    )  # fmt: skip
    ema: float = option(
        0.0, "Keep an EMA of G's weights with this decay (e.g. 0.999), measured beside G and "
        "drawn by `sample`; 0: none.", NETS, reads=MATH, tuned=True, check=checks.ema,
    )  # fmt: skip
    image_size: int = option(
        64, "Folder problems: the side of G's images (8 … 256).", PROBLEM,
        reads=MATH | EVAL,
    )  # fmt: skip
    channels: int = option(
        0, "Folder problems: 3 (RGB) or 1 (grey); 0: 1 when every picture is grey, else 3.",
        PROBLEM, reads=MATH | EVAL,
    )  # fmt: skip
    fit: str = option(
        "crop", "Folder problems: how a picture that is not square fits: crop (the centre) "
        "or pad (whole, the rest filled with --background).", PROBLEM, reads=MATH | EVAL,
        choices=lambda: FITS,
    )  # fmt: skip
    background: str = option(
        "white", "Folder problems: what shows through transparent pixels (and --fit pad's "
        "border).", PROBLEM, reads=MATH | EVAL, choices=lambda: BACKGROUNDS,
    )  # fmt: skip
    augment: int = option(
        0, "Image problems: D sees real and fake images shifted by up to this many pixels "
        "(DiffAugment's translation); 0: none.", NETS, reads=MATH, tuned=True,
        check=checks.augment,
    )  # fmt: skip
    d_norm: str = option(
        "batch", "Image problems: D's normalisation (batch: DCGAN's BatchNorm).", NETS,
        reads=MATH, tuned=True, choices=lambda: checks.D_NORMS, check=checks.d_norm,
    )  # fmt: skip
    codes: int = option(
        0, "Image problems: G is told one of this many codes and D must tell which from the "
        "image (InfoGAN's categorical code), so G draws distinct kinds; 0: none.", NETS,
        reads=MATH | EVAL, tuned=True, check=checks.codes,
    )  # fmt: skip
    # -- the data: where a problem that reads files finds them --------------------------------
    data: str = option(
        "", "Folder problems: the folder of pictures (searched recursively; cond-images: "
        "a subfolder per class).", PROBLEM, reads=EVAL, path=True,
    )  # fmt: skip
    classes: str = option(
        "", "cond-images: the class names, read from the folder when a run starts.", PROBLEM,
        reads=MATH | EVAL, flag=False,
    )  # fmt: skip
    # -- how long ---------------------------------------------------------------------------
    steps: int = option(
        10_000, "Total steps (a resumed run stops at the same total).", RUN, reads=SWEEP,
        tuned=True, positive=True,
    )  # fmt: skip
    # -- where and how fast: these never change the math on a given device ------------------
    device: str = option(
        "auto", "Where to train (auto: cuda, then mps, then cpu).", RUN, reads=SWEEP,
        choices=lambda: checks.DEVICE_CHOICES, check=checks.device,
    )  # fmt: skip
    engine: str = option(
        "auto", "auto: fast where it applies, else reference | fast: the hand-written step "
        "(numpy on a CPU, CUDA graphs on a GPU; MLP problems, every loss but wgan-gp, "
        "--n-critic 1) | reference: the tutorial's autograd step (always used on MPS). Every "
        "other option works with every engine.", RUN, check=checks.engine,
    )  # fmt: skip
    threads: int = option(
        1, "Torch CPU threads; 0: every core of the machine (the image problems' DCGAN is "
        "faster on all; the MLP problems are fastest on 1).", RUN, reads=SWEEP, tuned=True,
        check=checks.threads,
    )  # fmt: skip
    # -- what the run reports and saves -----------------------------------------------------
    report_every: int = option(
        50, "Steps between reports (each evaluates G).", REPORTS, reads=SWEEP, positive=True,
        sweep_default=500,
    )  # fmt: skip
    save_every: int = option(
        1000, "Steps between checkpoints.", REPORTS, reads=SWEEP, positive=True
    )
    n_eval: int = option(
        1000, "Samples the quality measures are computed over, from fixed noise.", REPORTS,
        reads=EVAL | SWEEP, tuned=True, flag=False, positive=True,
    )  # fmt: skip
    n_show: int = option(
        8, "Samples of that batch the view draws, so the same ones evolve.", REPORTS,
        reads=EVAL | SWEEP, tuned=True, flag=False, positive=True,
    )  # fmt: skip
    eval_seed: int = option(
        12345, "Seed of the fixed noise batches; never touches the training streams.", REPORTS,
        reads=EVAL | SWEEP, flag=False,
    )  # fmt: skip

    def __post_init__(self) -> None:
        validate(self)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainConfig:
        """The config a dict describes; a key this toygan does not know is refused (a newer
        toygan's option silently dropped would train another run than the one asked for)."""
        unknown = sorted(set(data) - set(OPTIONS))
        if unknown:
            raise ConfigError(f"unknown option {unknown[0]!r} (written by a newer toygan?)")
        if data.get("data") and "channels" not in data:
            data = {**data, "channels": 3}  # a folder run from before --channels: RGB
        return cls(**data)

    @property
    def the_problem(self) -> Problem:
        return problem_for(self.problem, **folder_options(self.to_dict()))

    @property
    def cpu_threads(self) -> int:
        """The CPU threads the run uses: --threads, or every core this process may use (0)."""
        return self.threads or checks.machine_cores()

    @property
    def the_loss(self) -> Loss:
        return get_loss(self.loss)


OPTIONS = entries(TrainConfig)  # the option table, by field name
MATH_FIELDS = names(OPTIONS, MATH)  # options that change a run's numbers: a resumed run keeps them
EVALUATOR_FIELDS = names(OPTIONS, EVAL)  # what a report's evaluator is built from
SHAPE_FIELDS = names(OPTIONS, SHAPE)  # what runs stepped as one batch must share
SWEEP_WIDE = names(OPTIONS, SWEEP)  # one value for a whole sweep (its members step in lockstep)
# The options a problem's, a loss's or a recipe's defaults may set (the rest keep the table's).
# A recipe may also pick the loss (then that loss's defaults apply under it).
TUNED = tuple(name for name, e in OPTIONS.items() if e.spec.tuned and name != "loss")


def validate(cfg: TrainConfig) -> None:
    """Raise ConfigError with one readable line for the first value training cannot use, in
    the table's order. (Whether --data holds images is checked when a run starts: a run
    sampled elsewhere needs no folder.)"""
    problem = cfg.the_problem
    missing = missing_requirement(problem)
    if missing:
        raise ConfigError(missing)
    ctx = checks.Context(problem, get_loss(cfg.loss), cfg.to_dict())
    for name, entry in OPTIONS.items():
        value = getattr(cfg, name)
        if entry.spec.positive:
            checks.whole_positive(name, value)
        if entry.spec.check is not None:
            entry.spec.check(value, ctx)


def resolve(options: Mapping[str, Any], typed: Collection[str]) -> TrainConfig:
    """The config of a new run: `options` holds every option by field name; those named in
    `typed` win over the recipe's values, which win over the loss's defaults, which win over
    the problem's."""
    name = options.get("problem", TrainConfig.problem)
    check_typed(name, typed)
    problem = problem_for(name, **folder_options(options))
    recipe = check_recipe(options.get("recipe", TrainConfig.recipe), problem.name)
    loss_name = options.get("loss", TrainConfig.loss)
    if "loss" not in typed:
        # A recipe's loss, else the problem's own (a DCGAN's ns), else the tutorial's.
        loss_name = recipe.options.get("loss", problem.defaults.loss or loss_name)
    loss = get_loss(loss_name)
    values = {k: v for k, v in options.items() if k not in TUNED or k in typed}
    defaults = {
        **{k: v for k, v in problem.defaults.as_dict().items() if k != "loss"},
        "n_critic": loss.n_critic,
        "gp_weight": loss.gp_weight,
    }
    defaults.update(loss.defaults)
    defaults.update(recipe.options)
    return TrainConfig(**{**defaults, **values, "loss": loss.name})


def folder_options(values: Mapping[str, Any]) -> dict[str, Any]:
    """What problem_for takes of a run's options: its folder and how it is read."""
    return {name: values[name] for name in FOLDER_READS if name in values}


def with_data(
    cfg: TrainConfig, note: Callable[[str], None], warn: Callable[[str], None]
) -> TrainConfig:
    """The config once a problem that reads the user's files has read them (note() and warn()
    hear what it says): what the files settle (a folder's channels, its classes) filled in."""
    problem = cfg.the_problem
    if not isinstance(problem, ReadsData):
        return cfg
    return dataclasses.replace(cfg, **problem.prepare(note, warn))


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
