"""A run's first frame before torch has loaded.

Importing torch takes a second and more. `toygan train` first checks what it can without it
(the options, the run's name, the runs directory), picks the run's id and creates its directory;
the dashboard (or the first plain line) then says "starting" with the id and the step total, and
only the stream it reads imports torch and builds the Session, when first asked for a snapshot.
A resumed run needs torch to read its checkpoint, so its first frame comes after that.

A Ctrl-C (or SIGTERM) while torch loads cancels the start: the Session, which writes the
run's first checkpoint and runs/last.pt, is not built, and a fresh run's still-empty directory
is removed, so nothing is left behind.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from toygan_tui.core.errors import InputError
from toygan_tui.core.runfiles.rundir import claim_run_dir
from toygan_tui.core.runfiles.snapshot import Snapshot, Starting

if TYPE_CHECKING:
    from toygan_tui.core.config import TrainConfig
    from toygan_tui.core.training.resume import ResumePoint
    from toygan_tui.core.training.session import Session
    from toygan_tui.core.world import World


class Start:
    """A run about to train: what its first frame says, and the Session, built on demand."""

    def __init__(
        self,
        starting: Starting,
        build: Callable[[], Session],
        claimed: Path | None = None,
        world: World | None = None,
    ) -> None:
        self.starting = starting
        self.world = world  # the torchrun job this process leads (None: a plain run)
        self._build = build
        self.claimed = claimed  # a fresh run's directory, empty until the Session fills it
        self.session: Session | None = None  # once snapshots() has built it

    @classmethod
    def fresh(
        cls, cfg: TrainConfig, runs_dir: Path, name: str | None, world: World | None = None
    ) -> Start:
        path = claim_run_dir(runs_dir, name)

        def build() -> Session:
            from toygan_tui.core.training.session import Session  # torch

            try:
                return Session(cfg, runs_dir, path.name, world=world)
            except InputError:  # e.g. --device cuda on a machine without one
                start.abandon()
                raise

        starting = Starting(path.name, 0, cfg.steps, cfg.problem, cfg.loss)
        start = cls(starting, build, claimed=path, world=world)
        return start

    @classmethod
    def resumed(cls, point: ResumePoint, cfg: TrainConfig, world: World | None = None) -> Start:
        def build() -> Session:
            from toygan_tui.core.training.session import Session

            return Session.resume(point, cfg, world)

        starting = Starting(point.run.run_id, point.step, cfg.steps, cfg.problem, cfg.loss)
        return cls(starting, build, world=world)

    def snapshots(
        self,
        should_stop: Callable[[], bool],
        on_warning: Callable[[str], None],
        on_begin: Callable[[int], None] = lambda step: None,
        ahead: Callable[[], bool] = lambda: False,
    ) -> Iterator[Snapshot]:
        """Import torch, build the Session, then train: Session.snapshots; on_begin(step)
        hears when training is about to start, at which step. Stopped while torch loaded:
        nothing is built, nothing yielded, and `session` stays None."""
        importlib.import_module("toygan_tui.core.training.session")  # torch: the long wait
        if should_stop():
            self.abandon()
            return
        self.session = self._build()
        on_begin(self.session.state.step)
        yield from self.session.snapshots(should_stop, on_warning, ahead)

    def abandon(self) -> None:
        """Give up the start: a fresh run's directory goes, if nothing was written in it."""
        if self.claimed is not None:
            with contextlib.suppress(OSError):
                self.claimed.rmdir()  # only if still empty
