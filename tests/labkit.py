"""Runs that take the lab's key requests at given steps, in this process: what a person pressed
(or what a run's events.jsonl says was pressed), played to a trainer without a terminal."""

from __future__ import annotations

from pathlib import Path

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.runfiles.events import Event, Request
from toygan_tui.core.training.resume import ResumePoint
from toygan_tui.core.training.trainers import RunTrainer, run_trainer

Plan = dict[int, list[Request]]  # at step s (after its report): these requests, in order


def plan_of(events: list[Event], cfg: TrainConfig) -> Plan:
    """The requests that made `events` (a learning rate as the factor from the one before)."""
    plan: Plan = {}
    rates = {"G": cfg.lr_g, "D": cfg.lr_d}
    for e in events:
        factor = 1.0
        if e.action == "lr":
            factor, rates[e.player] = e.lr / rates[e.player], e.lr
        plan.setdefault(e.step, []).append(Request(e.action, e.player, factor))
    return plan


def trained(
    cfg: TrainConfig,
    runs: Path,
    name: str,
    plan: Plan,
    stop_at: int | None = None,
    resume: ResumePoint | None = None,
) -> RunTrainer:
    """Train the run `name` (or continue `resume`), taking the plan's requests at their steps,
    but for as many as the resumed checkpoint already holds; stopped at `stop_at`."""
    trainer = run_trainer(cfg, runs, name, resume=resume)
    left = {step: list(asked) for step, asked in sorted(plan.items())}
    done = trainer.members[0].state.events  # the requests its events already count
    for step in left:
        dropped, done = min(done, len(left[step])), done - min(done, len(left[step]))
        left[step] = left[step][dropped:]

    def requests() -> list[Request]:
        return left.pop(trainer.step, [])

    def stop() -> bool:
        return stop_at is not None and trainer.step >= stop_at

    for _ in trainer.reports(stop, requests=requests):
        pass
    return trainer
