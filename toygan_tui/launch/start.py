"""A training's first frame before torch has loaded, and its trainer, built on demand.

Importing torch takes a second and more. `train` and `sweep` first check what they can without
it (the options, the name, the runs directory), claim the directory, and the first frame (or
plain line) says "starting" with the id and the step total; only the stream it reads imports
torch and builds the trainer, when first asked for a report. A resumed run needs torch to read
its checkpoint, so its first frame comes after that.

A Ctrl-C (or SIGTERM) while torch loads cancels the start: the trainer, which writes the first
checkpoints, is not built, and a fresh run's still-empty directory (a fresh sweep's, holding
only its config.json) is removed, so nothing is left behind.

`RunStart` and `SweepStart` say in words how their training ended (launch/foreground.py).
"""

from __future__ import annotations

import contextlib
import importlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from toygan_tui.core.errors import InputError
from toygan_tui.core.runfiles.rundir import CONFIG_FILE, claim_run_dir
from toygan_tui.core.runfiles.snapshot import Starting
from toygan_tui.core.runfiles.status import StatusWriter
from toygan_tui.core.runfiles.sweepreport import table_json
from toygan_tui.ui.live import Steering
from toygan_tui.ui.screens import RunScreen, Screen, SweepScreen
from toygan_tui.ui.sweep_view import SweepView, progress_line

if TYPE_CHECKING:
    from toygan_tui.core.config import TrainConfig
    from toygan_tui.core.sweep_plan import SweepPlan
    from toygan_tui.core.training.resume import ResumePoint
    from toygan_tui.core.training.trainer import Trainer
    from toygan_tui.core.world import World
    from toygan_tui.ui.terminal.controls import Controls

TRAINERS = "toygan_tui.core.training.trainers"  # imports torch: the long wait


class Start:
    """A training about to start: what its first frame says, and its trainer, once built."""

    def __init__(
        self,
        starting: Starting,
        build: Callable[[], Trainer[Any, Any]],
        claimed: Path | None = None,
        world: World | None = None,
    ) -> None:
        self.starting = starting
        self.world = world  # the torchrun job this process leads (None: a plain run)
        self._build = build
        self.claimed = claimed  # a fresh directory, to remove if the start is given up
        self.trainer: Trainer[Any, Any] | None = None  # once reports() has built it

    def reports(
        self,
        should_stop: Callable[[], bool],
        on_warning: Callable[[str], None],
        on_begin: Callable[[int], None] = lambda step: None,
        ahead: Callable[[], bool] = lambda: False,
    ) -> Iterator[Any]:
        """Import torch, build the trainer, then train (Trainer.reports); on_begin(step) hears
        when training is about to start, at which step. Stopped while torch loaded: nothing
        is built, nothing handed out, and `trainer` stays None."""
        importlib.import_module(TRAINERS)
        if should_stop():
            self.abandon()
            return
        try:
            self.trainer = self._build()
        except InputError:  # e.g. --device cuda on a machine without one, a full disk
            self.abandon()
            raise
        on_begin(self.trainer.step)
        yield from self.trainer.reports(should_stop, on_warning, ahead)

    def status(self) -> StatusWriter | None:
        """The training's status.json writer, once it has started (the keys tell it of a
        pause or a speed cap)."""
        return self.trainer.status if self.trainer is not None else None

    def abandon(self) -> None:
        """Give up the start: a fresh directory goes, if nothing was written in it."""
        if self.claimed is not None:
            with contextlib.suppress(OSError):
                self.claimed.rmdir()  # only if still empty

    # -- what the command shows and says (the subclasses' words) ----------------------------
    def screen(self) -> Screen:
        return RunScreen()

    def steering(self, controls: Controls) -> Steering:
        """What steers the frames: the keys (a lesson also pauses them at its moments)."""
        return controls

    def finish(self, last: Any, console: Console) -> None:
        """What is printed once the training ended, before how it ended is said."""

    def resume_command(self) -> str:
        raise NotImplementedError

    def done_line(self) -> str:
        raise NotImplementedError

    def saved_where(self) -> str:
        """Where its checkpoints are, as 'stopped ... ; <this>' says it."""
        raise NotImplementedError

    def last_good(self) -> str:
        """Where its last good checkpoints are, as 'aborted ... ; <this>' says it."""
        raise NotImplementedError


class RunStart(Start):
    """A run: runs/<id>/, shown as a dashboard."""

    @classmethod
    def fresh(
        cls, cfg: TrainConfig, runs_dir: Path, name: str | None, world: World | None = None
    ) -> RunStart:
        path = claim_run_dir(runs_dir, name)

        def build() -> Trainer[Any, Any]:
            from toygan_tui.core.training.trainers import run_trainer

            return run_trainer(cfg, runs_dir, path.name, world=world)

        starting = Starting(path.name, 0, cfg.steps, cfg.problem, cfg.loss)
        return cls(starting, build, claimed=path, world=world)

    @classmethod
    def resumed(cls, point: ResumePoint, cfg: TrainConfig, world: World | None = None) -> RunStart:
        def build() -> Trainer[Any, Any]:
            from toygan_tui.core.training.trainers import resumed_run_trainer

            return resumed_run_trainer(point, cfg, world)

        starting = Starting(point.run.run_id, point.step, cfg.steps, cfg.problem, cfg.loss)
        return cls(starting, build, world=world)

    def _layout(self) -> Any:
        assert self.trainer is not None
        return self.trainer.layout

    def resume_command(self) -> str:
        """How this run was started, and is resumed: plain, or as a torchrun job."""
        command = "toygan train"
        if self.world is not None:
            per_machine = self.world.per_machine
            command = f"torchrun --nproc-per-node {per_machine} -m toygan_tui train"
        return f"{command} --resume {self._layout().run.path}"

    def done_line(self) -> str:
        trainer, layout = self.trainer, self._layout()
        assert trainer is not None
        return (
            f"run {layout.run.run_id} done at step {trainer.step}/{trainer.steps}: "
            f"checkpoint {layout.run.checkpoint} (and {layout.last_checkpoint})"
        )

    def saved_where(self) -> str:
        return f"checkpoint saved: {self._layout().run.checkpoint}"

    def last_good(self) -> str:
        assert self.trainer is not None
        return (
            f"the last good checkpoint is {self._layout().run.checkpoint} "
            f"(step {self.trainer.saved_step})"
        )


class SweepStart(Start):
    """A sweep: runs/sweep-<n>/, shown as a table (its final one printed once it ends)."""

    fmt = "table"  # the final table as a table, or as JSON on stdout

    @classmethod
    def of(cls, plan: SweepPlan, path: Path, resumed: bool, fmt: str = "table") -> SweepStart:
        def build() -> Trainer[Any, Any]:
            from toygan_tui.core.training.trainers import sweep_trainer

            return sweep_trainer(plan, path, resume=resumed)

        first = plan.first.cfg
        step = 0 if not resumed else _saved_step(path)
        starting = Starting(path.name, step, first.steps, first.problem, first.loss)
        start = cls(starting, build, claimed=None if resumed else path)
        start.fmt = fmt
        return start

    def abandon(self) -> None:
        """A fresh sweep that never trained leaves nothing: its config.json and its directory
        go (if nothing else was written in it)."""
        if self.claimed is not None:
            with contextlib.suppress(OSError):
                (self.claimed / CONFIG_FILE).unlink(missing_ok=True)
        super().abandon()

    def screen(self) -> Screen:
        return SweepScreen()

    def finish(self, last: Any, console: Console) -> None:
        """The table once, as it stands at the end (or the JSON of it, alone on stdout)."""
        if last is None:
            return
        if self.fmt == "json":
            print(json.dumps(table_json(last), indent=2))
            return
        console.print(progress_line(last), soft_wrap=False, overflow="ellipsis", no_wrap=True)
        console.print(SweepView(last, final=True))

    def _path(self) -> Path:
        assert self.trainer is not None
        return Path(self.trainer.layout.files.path)

    def resume_command(self) -> str:
        return f"toygan sweep --resume {self._path()}"

    def done_line(self) -> str:
        trainer = self.trainer
        assert trainer is not None
        return (
            f"sweep {self._path().name} done at step {trainer.step}/{trainer.steps}: "
            f"{len(trainer.members)} members in {self._path()}"
        )

    def saved_where(self) -> str:
        return f"every member's checkpoint saved in {self._path()}"

    def last_good(self) -> str:
        assert self.trainer is not None
        return f"the last good checkpoints are in {self._path()} (step {self.trainer.saved_step})"


def _saved_step(path: Path) -> int:
    from toygan_tui.core.runfiles.saving import read_saved

    step = read_saved(path).get("step", 0)
    return step if isinstance(step, int) else 0


def check_device(device: str) -> None:
    """An explicit cuda or mps device must exist here: checked before a training starts (this
    imports torch, so only for those)."""
    if device not in ("auto", "cpu"):
        from toygan_tui.core.training.state import resolve_device

        resolve_device(device)


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
