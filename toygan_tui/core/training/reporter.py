"""A member's reports, evaluated behind the training where they may be: a report's evaluation
(G on the fixed noise batch, the problem's measures, D's heatmap) runs on the trainer's report
worker while the engine takes the next steps on the training thread.

At a report's step the training thread copies G (D, G's EMA) into spare modules (`Spares`) and
hands them over with the step's loss stats and timing; the report is then exactly the one an
evaluation at that step gives, whatever the engine does meanwhile. The worker also appends it
to the member's files (the caller's on_report), so it is on the disk when it is handed out.
Torch's matmuls, numpy's array loops and file writes release the GIL, so on a machine with a
second core most of a report's cost leaves the training's way.

Only on a CPU: a GPU's engine and evaluation share one stream (nothing to overlap), and its
report is a host sync anyway. The trainer decides when it may train ahead of a report it has
not yet handed out, and hands them out in step order (training/trainer.py).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import torch

from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.training.evaluator import Evaluator, Players
from toygan_tui.core.training.state import TrainState

SPARES = 2  # frozen copies in turn: one being evaluated while the next step's is taken


@dataclass(frozen=True)
class ReportAt:
    """What a report takes from the training thread at its step, besides the players."""

    step: int
    engine: str  # the engine's name as it stands (the GPU engine's may say why it is eager)
    stats: torch.Tensor  # the loss's stats of the step (a tensor the engine made for it)
    steps_per_s: float  # since the previous report
    elapsed: float  # seconds since the run started
    lr: dict[str, float] = field(default_factory=dict)  # the players' learning rates in force


def report_worker(threads: int) -> ThreadPoolExecutor:
    """The one thread a trainer's reports are evaluated on, behind the training."""
    return ThreadPoolExecutor(
        1,
        thread_name_prefix="toygan-report",
        # torch's thread count is per thread (OpenMP): the worker gets the run's too
        initializer=torch.set_num_threads,
        initargs=(threads,),
    )


class Spares:
    """Copies of one run's players as they are at a report's step (a few thousand floats:
    microseconds), in spare modules used in turn; a spare still being read is waited for."""

    def __init__(self, evaluator: Evaluator, state: TrainState) -> None:
        self.evaluator, self.state = evaluator, state
        self._spares: list[Players] = []
        self._live: list[torch.Tensor] = []
        self._copies: list[list[torch.Tensor]] = []
        self._turn = 0

    @torch.no_grad()
    def freeze(self) -> Players:
        if not self._spares:
            live = self.evaluator.players(self.state)
            self._spares = [copy.deepcopy(live) for _ in range(SPARES)]
            self._live = live.tensors()  # the engines update these tensors in place
            self._copies = [spare.tensors() for spare in self._spares]
        spare, copies = self._spares[self._turn], self._copies[self._turn]
        self._turn = (self._turn + 1) % SPARES
        if spare.busy is not None:
            spare.busy.result()
        torch._foreach_copy_(copies, self._live)  # one call (the fast engines use it too)
        return spare


class Reporter:
    """Builds a member's Snapshot per report, on the trainer's worker or at once, and passes
    it through `on_report` there (the member appends it to its files): what that returns is
    the report handed out."""

    def __init__(
        self,
        evaluator: Evaluator,
        state: TrainState,
        on_report: Callable[[Snapshot], Snapshot] = lambda snap: snap,
        worker: ThreadPoolExecutor | None = None,
        keep: Callable[[Snapshot, Players], None] | None = None,
    ) -> None:
        self.evaluator, self.state, self.on_report = evaluator, state, on_report
        self.worker = worker  # None: every report is evaluated at once, here
        self.keep = keep  # hears each report with the players it saw (training/keeper.py)
        self.spares = Spares(evaluator, state)
        self._last: Future[Snapshot] | None = None  # the latest report sent to the worker

    def submit(self, at: ReportAt, behind: bool) -> Future[Snapshot]:
        """The report of the state's current step: being evaluated on the worker (`behind`),
        or done here."""
        if self.worker is None or not behind:
            if self._last is not None:
                self._last.result()  # on_report sees the reports in step order
            done: Future[Snapshot] = Future()
            done.set_result(self.snapshot(at, self.evaluator.players(self.state)))
            return done
        seen = self.spares.freeze()
        future = self._last = seen.busy = self.worker.submit(self.snapshot, at, seen)
        return future

    def look(self, at: ReportAt) -> Snapshot:
        """The state as it stands, evaluated here and not passed through on_report: a look
        between two reports (after a key's update), which the run's files do not keep."""
        return report(self.state, self.evaluator, at, self.evaluator.players(self.state))

    def snapshot(self, at: ReportAt, seen: Players) -> Snapshot:
        """The report, passed through on_report (and `keep`, while `seen` is still the
        players at the report's step)."""
        snap = report(self.state, self.evaluator, at, seen)
        if self.keep is not None:
            self.keep(snap, seen)
        return self.on_report(snap)


def report(state: TrainState, evaluator: Evaluator, at: ReportAt, seen: Players) -> Snapshot:
    """The report of `seen` (the players at `at.step`): their evaluation and the loss's stats
    (the only host sync)."""
    values = at.stats.double().cpu().tolist()
    evaluation = evaluator.evaluate(seen)
    return Snapshot(
        step=at.step,
        total=state.cfg.steps,
        stats=dict(zip(state.loss.stat_names, values, strict=True)),
        quality=evaluation.quality,
        samples=evaluation.shown,
        x=state.problem.x,
        steps_per_s=at.steps_per_s,
        elapsed=at.elapsed,
        device=str(state.device),
        engine=at.engine,
        problem=state.cfg.problem,
        loss=state.cfg.loss,
        labels=evaluation.labels,
        heat=evaluation.heat,
        ema_quality=evaluation.ema_quality,
        manifold=evaluation.manifold,
        arrows=evaluation.arrows,
        lr=at.lr,
        pack=state.cfg.pack,
    )
