"""`toygan train`: a Session from the core, presented by the ui, safe to interrupt.

Exit codes: 0 finished (also: a resumed run that was already finished), 1 diverged or the final
checkpoint could not be written, 2 bad input, 130 Ctrl-C, 143 SIGTERM (checkpoint saved).
"""

from __future__ import annotations

import sys
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from rich.console import Console

from toygan_tui.commands.interrupt import StopRequest, agreed, stop_on_signals
from toygan_tui.commands.starting import Start
from toygan_tui.commands.terminal import SafeStream, hang_up, say, terminal_fds
from toygan_tui.core.errors import Diverged, JobLost, SaveFailed

if TYPE_CHECKING:
    from toygan_tui.core.config import TrainConfig
    from toygan_tui.core.training.resume import ResumePoint
    from toygan_tui.core.training.session import Session
    from toygan_tui.core.world import World

EXIT_FAILED = 1


def run_train(
    options: dict[str, Any],
    typed: Collection[str],
    *,
    runs_dir: Path,
    name: str | None,
    live: bool | None,
    resume: Path | None = None,
    speed: float | None = None,
) -> None:
    """Train (or continue) a run: `options` holds every option of the table by name, `typed`
    names those the user typed (a resumed run takes only these over its own); `speed` caps the
    steps per second (keys change it when live). Under torchrun, rank 0 does this (and leads
    the job); the other ranks follow it quietly."""
    from toygan_tui.core.config import resolve
    from toygan_tui.core.world import world_from_env

    world = world_from_env()
    if world is not None:
        typed = {*typed, "device"}  # every process takes the device its command line names
        if not world.leader:
            from toygan_tui.commands.follower import follow

            follow(world, options["device"])
            return
    if resume is None:
        _train(
            Start.fresh(_fits(resolve(options, typed), world), runs_dir, name, world), live, speed
        )
        return
    everything = {**options, "runs_dir": runs_dir, "name": name}
    start = _resumed(resume, {k: everything[k] for k in typed if k in everything}, world)
    if start is not None:
        _train(start, live, speed)


def _resumed(path: Path, typed: dict[str, Any], world: World | None) -> Start | None:
    """The start that continues the run at `path`; None when it has already finished."""
    from toygan_tui.core.training.resume import plan

    point, cfg = plan(path, typed)
    if already_finished(point, cfg):
        return None
    return Start.resumed(point, _fits(cfg, world), world)


def _fits(cfg: TrainConfig, world: World | None) -> TrainConfig:
    """The config, once a torchrun job has checked it can train it and a problem that reads
    the user's files has read them (torch-free: before the first frame)."""
    from toygan_tui.core.problems.base import ReadsData
    from toygan_tui.core.world import check_job

    if world is not None:
        check_job(world, batch_size=cfg.batch_size, engine=cfg.engine, device=cfg.device)
    problem = cfg.the_problem
    if isinstance(problem, ReadsData):
        problem.prepare(note=lambda line: say(f"toygan: {line}"), warn=_warn)
    return cfg


def already_finished(point: ResumePoint, cfg: TrainConfig) -> bool:
    """Say so (and how to go further) when the run is at or past its --steps."""
    if point.step < cfg.steps:
        return False
    where = (
        f"step {point.step} of {cfg.steps}"
        if point.step == cfg.steps
        else f"at step {point.step}, past --steps {cfg.steps}"
    )
    print(
        f"run {point.run.run_id} already finished: {where} ({point.checkpoint}). "
        f"To train further: toygan train --resume {point.run.path} --steps N"
    )
    return True


def _train(start: Start, live: bool | None, speed: float | None = None) -> None:
    from toygan_tui.commands.controls import Controls, keys_for
    from toygan_tui.ui.live import present, wants_live

    console = Console(file=cast(TextIO, SafeStream(sys.stdout)))
    ttys = terminal_fds()

    def stop_drawing() -> None:  # SIGHUP: the terminal is gone, the training is not
        if 1 in ttys:  # output to a file or a pipe goes on
            console.quiet = True
        hang_up(ttys)

    show = wants_live(console) if live is None else live
    alone = start.world is None  # a torchrun job's rank 0 has no keys: a pause would stall it
    # Keys outside the signal handlers: theirs (SIGTERM: checkpoint, then 143) come first.
    with keys_for(show and alone) as keys, stop_on_signals(stop_drawing, not alone) as stop:
        controls = Controls(
            keys, stop, lambda: start.session.status if start.session else None, speed
        )
        try:
            # torch loads in the stream: the first frame comes first
            poll = stop if alone else agreed(stop)
            stream = start.snapshots(
                poll, on_warning=_warn, on_begin=controls.begin, ahead=controls.full_speed
            )
            present(stream, console, live=show, steering=controls, starting=start.starting)
        except KeyboardInterrupt:
            _aborted(start, stop)
        except (Diverged, SaveFailed, JobLost) as exc:
            _exit(f"toygan: error: {exc}", EXIT_FAILED)
    session = start.session
    if session is None:  # stopped while torch loaded: nothing was built
        _exit(f"toygan: stopped by {stop.name} while starting; nothing was saved", stop.exit_code)
    if stop() and session.state.step < session.cfg.steps:
        _stopped(session, stop)
    console.print(
        f"run {session.run.run_id} done at step {session.state.step}/{session.cfg.steps}: "
        f"checkpoint {session.run.checkpoint} (and {session.last_checkpoint})",
        markup=False,
        highlight=False,
        soft_wrap=True,  # one line in a log, whatever the width
    )


def _warn(message: str) -> None:
    say(f"toygan: warning: {message}")


def _stopped(session: Session, stop: StopRequest) -> NoReturn:
    _exit(
        f"toygan: stopped by {stop.name} at step {session.state.step}/{session.cfg.steps}; "
        f"checkpoint saved: {session.run.checkpoint}\n"
        f"resume with: {resume_command(session)} --resume {session.run.path}",
        stop.exit_code,
    )


def resume_command(session: Session) -> str:
    """How this run was started: plain, or as a torchrun job (of as many processes)."""
    world = session.state.world
    if world is None:
        return "toygan train"
    return f"torchrun --nproc-per-node {world.per_machine} -m toygan_tui train"


def _aborted(start: Start, stop: StopRequest) -> NoReturn:
    session = start.session
    if session is None:
        start.abandon()
        _exit(
            f"toygan: aborted by a second {stop.name} while starting; nothing was saved",
            stop.exit_code,
        )
    _exit(
        f"toygan: aborted by a second {stop.name}; the last good checkpoint is "
        f"{session.run.checkpoint} (step {session.saved_step})\n"
        f"resume with: {resume_command(session)} --resume {session.run.path}",
        stop.exit_code,
    )


def _exit(message: str, code: int) -> NoReturn:
    say(message)
    sys.exit(code)
