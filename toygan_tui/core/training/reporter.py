"""Reports evaluated behind the training: a report's evaluation (G on the fixed noise batch,
the problem's measures, D's heatmap) runs on a worker thread while the engine takes the next
steps on the training thread.

At a report's step the training thread copies G (D, G's EMA) into spare modules (evaluator.freeze)
and hands them over with the step's loss stats and timing; the report is then exactly the one
an evaluation at that step gives, whatever the engine does meanwhile. The worker also appends
it to the run's files (the caller's on_report), so it is on the disk when it is handed out.
Torch's matmuls, numpy's array loops and file writes release the GIL, so on a machine with a
second core most of a report's cost leaves the training's way.

Only on a CPU: a GPU's engine and evaluation share one stream (nothing to overlap), and its
report is a host sync anyway. The loop decides when it may train ahead of a report it has not
yet handed out, and hands them out in step order (training/loop.py).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import torch

from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.training.evaluator import Evaluator, Players
from toygan_tui.core.training.state import TrainState


@dataclass(frozen=True)
class ReportAt:
    """What a report takes from the training thread at its step, besides the players."""

    step: int
    engine: str  # the engine's name as it stands (the GPU engine's may say why it is eager)
    stats: torch.Tensor  # the loss's stats of the step (a tensor the engine made for it)
    steps_per_s: float  # since the previous report
    elapsed: float  # seconds since the run started


class Reporter:
    """Builds a Snapshot per report, on its worker thread or at once, and passes it through
    `on_report` there (the Session appends it to the run's files): what that returns is the
    report handed out."""

    def __init__(
        self,
        evaluator: Evaluator,
        state: TrainState,
        on_report: Callable[[Snapshot], Snapshot] = lambda snap: snap,
    ) -> None:
        self.evaluator, self.state, self.on_report = evaluator, state, on_report
        self._last: Future[Snapshot] | None = None  # the latest report sent to the worker
        self._pool = (
            ThreadPoolExecutor(
                1,
                thread_name_prefix="toygan-report",
                # torch's thread count is per thread (OpenMP): the worker gets the run's too
                initializer=torch.set_num_threads,
                initargs=(state.cfg.threads,),
            )
            if state.device.type == "cpu"
            else None
        )

    def submit(self, at: ReportAt, behind: bool) -> Future[Snapshot]:
        """The report of the state's current step: being evaluated on the worker (`behind`,
        on a CPU), or done here."""
        if self._pool is None or not behind:
            if self._last is not None:
                self._last.result()  # on_report sees the reports in step order
            done: Future[Snapshot] = Future()
            done.set_result(self.snapshot(at, self.evaluator.players(self.state)))
            return done
        seen = self.evaluator.freeze(self.state)
        future = self._last = seen.busy = self._pool.submit(self.snapshot, at, seen)
        return future

    def snapshot(self, at: ReportAt, seen: Players) -> Snapshot:
        """The report, passed through on_report."""
        return self.on_report(report(self.state, self.evaluator, at, seen))

    def close(self) -> None:
        """Wait for the evaluation in flight (if any) and end the worker."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def report(state: TrainState, evaluator: Evaluator, at: ReportAt, seen: Players) -> Snapshot:
    """The report of `seen` (the players at `at.step`): their evaluation and the loss's stats
    (the only host sync)."""
    cfg = state.cfg
    values = at.stats.double().cpu().tolist()
    evaluation = evaluator.evaluate(seen)
    return Snapshot(
        step=at.step,
        total=cfg.steps,
        stats=dict(zip(state.loss.stat_names, values, strict=True)),
        quality=evaluation.quality,
        curves=evaluation.shown,
        x=state.x,
        steps_per_s=at.steps_per_s,
        elapsed=at.elapsed,
        device=str(state.device),
        engine=at.engine,
        problem=cfg.problem,
        loss=cfg.loss,
        labels=evaluation.labels,
        heat=evaluation.heat,
        ema_quality=evaluation.ema_quality,
    )
