"""train(): run a GAN and yield a Snapshot at every report. It prints and saves nothing itself.

The caller decides pacing and presentation; checkpoints are handed to an `on_save` callback
(minGPT's Trainer fires events, the caller logs and saves).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Protocol

import torch

from toygan_tui.core.engines.reference import ReferenceEngine
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.training.config import TrainConfig
from toygan_tui.core.training.evaluator import Evaluator
from toygan_tui.core.training.state import TrainState, new_state, resolve_device


class Engine(Protocol):
    """Advances a TrainState; after run() returns, the state's modules, optimizers and RNGs
    are exactly those after the steps taken (so a checkpoint may be written at once)."""

    name: str

    def run(self, n: int) -> torch.Tensor:
        """Take n steps; return the loss's stats of the last (may be unsynced)."""
        ...


def make_engine(state: TrainState) -> Engine:
    """The engine the config asks for; `auto` takes the fast one where it applies."""
    if state.cfg.engine != "reference":
        from toygan_tui.core.engines.fast import make_fast_engine

        fast = make_fast_engine(state, required=state.cfg.engine == "fast")
        if fast is not None:
            return fast
    return ReferenceEngine(state)


def snapshot(
    state: TrainState,
    engine: Engine,
    stats: torch.Tensor,
    evaluator: Evaluator,
    timing: tuple[float, float],
) -> Snapshot:
    """Build the report for the state's current step: the only host sync of a report."""
    cfg = state.cfg
    values = stats.double().cpu().tolist()
    steps_per_s, elapsed = timing
    seen = evaluator.evaluate(state)
    return Snapshot(
        step=state.step,
        total=cfg.steps,
        stats=dict(zip(cfg.the_loss.stat_names, values, strict=True)),
        quality=seen.quality,
        curves=seen.shown,
        x=state.x,
        steps_per_s=steps_per_s,
        elapsed=elapsed,
        device=str(state.device),
        engine=engine.name,
        problem=cfg.problem,
        loss=cfg.loss,
        labels=seen.labels,
        heat=seen.heat,
        ema_quality=seen.ema_quality,
    )


def next_stop(step: int, every: int) -> int:
    """The first multiple of `every` after `step`."""
    return (step // every + 1) * every


def train(
    cfg: TrainConfig,
    state: TrainState | None = None,
    on_save: Callable[[TrainState], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> Iterator[Snapshot]:
    """Train to cfg.steps, yielding a Snapshot every cfg.report_every steps and at the end.

    on_save(state) is called every cfg.save_every steps and when the run ends or stops;
    should_stop() is polled between chunks of steps (a chunk never crosses a report or save).
    """
    state = state or new_state(cfg, resolve_device(cfg.device))
    engine = make_engine(state)
    evaluator = Evaluator(cfg, state.device)
    threads = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    try:
        yield from _loop(state, engine, evaluator, on_save, should_stop)
    finally:
        torch.set_num_threads(threads)


def _loop(
    state: TrainState,
    engine: Engine,
    evaluator: Evaluator,
    on_save: Callable[[TrainState], None] | None,
    should_stop: Callable[[], bool],
) -> Iterator[Snapshot]:
    cfg = state.cfg
    started, last_time, last_step = time.monotonic(), time.monotonic(), state.step
    while state.step < cfg.steps and not should_stop():
        report_at = next_stop(state.step, cfg.report_every)
        save_at = next_stop(state.step, cfg.save_every)
        stats = engine.run(min(report_at, save_at, cfg.steps) - state.step)
        if state.step == report_at or state.step == cfg.steps:
            now = time.monotonic()
            speed = (state.step - last_step) / max(now - last_time, 1e-9)
            elapsed = state.elapsed + now - started
            yield snapshot(state, engine, stats, evaluator, (speed, elapsed))
            last_time, last_step = time.monotonic(), state.step
        if on_save is not None and state.step == save_at and state.step < cfg.steps:
            on_save(state)
    state.elapsed += time.monotonic() - started
    if on_save is not None:
        on_save(state)
