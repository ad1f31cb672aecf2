"""`toygan train`: a run, fresh or resumed, trained in the foreground (launch/foreground.py) or
in the background (launch/detach.py), alone or as rank 0 of a torchrun job.

Exit codes as launch/foreground.py says: 0 finished (also: a resumed run already finished), 1
diverged or the final checkpoint could not be written, 2 bad input, 130 Ctrl-C, 143 SIGTERM.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toygan_tui.launch.foreground import run_in_foreground, warn
from toygan_tui.launch.start import RunStart, already_finished
from toygan_tui.ui.terminal.tty import say

if TYPE_CHECKING:
    from toygan_tui.core.config import TrainConfig
    from toygan_tui.core.world import World


def run_train(
    options: dict[str, Any],
    typed: Collection[str],
    *,
    runs_dir: Path,
    name: str | None,
    live: bool | None,
    resume: Path | None = None,
    speed: float | None = None,
    lang: str | None = None,
) -> None:
    """Train (or continue) a run: `options` holds every option of the table by name, `typed`
    names those the user typed (a resumed run takes only these over its own); `speed` caps the
    steps per second (keys change it when live). Under torchrun, rank 0 does this (and leads
    the job); the other ranks follow it quietly."""
    from toygan_tui.core.config import resolve
    from toygan_tui.core.world import world_from_env
    from toygan_tui.ui.i18n import use

    use(lang)  # the dashboard's words
    world = world_from_env()
    if world is not None:
        typed = {*typed, "device"}  # every process takes the device its command line names
        if not world.leader:
            from toygan_tui.launch.torchrun import follow

            follow(world, options["device"])
            return
    if resume is None:
        start = RunStart.fresh(fits(resolve(options, typed), world), runs_dir, name, world)
    else:
        everything = {**options, "runs_dir": runs_dir, "name": name}
        resumed = _resumed(resume, {k: everything[k] for k in typed if k in everything}, world)
        if resumed is None:
            return
        start = resumed
    run_in_foreground(start, live, speed)


def _resumed(path: Path, typed: dict[str, Any], world: World | None) -> RunStart | None:
    """The start that continues the run at `path`; None when it has already finished."""
    from toygan_tui.core.training.resume import plan

    point, cfg = plan(path, typed)
    if already_finished(point, cfg):
        return None
    return RunStart.resumed(point, fits(cfg, world), world)


def fits(cfg: TrainConfig, world: World | None = None) -> TrainConfig:
    """The config, once a torchrun job has checked it can train it and a problem that reads
    the user's files has read them and settled what they decide (torch-free: before the
    first frame)."""
    from toygan_tui.core.config import with_data
    from toygan_tui.core.world import check_job

    if world is not None:
        check_job(
            world, batch_size=cfg.batch_size, engine=cfg.engine, device=cfg.device, pack=cfg.pack
        )
    return with_data(cfg, note=lambda line: say(f"toygan: {line}"), warn=warn)
