"""The one training loop: members stepped together, reported and saved together. A run is a
trainer of one member; a sweep is a plan (its option grid) plus a trainer of its members.

`Trainer.reports()` trains to --steps and yields a report every --report-every steps and at
the end: what its layout hands out (training/layouts.py: a run's Snapshot, a sweep's table).
It prints nothing; the caller decides pacing and presentation.

- Chunks of steps never cross a report or a save. Members that can share the batched engine
  are stepped as one (core/engines: make_groups); a lone member takes its own engine.
- On a CPU a report may be evaluated behind the training (training/reporter.py) while the
  engines take the next chunk, when the caller's `ahead()` allows: the reports then come one
  chunk late, each still exactly its own step's, in order, none dropped. Before a checkpoint,
  at the end, on a stop, and whenever `ahead()` says no (a paused or slowed dashboard, which
  must show the step the training stands at), the report waiting is handed out first.
- Checkpoints are written off the training thread (runfiles/saving.py); a failed write never
  stops training: it is told (once per distinct problem) and retried at the next save; only a
  final state that could not be saved ends the training with SaveFailed.
- A member whose losses, samples or parameters stop being finite is frozen at its last good
  checkpoint (its measures read NaN from then on) while the others go on; when none is left
  the training ends with Diverged (a run: at once). Nothing non-finite is ever saved.
- In a torchrun job only rank 0 evaluates and writes; the others train the same chunks.
- What the keys ask (`requests()`, polled between chunks: one D or G update, a learning rate;
  training/lab.py) is done between two chunks, recorded as the run's events, and answered by
  a look: a report of the state as it then stands, shown and in status.json, not recorded.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

import torch

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.engines import GroupEngine, make_groups
from toygan_tui.core.errors import Diverged
from toygan_tui.core.runfiles.events import Request
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.runfiles.status import StatusWriter
from toygan_tui.core.training.checkpoint import params_finite
from toygan_tui.core.training.evaluator import Evaluator
from toygan_tui.core.training.lab import Lab, learning_rates
from toygan_tui.core.training.layouts import Layout
from toygan_tui.core.training.member import Member, non_finite
from toygan_tui.core.training.reporter import ReportAt, Reporter, report_worker
from toygan_tui.core.training.state import TrainState, new_state, resolve_device

R = TypeVar("R")  # what the trainer hands out per report
L = TypeVar("L", bound=Layout)  # where its files go
Groups = list[tuple[list[int], GroupEngine]]


def next_stop(step: int, every: int) -> int:
    """The first multiple of `every` after `step`."""
    return (step // every + 1) * every


class Trainer(Generic[R, L]):
    def __init__(self, members: Sequence[Member], layout: L, resumed: bool = False) -> None:
        self.members, self.layout = list(members), layout
        first = self.members[0].state
        self.cfg = first.cfg  # the lockstep options (steps, reports, saves) are every member's
        self.device, self.step, self.steps = first.device, first.step, first.cfg.steps
        self.status: StatusWriter | None = None  # once training has started
        self.engine = ""  # the engines' names, as the reports say
        self.save_error = ""  # why the latest save failed
        self._warn: Callable[[str], None] = lambda message: None
        self._warned: set[str] = set()
        self._problems: queue.SimpleQueue[str] = queue.SimpleQueue()  # from the report worker
        self._groups: Groups | None = None
        self.lab = Lab(self.members)  # what the keys ask, between two chunks
        layout.prepare(self, resumed)

    @property
    def frozen(self) -> dict[int, int]:
        """The frozen members (by number) and the step each diverged at."""
        return {m.number or 0: m.frozen_at for m in self.members if m.frozen_at is not None}

    @property
    def saved_step(self) -> int:
        """The step of the last good checkpoint: waits for a save in flight, so the step
        named is one whose checkpoint is on the disk."""
        writer = self.layout.writer
        if writer is None:
            return self.step
        writer.wait()
        return writer.saved_step

    def reports(
        self,
        should_stop: Callable[[], bool] = lambda: False,
        on_warning: Callable[[str], None] | None = None,
        ahead: Callable[[], bool] = lambda: False,
        requests: Callable[[], list[Request]] = lambda: [],
    ) -> Iterator[R]:
        """Train to --steps, handing out a report at every report and saving as it goes.

        should_stop() is polled between chunks; on_warning(message) hears of writes that failed
        while training went on, and of frozen members; ahead() says whether the training may
        go on while a report is evaluated (polled at every report); requests() what the keys
        ask (polled between chunks): each answered by a look."""
        self._warn = on_warning or (lambda message: None)
        self.status = self.layout.status(self)
        threads = torch.get_num_threads()
        torch.set_num_threads(self.cfg.cpu_threads)
        cpu = self.device.type == "cpu" and self.layout.reports
        worker = report_worker(self.cfg.cpu_threads) if cpu else None
        self._attach_reporters(worker)
        diverged = False
        try:
            yield from self._loop(should_stop, ahead, requests)
        except Diverged:
            diverged = True
            raise
        finally:
            if worker is not None:
                worker.shutdown(wait=True, cancel_futures=True)
            torch.set_num_threads(threads)
            if self.layout.best is not None:
                self.layout.best.wait()  # the last best.pt is on the disk before the run ends
            self._tell_problems()
            saved = self.saved_step  # the last save is on the disk before the run says it ended
            if self.status is not None:
                self.status.end(self.step, diverged=diverged)  # for `toygan watch`
        if saved != self.step:
            raise self.layout.save_failed(self, self.save_error)

    def _loop(
        self,
        should_stop: Callable[[], bool],
        ahead: Callable[[], bool],
        requests: Callable[[], list[Request]],
    ) -> Iterator[R]:
        cfg = self.cfg
        started = last_time = self.lab.started = time.monotonic()
        last_step = self.step
        waiting: list[Future[Snapshot] | None] | None = None  # evaluated behind the training
        while self.step < self.steps and not should_stop():
            asked = requests()
            if waiting is not None and (asked or not ahead()):
                yield self._hand_out(waiting)  # the view must catch up before training goes on
                waiting = None
            if asked:  # answered by a look, whatever changed: a paused view stays paused
                self._take(asked)
                yield self._look()
                continue
            report_at, save_at = (
                next_stop(self.step, cfg.report_every),
                next_stop(self.step, cfg.save_every),
            )
            stats = self.lab.stats = self._run(min(report_at, save_at, self.steps) - self.step)
            if self.layout.reports and self.step in (report_at, self.steps):
                now = time.monotonic()
                speed = self.lab.speed = (self.step - last_step) / max(now - last_time, 1e-9)
                # Not behind a checkpoint (its step's report comes first) nor the run's end.
                behind = self.step not in (save_at, self.steps) and ahead()
                submitted = self._submit(stats, speed, now - started, behind)
                if waiting is not None:
                    yield self._hand_out(waiting)  # the earlier report first
                waiting = submitted
                if not behind:
                    yield self._hand_out(waiting)
                    waiting = None
                last_time, last_step = time.monotonic(), self.step
            if waiting is not None and self.step == save_at:
                yield self._hand_out(waiting)  # a checkpoint comes after the reports up to it
                waiting = None
            if self.step == save_at and self.step < self.steps:
                self.save()
        if waiting is not None:
            yield self._hand_out(waiting)  # stopped: the report of the step it stopped at
        for member in self.members:
            member.state.elapsed += time.monotonic() - started
        self.save()

    def _run(self, n: int) -> list[torch.Tensor | None]:
        """n steps of every live member; each one's stats (None: frozen, its state stays and
        its step follows the others')."""
        live = [i for i, m in enumerate(self.members) if m.live]
        if self._groups is None or [i for g, _ in self._groups for i in g] != live:
            groups = make_groups([self.members[i].state for i in live])
            self._groups = [([live[i] for i in indices], group) for indices, group in groups]
        stats: list[torch.Tensor | None] = [None] * len(self.members)
        for indices, group in self._groups:
            for i, member_stats in zip(indices, group.run(n), strict=True):
                stats[i] = member_stats
        for i, member in enumerate(self.members):
            if stats[i] is None:
                member.state.step += n
        self.engine = ", ".join(sorted({group.name for _, group in self._groups})) or "none"
        self.step += n
        return stats

    def _attach_reporters(self, worker: Any) -> None:
        """Each member's reporter: one evaluator per kind of member (a sweep's members equal in
        what it reads share its fixed noise batch), on the trainer's one report worker."""
        if not self.layout.reports:
            return
        evaluators: dict[tuple[object, ...], Evaluator] = {}
        for member in self.members:
            key = Evaluator.key(member.state.cfg)
            if key not in evaluators:
                evaluators[key] = Evaluator(member.state.cfg, self.device)
            member.reporter = Reporter(evaluators[key], member.state, self._recorder(member),
                                       worker, keep=self.layout.keeper(member))  # fmt: skip

    def _recorder(self, member: Member) -> Callable[[Snapshot], Snapshot]:
        """Where a member's report is built (maybe the report worker, in step order): named
        for its run and appended to its files; what failed is told from the training thread
        (_tell_problems), with the reports."""

        def record(snap: Snapshot) -> Snapshot:
            snap = member.named(snap)
            if member.files is not None:
                for problem in member.files.record(snap):
                    self._problems.put(problem)
            return self.layout.on_report(snap)

        return record

    def _submit(
        self, stats: list[torch.Tensor | None], speed: float, elapsed: float, behind: bool
    ) -> list[Future[Snapshot] | None]:
        futures: list[Future[Snapshot] | None] = []
        for member, member_stats in zip(self.members, stats, strict=True):
            if member_stats is None or member.reporter is None:
                futures.append(None)
                continue
            at = ReportAt(self.step, self.engine, member_stats, speed,
                          member.state.elapsed + elapsed, learning_rates(member.state))  # fmt: skip
            futures.append(member.reporter.submit(at, behind))
        return futures

    def _take(self, asked: list[Request]) -> None:
        """Do what the keys asked of every live member. Where that changed anything, the
        engines are built again: they hold the learning rates and Adam's step counts."""
        changed, problems = self.lab.take(asked)
        for problem in problems:
            self.warn(problem)
        if changed:
            self._groups = None

    def _look(self) -> R:
        """The state as it stands between two reports (after a key's update or new rate):
        shown and written to status.json, never to the run's metrics or frames."""
        view: R = self.layout.view(self, self.lab.look(self.step, self.engine))
        if self.status is not None:
            self.status.report(view)
        return view

    def _hand_out(self, futures: list[Future[Snapshot] | None]) -> R:
        """The reports of one step, once evaluated: a member whose numbers are not finite is
        frozen (and the training ends when none is left)."""
        snaps = [None if f is None else f.result() for f in futures]
        if self.layout.best is not None:
            self.layout.best.tell()
        self._tell_problems()
        last: tuple[Member, str] | None = None
        for member, snap in zip(self.members, snaps, strict=True):
            what = non_finite(snap) if snap is not None else ""
            if what and self.layout.watches_divergence and member.live:
                self._freeze(member, what)
                last = (member, what)
        view: R = self.layout.view(self, snaps)
        if self.status is not None:
            self.status.report(view)
        if last is not None and not any(m.live for m in self.members):
            raise self.layout.all_frozen(self, *last)
        return view

    def save(self) -> None:
        """Every live member's checkpoint at this step (a member whose parameters are not
        finite is frozen instead), written behind the training."""
        watch = self.layout.watches_divergence
        for member in self.members:
            if watch and member.live and not params_finite(member.state):
                self._freeze(member, "parameters are")
                if not any(m.live for m in self.members):
                    raise self.layout.all_frozen(self, member, "parameters are")
        self.layout.save(self, [m for m in self.members if m.live])

    def _freeze(self, member: Member, what: str) -> None:
        member.frozen_at = self.step
        self.layout.frozen(self, member, what)

    def write_failed(self, path: Any, step: int, exc: OSError) -> None:
        """A checkpoint write failed (heard on the training thread): told once per problem."""
        self.save_error = exc.strerror or str(exc)
        self.warn(self.layout.failed_write(path, step, self.save_error)
                  + "; training goes on and will retry at the next save")  # fmt: skip

    def warn(self, message: str) -> None:
        if message not in self._warned:  # once per distinct problem, not once per report
            self._warned.add(message)
            self._warn(message)

    def _tell_problems(self) -> None:
        while not self._problems.empty():
            self.warn(self._problems.get())


def train(
    cfg: TrainConfig,
    state: TrainState | None = None,
    on_save: Callable[[TrainState], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    ahead: Callable[[], bool] = lambda: False,
    on_report: Callable[[Snapshot], Snapshot] = lambda snap: snap,
) -> Iterator[Snapshot]:
    """A run that writes no files (a library call; tests call `list(train(cfg))`): a Snapshot
    every cfg.report_every steps and at the end. on_save(state) hears every save (every
    cfg.save_every steps, and when the run ends or stops); on_report(snapshot) is called with
    each report where it is built (maybe the report worker), and what it returns is yielded."""
    state = state or new_state(cfg, resolve_device(cfg.device))
    trainer: Trainer[Snapshot, Layout] = Trainer([Member(state)], Layout(on_save, on_report))
    yield from trainer.reports(should_stop, ahead=ahead)
