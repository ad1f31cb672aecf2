"""train(): run a GAN and yield a Snapshot at every report. It prints and saves nothing itself.

The caller decides pacing and presentation; checkpoints are handed to an `on_save` callback
(minGPT's Trainer fires events, the caller logs and saves).

On a CPU a report is evaluated behind the training (training/reporter.py) while the engine
takes the next chunk of steps, when the caller's `ahead()` allows: the reports then come one
chunk late, each still exactly its own step's, in order, none dropped. Before a checkpoint,
at the end, on a stop, and whenever `ahead()` says no (a paused or slowed dashboard, which
must show the step the training stands at), the report waiting is handed out first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future

import torch

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.engines.contract import Engine
from toygan_tui.core.engines.factory import make_engine
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.training.evaluator import Evaluator
from toygan_tui.core.training.reporter import ReportAt, Reporter
from toygan_tui.core.training.state import TrainState, new_state, resolve_device


def next_stop(step: int, every: int) -> int:
    """The first multiple of `every` after `step`."""
    return (step // every + 1) * every


def train(
    cfg: TrainConfig,
    state: TrainState | None = None,
    on_save: Callable[[TrainState], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    ahead: Callable[[], bool] = lambda: False,
    on_report: Callable[[Snapshot], Snapshot] = lambda snap: snap,
) -> Iterator[Snapshot]:
    """Train to cfg.steps, yielding a Snapshot every cfg.report_every steps and at the end.

    on_save(state) is called every cfg.save_every steps and when the run ends or stops;
    should_stop() is polled between chunks of steps (a chunk never crosses a report or save);
    ahead() says whether the training may go on while the latest report is evaluated (then
    it is yielded after the next chunk), polled at every report; on_report(snapshot) is called
    with each report in step order where it is built (maybe the report thread), and what it
    returns is yielded. In a torchrun job only rank 0 evaluates and yields; the others train
    the same chunks.
    """
    state = state or new_state(cfg, resolve_device(cfg.device))
    engine = make_engine(state)
    leader = state.world is None or state.world.leader
    reporter = Reporter(Evaluator(cfg, state.device), state, on_report) if leader else None
    threads = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    try:
        yield from _loop(state, engine, reporter, on_save, should_stop, ahead)
    finally:
        if reporter is not None:
            reporter.close()
        torch.set_num_threads(threads)


def _loop(
    state: TrainState,
    engine: Engine,
    reporter: Reporter | None,
    on_save: Callable[[TrainState], None] | None,
    should_stop: Callable[[], bool],
    ahead: Callable[[], bool],
) -> Iterator[Snapshot]:
    cfg = state.cfg
    started, last_time, last_step = time.monotonic(), time.monotonic(), state.step
    waiting: Future[Snapshot] | None = None  # a report evaluated while the next chunk trains
    while state.step < cfg.steps and not should_stop():
        if waiting is not None and not ahead():
            yield waiting.result()  # the view must catch up before the training goes on
            waiting = None
        report_at = next_stop(state.step, cfg.report_every)
        save_at = next_stop(state.step, cfg.save_every)
        stats = engine.run(min(report_at, save_at, cfg.steps) - state.step)
        if reporter is not None and (state.step == report_at or state.step == cfg.steps):
            now = time.monotonic()
            speed = (state.step - last_step) / max(now - last_time, 1e-9)
            at = ReportAt(state.step, engine.name, stats, speed, state.elapsed + now - started)
            # Not behind a checkpoint (its step's report comes first) nor the run's end.
            behind = state.step not in (save_at, cfg.steps) and ahead()
            report = reporter.submit(at, behind)
            if waiting is not None:
                yield waiting.result()  # the earlier report first
            waiting = report
            if not behind:
                yield waiting.result()
                waiting = None
            last_time, last_step = time.monotonic(), state.step
        if waiting is not None and state.step == save_at:
            yield waiting.result()  # a checkpoint comes after the reports up to its step
            waiting = None
        if on_save is not None and state.step == save_at and state.step < cfg.steps:
            on_save(state)
    if waiting is not None:
        yield waiting.result()  # stopped: the report of the step it stopped at
    state.elapsed += time.monotonic() - started
    if on_save is not None:
        on_save(state)
