"""The toygan command line: parse options, hand them to toygan_tui.commands. Nothing else.

Importing this module must stay cheap (no torch): `toygan --help` and completion are instant.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from typer.exceptions import TyperException

from toygan_tui.commands.errors import fail
from toygan_tui.core.errors import InputError
from toygan_tui.core.recipes import RECIPES

app = typer.Typer(
    help="Train toy GANs in the terminal and watch them learn.",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

RunsDir = Annotated[Path, typer.Option("--runs-dir", help="Where runs are kept.")]


RECIPE_HELP = "Named option defaults; options you type win over them: " + " | ".join(
    r.describe() for r in RECIPES.values()
)
EMA_HELP = (
    "Keep an EMA of G's weights with this decay (e.g. 0.999), measured beside G and used by "
    "`sample`; 0: none. Unless typed, the recipe's ("
    + ", ".join(f"{r.name}: {r.options.get('ema', 0)}" for r in RECIPES.values())
    + ")."
)


def _tuned(text: str) -> typer.models.OptionInfo:
    """An option a problem or a loss gives its own default: the help says which, and the
    tutorial's value is not shown as if it always held."""
    return typer.Option(help=text, show_default=False)


@app.command()
def train(
    ctx: typer.Context,  # for --detach: the options as given, to pass on to the background run
    problem: Annotated[
        str,
        typer.Option(
            help="What G learns: curves | ring | grid | two | cond-curves | digits | "
            "cond-digits | images (a folder: --data DIR)."
        ),
    ] = "curves",
    data: Annotated[
        Path | None,
        typer.Option(
            help="--problem images: the folder of PNG/JPEG images (searched recursively)."
        ),
    ] = None,
    image_size: Annotated[
        int, typer.Option(help="--problem images: the side of G's images (8 … 256).")
    ] = 64,
    loss: Annotated[
        str,
        _tuned(
            "minimax (the tutorial's) | ns | lsgan | hinge | wgan-gp; unless typed, the "
            "problem's (digits: ns, else minimax)."
        ),
    ] = "minimax",
    steps: Annotated[int, _tuned("Total steps; unless typed, the problem's (curves: 10000).")] = (
        10_000
    ),
    device: Annotated[str, typer.Option(help="auto | cpu | cuda | cuda:N | mps.")] = "auto",
    seed: Annotated[int, typer.Option(help="Seed of the model and data streams.")] = 1,
    batch_size: Annotated[
        int, _tuned("Samples per step; unless typed, the problem's (curves: 64).")
    ] = 64,
    lr_g: Annotated[
        float, _tuned("Adam lr of G; unless typed, the loss's or the problem's (1e-4; grid: 5e-4).")
    ] = 1e-4,
    lr_d: Annotated[
        float, _tuned("Adam lr of D; unless typed, the loss's or the problem's (1e-4; grid: 5e-4).")
    ] = 1e-4,
    beta1: Annotated[
        float, _tuned("Adam's β1; unless typed, the loss's or the problem's (curves: 0.9).")
    ] = 0.9,
    beta2: Annotated[
        float, _tuned("Adam's β2; unless typed, the loss's or the problem's (curves: 0.999).")
    ] = 0.999,
    hidden: Annotated[
        int, _tuned("Units per hidden layer; unless typed, the problem's (curves: 128).")
    ] = 128,
    depth: Annotated[
        int, _tuned("Hidden layers of G and D; unless typed, the problem's (curves: 1).")
    ] = 1,
    n_critic: Annotated[
        int, _tuned("D steps per G step; unless typed, the loss's (1; wgan-gp: 5).")
    ] = 1,
    gp_weight: Annotated[
        float, _tuned("Gradient-penalty weight (wgan-gp only); unless typed, 10.")
    ] = 0.0,
    recipe: Annotated[str, typer.Option(help=RECIPE_HELP)] = "tutorial",
    ema: Annotated[float, _tuned(EMA_HELP)] = 0.0,
    augment: Annotated[
        int,
        _tuned(
            "Image problems: D sees real and fake images shifted by up to this many pixels "
            "(DiffAugment's translation); 0: none. Unless typed, the problem's (digits: 1)."
        ),
    ] = 0,
    d_norm: Annotated[
        str,
        _tuned(
            "Image problems: D's normalisation, batch (DCGAN's BatchNorm) | none. Unless typed, "
            "the problem's (digits: none; images: batch)."
        ),
    ] = "batch",
    codes: Annotated[
        int,
        _tuned(
            "Image problems: G is told one of this many codes and D must tell which from the "
            "image (InfoGAN's categorical code), so G draws distinct kinds; 0: none. Unless "
            "typed, the problem's (digits: 10)."
        ),
    ] = 0,
    runs_dir: RunsDir = Path("runs"),
    name: Annotated[str | None, typer.Option(help="Run id (default: a timestamp).")] = None,
    save_every: Annotated[int, typer.Option(help="Steps between checkpoints.")] = 1000,
    report_every: Annotated[int, typer.Option(help="Steps between reports.")] = 50,
    live: Annotated[
        bool | None,
        typer.Option("--live/--no-live", help="Live dashboard (default: on a terminal)."),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            help="auto: fast where it applies, else reference | fast: hand-written step "
            "(numpy on CPU, CUDA graphs on GPU; every problem and depth, every loss but "
            "wgan-gp, --n-critic 1) | reference: the tutorial's autograd step "
            "(always used on MPS). Every other option works with every engine."
        ),
    ] = "auto",
    threads: Annotated[int, typer.Option(help="Torch CPU threads (1 is fastest here).")] = 1,
    detach: Annotated[
        bool, typer.Option("--detach", help="Run in the background; follow it with `toygan watch`.")
    ] = False,
    resume: Annotated[
        Path | None,
        typer.Option(help="Continue a run: its directory, a checkpoint, or runs/last.pt."),
    ] = None,
    speed: Annotated[
        float | None,
        typer.Option(help="Start capped at this many steps/s (+ and - change it when live)."),
    ] = None,
) -> None:
    """Train a GAN and watch it learn (keys: space pause, s step, +/- speed).

    Options that say "unless typed" take the problem's or the loss's value when not given:
    ring, grid and two use 2 hidden layers of 128, batch 256, Adam betas (0.5, 0.999) and
    20 000 steps, with Adam lr 1e-4 (grid: 5e-4, measured in bench/grid_probe.md); wgan-gp
    brings lr 1e-4, betas (0, 0.9), 5 critic steps and a gradient penalty of 10.
    config.json records the values the run used."""
    from toygan_tui.commands.controls import check_speed

    check_speed(speed)
    if detach:
        from toygan_tui.commands.detach import run_detach

        return run_detach(ctx.command, ctx.params, _typed(ctx))
    from toygan_tui.commands.train import run_train

    run_train(
        problem=problem, loss=loss, beta1=beta1, beta2=beta2, hidden=hidden, depth=depth,
        n_critic=n_critic, gp_weight=gp_weight, recipe=recipe, ema=ema, image_size=image_size,
        augment=augment, d_norm=d_norm, codes=codes,
        data=str(data.resolve()) if data is not None else "",
        steps=steps, device=device, seed=seed, batch_size=batch_size, lr_g=lr_g, lr_d=lr_d,
        runs_dir=runs_dir, name=name, save_every=save_every, report_every=report_every,
        live=live, engine=engine, threads=threads, resume=resume, given=_typed(ctx),
        speed=speed,
    )  # fmt: skip


def _typed(ctx: typer.Context) -> set[str]:
    """The options the user typed, as opposed to defaults: a resumed run keeps its own."""
    return {name for name in ctx.params if _source(ctx, name) not in ("DEFAULT", "DEFAULT_MAP")}


def _source(ctx: typer.Context, name: str) -> str:
    source = ctx.get_parameter_source(name)
    return source.name if source is not None else "DEFAULT"


@app.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
def sweep(
    ctx: typer.Context,  # the grid options arrive as extra arguments, checked against train's
    seeds: Annotated[
        str, typer.Option(help="Seeds: a range and/or a list, e.g. 1-10, 1,3,5 or 1-3,7.")
    ] = "1",
    steps: Annotated[int, _tuned("Total steps of every member; unless typed, the problem's.")] = (
        10_000
    ),
    device: Annotated[str, typer.Option(help="auto | cpu | cuda | cuda:N | mps.")] = "auto",
    runs_dir: RunsDir = Path("runs"),
    name: Annotated[str | None, typer.Option(help="Sweep id (default: sweep-<n>).")] = None,
    report_every: Annotated[
        int, typer.Option(help="Steps between reports (each evaluates every member).")
    ] = 500,
    save_every: Annotated[int, typer.Option(help="Steps between checkpoints.")] = 1000,
    live: Annotated[
        bool | None,
        typer.Option("--live/--no-live", help="Live table (default: on a terminal)."),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="The table at the end: table | json.")
    ] = "table",
    detach: Annotated[
        bool, typer.Option("--detach", help="Run in the background; follow it with `toygan watch`.")
    ] = False,
    resume: Annotated[
        Path | None, typer.Option(help="Continue a sweep from its directory.")
    ] = None,
) -> None:
    """Train many runs at once: the grid of the options' values × the seeds.

    Any option of `toygan train` that shapes a run takes a comma list:
    --problem, --loss, --lr-g, --lr-d, --batch-size, --beta1, --beta2,
    --hidden, --depth, --n-critic, --gp-weight, --recipe, --ema, --engine.
    Example: toygan sweep --seeds 1-10 --loss minimax,ns --lr-g 1e-4,4e-4

    Member k trains exactly as `toygan train` with its options would;
    sample, plot and replay read it with --member K (docs/sweeps.md)."""
    from toygan_tui.commands.sweep import run_sweep

    assert ctx.parent is not None  # sweep is a command of the toygan group
    train_command = ctx.parent.command.get_command(ctx.parent, "train")  # type: ignore[attr-defined]
    typed = _typed(ctx)
    child = None
    if detach:
        from toygan_tui.commands.detach import child_args

        child = child_args(ctx.command, ctx.params, typed) + list(ctx.args)
    fixed = {"steps": steps, "device": device, "report_every": report_every,
             "save_every": save_every}  # fmt: skip
    run_sweep(
        train=train_command, ctx=ctx, extra=list(ctx.args), seeds=seeds, runs_dir=runs_dir,
        name=name, fixed=fixed, typed=typed, live=live, fmt=fmt, resume=resume, child=child,
    )  # fmt: skip


@app.command()
def sample(
    ckpt: Annotated[Path, typer.Option(help="Checkpoint to sample from.")] = Path("runs/last.pt"),
    num: Annotated[int, typer.Option("--num", "-n", help="How many samples.")] = 8,
    seed: Annotated[int, typer.Option(help="Seed of the noise: same seed, same curves.")] = 0,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="chart | table | csv | json | npy; images: chart (the terminal grid) | png | "
            "json | npy (pixels in [0, 1]).",
        ),
    ] = "chart",
    out: Annotated[Path | None, typer.Option(help="Write to this file (npy needs it).")] = None,
    label: Annotated[
        int | None,
        typer.Option(
            help="The class to draw (a conditional run: cond-curves 0 or 1, cond-digits 0-9)."
        ),
    ] = None,
    code: Annotated[
        int | None,
        typer.Option(help="The code to draw (a run with --codes K: 0 to K-1; digits 0-9)."),
    ] = None,
    raw: Annotated[
        bool,
        typer.Option("--raw", help="Draw from G itself, not the EMA of G a run with --ema kept."),
    ] = False,
    member: Annotated[
        int | None, typer.Option(help="A sweep's member (1, 2, ...; `toygan sweep` numbers them).")
    ] = None,
) -> None:
    """Draw samples (curves, points or images) from a trained generator (its EMA where kept)."""
    from toygan_tui.commands.sample import run_sample

    run_sample(
        ckpt=ckpt, num=num, seed=seed, fmt=fmt, out=out, label=label, code=code, raw=raw,
        member=member,
    )  # fmt: skip


@app.command()
def plot(
    runs: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Run ids, directories or metrics.jsonl files (default: the newest run); "
            "several are overlaid to compare them."
        ),
    ] = None,
    metric: Annotated[list[str] | None, typer.Option(help="Series to plot (repeatable).")] = None,
    runs_dir: RunsDir = Path("runs"),
    member: Annotated[
        int | None, typer.Option(help="A sweep's member (1, 2, ...; `toygan sweep` numbers them).")
    ] = None,
) -> None:
    """Chart a run's training history, or compare several runs."""
    from toygan_tui.commands.plot import run_plot

    run_plot(runs=runs or [], metrics=metric or [], runs_dir=runs_dir, member=member)


@app.command()
def watch(
    run: Annotated[
        Path | None, typer.Argument(help="Run id or directory (default: newest).")
    ] = None,
    runs_dir: RunsDir = Path("runs"),
    refresh: Annotated[
        float, typer.Option(help="Seconds between looks at the files (at least 0.25).")
    ] = 0.25,
) -> None:
    """Follow a run's live dashboard from its files; q or Ctrl-C leaves, the run goes on."""
    from toygan_tui.commands.watch import run_watch

    run_watch(run=run, runs_dir=runs_dir, refresh=refresh)


@app.command()
def replay(
    run: Annotated[
        Path | None, typer.Argument(help="Run id or directory (default: newest).")
    ] = None,
    runs_dir: RunsDir = Path("runs"),
    out: Annotated[
        Path | None,
        typer.Option(help="Write a recording (FILE.cast, asciinema v2) or one frame (FILE.svg)."),
    ] = None,
    step: Annotated[
        int | None,
        typer.Option(help="Start at the report at or before this step (the frame for .svg)."),
    ] = None,
    fps: Annotated[float, typer.Option(help="Reports per second when playing.")] = 10.0,
    width: Annotated[int, typer.Option(help="Columns of --out.")] = 100,
    height: Annotated[int, typer.Option(help="Lines of --out.")] = 30,
    member: Annotated[
        int | None, typer.Option(help="A sweep's member (1, 2, ...; `toygan sweep` numbers them).")
    ] = None,
) -> None:
    """Replay a run's dashboard from its files: arrows step, space plays, q leaves."""
    from toygan_tui.commands.replay import run_replay

    run_replay(
        run=run, runs_dir=runs_dir, out=out, step=step, fps=fps, width=width, height=height,
        member=member,
    )  # fmt: skip


@app.command()
def runs(
    runs_dir: RunsDir = Path("runs"),
    fmt: Annotated[str, typer.Option("--format", help="table | json.")] = "table",
) -> None:
    """List the runs, newest first: status, progress and quality so far."""
    from toygan_tui.commands.runs import run_runs

    run_runs(runs_dir=runs_dir, fmt=fmt)


def main(argv: list[str] | None = None) -> None:
    """Entry point: every bad input becomes one line on stderr and exit code 2."""
    args = sys.argv[1:] if argv is None else argv
    try:
        code = app(args=args or ["--help"], standalone_mode=False)
    except TyperException as exc:  # typer's own usage errors: unknown option, bad value...
        fail(_usage_line(exc))
    except InputError as exc:
        fail(str(exc))
    except typer.Abort:
        code = 130
    sys.exit(code if isinstance(code, int) else 0)


def run() -> NoReturn:
    """The `toygan` command: main(), then exit without tearing the interpreter down.

    Python's own exit frees torch's modules and objects one by one, 0.3 s and more after the
    work is done (bench/startup). Every file toygan writes is closed by then and its terminal
    restored, so flushing the standard streams is all that is left to do. (main() itself keeps
    the ordinary SystemExit: tests call it in-process.)
    """
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = _exit_status(exc.code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe, a dead terminal
            stream.flush()
    os._exit(code)


def _exit_status(code: object) -> int:
    """What the interpreter makes of sys.exit(code): None is 0, a message is printed and 1."""
    if code is None or isinstance(code, int):
        return code or 0
    print(code, file=sys.stderr)
    return 1


def _usage_line(exc: TyperException) -> str:
    ctx = getattr(exc, "ctx", None)
    hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
    return exc.format_message() + hint
