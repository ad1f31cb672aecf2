"""The toygan command line: parse options, hand them to toygan_tui.commands. Nothing else.

`train`'s and `sweep`'s options come from the option table (params.py); every other command
declares its few options here. Importing this package must stay cheap (no torch): `toygan
--help` and completion are instant.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.exceptions import TyperException

from toygan_tui.cli.params import (
    SWEEP_OWN,
    TRAIN_OWN,
    Lang,
    RunsDir,
    child_args,
    config_values,
    context,
    grid_values,
    own,
    sweep_parameters,
    train_parameters,
    typed,
    with_parameters,
)
from toygan_tui.core.errors import EXIT_BAD_INPUT, ConfigError, InputError

app = typer.Typer(
    help="Train toy GANs in the terminal and watch them learn.",
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

Member = Annotated[
    int | None,
    typer.Option(help="A sweep's member (1, 2, ...; `toygan sweep` numbers them)."),
]


@app.command()
@with_parameters([context(), *train_parameters(), *TRAIN_OWN])
def train(ctx: typer.Context, **values: Any) -> None:
    """Train a GAN and watch it learn (keys: space pause, s step, +/- speed, q quit).

    An option that says "unless typed" takes the problem's, the loss's or the recipe's value
    when not given; config.json records the values the run used."""
    from toygan_tui.ui.i18n import check_lang
    from toygan_tui.ui.terminal.controls import check_speed

    check_speed(values["speed"])
    check_lang(values["lang"])
    given, mine = typed(ctx), own(values)
    if mine.pop("detach"):
        from toygan_tui.launch.detach import detach_train

        args = child_args(ctx.command, ctx.params, given)
        return detach_train(config_values(values), given, mine, args)
    from toygan_tui.commands.train import run_train

    run_train(config_values(values), given, **mine)


# Unknown options reach the command (ctx.args), which names the first in its one line.
@app.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@with_parameters([context(), *SWEEP_OWN, *sweep_parameters()])
def sweep(ctx: typer.Context, **values: Any) -> None:
    """Train many runs at once: the grid of the options' values × the seeds.

    Every option of `toygan train` takes a comma list here (one set of members per value),
    e.g. toygan sweep --seeds 1-10 --loss minimax,ns --lr-g 1e-4,4e-4

    Member k trains exactly as `toygan train` with its options would;
    sample, plot and replay read it with --member K."""
    from toygan_tui.commands.sweep import run_sweep
    from toygan_tui.ui.terminal.controls import check_speed

    check_speed(values["speed"])
    if ctx.args:
        raise ConfigError(f"no such option: {ctx.args[0]} (see 'toygan sweep --help')")
    given, mine = typed(ctx), own(values)
    child = child_args(ctx.command, ctx.params, given) if mine.pop("detach") else None
    run_sweep(grid_values(values), given, mine, child)


@app.command()
def sample(
    ckpt: Annotated[
        Path, typer.Option(help="Checkpoint to sample from (with --best: its run's best.pt).")
    ] = Path("runs/last.pt"),
    num: Annotated[int, typer.Option("--num", "-n", help="How many samples.")] = 8,
    seed: Annotated[int, typer.Option(help="Seed of the noise: same seed, same curves.")] = 0,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="chart | table | csv | json | npy; images: chart (the terminal grid) | png "
            "(--out FILE.png: one grid; --out DIR: one PNG each) | json | npy (pixels in [0, 1]). "
            "Default: what --out's ending names (.png .npy .json .csv), else chart.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write to this file (or folder: png, --interpolate).")
    ] = None,
    label: Annotated[
        str | None,
        typer.Option(
            help="The class to draw, by name or number (cond-curves 0 or 1, cond-digits 0-9, "
            "cond-images a subfolder's name)."
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
    best: Annotated[
        bool,
        typer.Option("--best", help="Draw from the run's best.pt: G at its best report."),
    ] = False,
    interpolate: Annotated[
        int | None,
        typer.Option(
            metavar="K",
            help="Images: walk through K points of G's noise space and back, -n walks side by "
            "side (--out FILE.gif: an animation; --out DIR: PNG frames).",
        ),
    ] = None,
    member: Member = None,
) -> None:
    """Draw samples (curves, points or images) from a trained generator (its EMA where kept)."""
    from toygan_tui.commands.sample import run_sample

    run_sample(
        ckpt=ckpt, num=num, seed=seed, fmt=fmt, out=out, label=label, code=code, raw=raw,
        member=member, best=best, interpolate=interpolate,
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
    member: Member = None,
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
    lang: Lang = None,
) -> None:
    """Follow a run's live dashboard from its files; q or Ctrl-C leaves, the run goes on."""
    from toygan_tui.commands.watch import run_watch
    from toygan_tui.ui.i18n import use

    use(lang)
    run_watch(run=run, runs_dir=runs_dir, refresh=refresh)


@app.command()
def replay(
    run: Annotated[
        Path | None, typer.Argument(help="Run id or directory (default: newest).")
    ] = None,
    runs_dir: RunsDir = Path("runs"),
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write a recording (FILE.cast, asciinema v2), one frame (FILE.svg), or G's "
            "samples animated over the run (FILE.gif)."
        ),
    ] = None,
    step: Annotated[
        int | None,
        typer.Option(help="Start at the report at or before this step (the frame for .svg)."),
    ] = None,
    fps: Annotated[float, typer.Option(help="Reports per second when playing.")] = 10.0,
    width: Annotated[int, typer.Option(help="Columns of --out.")] = 100,
    height: Annotated[int, typer.Option(help="Lines of --out.")] = 30,
    every: Annotated[
        int, typer.Option(metavar="N", help="--out FILE.gif: a frame every N reports.")
    ] = 1,
    member: Member = None,
    manifold: Annotated[
        bool, typer.Option("--manifold", help="Draw G's manifold (2-D problems; the key m).")
    ] = False,
    arrows: Annotated[
        bool,
        typer.Option("--arrows", help="Draw the arrows of G's loss (points, curves; the key a)."),
    ] = False,
    lang: Lang = None,
) -> None:
    """Replay a run's dashboard from its files: arrows step, space plays, q leaves."""
    from toygan_tui.commands.replay import run_replay
    from toygan_tui.ui.i18n import use

    use(lang)

    run_replay(
        run=run, runs_dir=runs_dir, out=out, step=step, fps=fps, width=width, height=height,
        member=member, manifold=manifold, arrows=arrows, every=every,
    )  # fmt: skip


@app.command()
def lesson(
    number: Annotated[
        str | None,
        typer.Argument(help="The lesson's number (or a lesson file); none: list the lessons."),
    ] = None,
    runs_dir: RunsDir = Path("runs"),
    lang: Lang = None,
    speed: Annotated[
        float | None,
        typer.Option(help="Cap every part at this many steps/s (default: each part's own)."),
    ] = None,
    live: Annotated[
        bool | None,
        typer.Option("--live/--no-live", help="Live dashboard (default: on a terminal)."),
    ] = None,
) -> None:
    """Learn GANs by watching: prepared runs that say what to watch and pause to explain
    (space goes on; the keys of train)."""
    from toygan_tui.commands.lesson import run_lesson
    from toygan_tui.ui.terminal.controls import check_speed

    check_speed(speed)
    run_lesson(lesson=number, runs_dir=runs_dir, lang=lang, speed=speed, live=live)


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
        speak()  # the environment's language; --lang, where a command takes it, then wins
        code = app(args=args or ["--help"], standalone_mode=False)
    except TyperException as exc:  # typer's own usage errors: unknown option, bad value...
        fail(_usage_line(exc))
    except InputError as exc:
        fail(str(exc))
    except typer.Abort:
        code = 130
    sys.exit(code if isinstance(code, int) else 0)


def speak() -> None:
    """The environment's language on screen (ui/i18n.py, imported here: --help stays light)."""
    from toygan_tui.ui.i18n import use

    use()


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


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Bad input: one line on stderr, exit code 2, no traceback."""
    print(f"toygan: error: {message}", file=sys.stderr)
    sys.exit(code)
