"""Reports evaluated behind the training (core/training/reporter.py): while the engine takes
the next chunk, the previous report is evaluated on a worker thread from a copy of G (and D)
taken at its step. Every report must be exactly the one evaluated at its step, in step order,
none dropped, each before the checkpoint of its step; the training's streams never see them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import pytest
import torch

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.engines.factory import make_engine
from toygan_tui.core.runfiles.frames import read_frames
from toygan_tui.core.runfiles.rundir import read_metrics
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.training.evaluator import Evaluator
from toygan_tui.core.training.reporter import ReportAt, Reporter, Spares
from toygan_tui.core.training.state import new_state
from toygan_tui.core.training.trainer import train
from toygan_tui.core.training.trainers import run_trainer

CPU = torch.device("cpu")


def cfg_of(**knobs: object) -> TrainConfig:
    base: dict[str, object] = {"steps": 300, "report_every": 20, "save_every": 100, "seed": 3}
    return TrainConfig(**{**base, **knobs, "device": "cpu"})  # type: ignore[arg-type]


def run(cfg: TrainConfig, ahead: Callable[[], bool]) -> tuple[list[Snapshot], list[tuple]]:
    """The reports and, in order, what happened: ("report", step, state's step), ("save", step)."""
    state = new_state(cfg, CPU)
    events: list[tuple] = []
    snaps = []
    for snap in train(cfg, state, lambda s: events.append(("save", s.step)), ahead=ahead):
        snaps.append(snap)
        events.append(("report", snap.step, state.step))
    return snaps, events


def same(a: dict[str, float], b: dict[str, float]) -> bool:
    """The same names and numbers, bit for bit (NaN equal to NaN: rkl is NaN early on)."""
    return a.keys() == b.keys() and np.array_equal(list(a.values()), list(b.values()), True)


def assert_same_reports(got: list[Snapshot], want: list[Snapshot]) -> None:
    assert [s.step for s in got] == [s.step for s in want]
    for a, b in zip(got, want, strict=True):
        assert same(a.stats, b.stats) and same(a.quality, b.quality), a.step
        assert same(a.ema_quality, b.ema_quality), a.step
        assert np.array_equal(a.samples, b.samples), a.step
        assert (a.heat is None) == (b.heat is None)
        if a.heat is not None:
            assert np.array_equal(a.heat, b.heat), a.step


@pytest.mark.slow
@pytest.mark.parametrize(
    "knobs",
    [
        {},  # the curves and the fast CPU engine
        {"engine": "reference"},
        {"problem": "ring", "hidden": 32, "batch_size": 64, "steps": 120},  # D's heatmap too
        {"ema": 0.9},  # the EMA of G, measured beside G
        {"ema": 0.9, "engine": "reference"},
    ],
    ids=["fast", "reference", "ring", "ema-fast", "ema-reference"],
)
def test_reports_behind_are_exactly_those_evaluated_at_their_step(knobs: dict) -> None:
    cfg = cfg_of(**knobs)
    behind, _ = run(cfg, ahead=lambda: True)
    at_once, _ = run(cfg, ahead=lambda: False)
    assert [s.step for s in at_once] == list(range(20, cfg.steps + 1, 20))
    assert bool(at_once[-1].ema_quality) == bool(cfg.ema)
    assert_same_reports(behind, at_once)


def test_a_report_behind_really_comes_a_chunk_late_and_before_its_checkpoint() -> None:
    cfg = cfg_of()
    _, events = run(cfg, ahead=lambda: True)
    reports = [e for e in events if e[0] == "report"]
    # Evaluated while the next chunk trained (else the test above proves nothing) ...
    late = [(step, at) for _, step, at in reports if step % cfg.save_every and step < cfg.steps]
    assert late and all(at == step + cfg.report_every for step, at in late)
    # ... but never past a checkpoint: the reports up to a save's step come before it.
    for i, event in enumerate(events):
        if event[0] == "save":
            before = {e[1] for e in events[:i] if e[0] == "report"}
            assert set(range(20, event[1] + 1, 20)) <= before, event
            assert all(e[1] > event[1] for e in events[i + 1 :] if e[0] == "report")


def test_held_the_view_catches_up_before_the_training_goes_on() -> None:
    """When ahead() says no (paused, capped), the report waiting comes at once, and from then
    on each report comes at its own step, as without reports behind."""
    cfg = cfg_of()
    allowed = {"now": True}
    state = new_state(cfg, CPU)
    seen = []
    for snap in train(cfg, state, ahead=lambda: allowed["now"]):
        seen.append((snap.step, state.step))
        if snap.step == 60:
            allowed["now"] = False  # a pause pressed while the report of step 60 is shown
    after = [(step, at) for step, at in seen if step > 60]
    assert after[0] == (80, 80), "the report waiting comes before any more training"
    assert all(step == at for step, at in after)
    assert [step for step, _ in seen] == list(range(20, cfg.steps + 1, 20))


def test_a_stop_hands_out_the_report_of_the_step_it_stopped_at(tmp_path: Path) -> None:
    cfg = cfg_of(steps=1000)
    trainer = run_trainer(cfg, tmp_path)
    steps = []
    stream = trainer.reports(should_stop=lambda: len(steps) >= 3, ahead=lambda: True)
    for snap in stream:
        steps.append(snap.step)
    assert steps == [20, 40, 60, 80]  # the fourth was trained before the stop was seen
    assert trainer.members[0].state.step == trainer.saved_step == steps[-1]
    rows = (tmp_path / trainer.layout.run.run_id / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == len(steps)


def test_a_frozen_copy_keeps_its_step_while_the_training_goes_on() -> None:
    cfg = cfg_of(problem="ring", hidden=32, batch_size=64)
    state = new_state(cfg, CPU)
    engine, evaluator = make_engine(state), Evaluator(cfg, CPU)
    engine.run(10)
    frozen = Spares(evaluator, state).freeze()
    then = evaluator.evaluate(evaluator.players(state))
    engine.run(10)
    later = evaluator.evaluate(frozen)
    now = evaluator.evaluate(evaluator.players(state))
    assert np.array_equal(later.shown, then.shown) and same(later.quality, then.quality)
    assert then.heat is not None and np.array_equal(later.heat, then.heat)
    assert not np.array_equal(now.shown, then.shown)  # the training did move G


def test_the_run_files_get_the_reports_in_step_order_even_when_writing_is_slow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """on_report (the trainer's appends) runs on the report thread for reports behind and on
    the training thread for the others (at a checkpoint, held): never out of step order.

    The race is provoked, not hoped for: a report behind is held on the report thread until
    the training thread has submitted the next report; when that one is the training thread's
    own to record, the hold lasts 0.2 s more (a slow disk), and a training thread that did not
    wait its turn would record it meanwhile."""
    cfg = cfg_of(save_every=60)
    recorded: list[int] = []
    held: list[int] = []
    submitted: list[tuple[int, bool]] = []  # (step, behind), in the order submitted
    news = threading.Condition()
    submit = Reporter.submit

    awaited: set[int] = set()  # reports behind the training thread waits for (it goes no further)

    def spy(reporter: Reporter, at: ReportAt, behind: bool) -> Future[Snapshot]:
        with news:
            submitted.append((at.step, behind))
            news.notify_all()
        future = submit(reporter, at, behind)
        result = future.result

        def awaited_result(timeout: float | None = None) -> Snapshot:
            with news:
                awaited.add(at.step)
                news.notify_all()
            return result(timeout)

        future.result = awaited_result  # type: ignore[method-assign]
        return future

    def slow_record(snap: Snapshot) -> Snapshot:
        if threading.current_thread() is not threading.main_thread():  # a report behind
            with news:
                news.wait_for(
                    lambda: submitted[-1][0] > snap.step or snap.step in awaited, timeout=10
                )
                later = [behind for step, behind in submitted if step > snap.step]
            if later and not later[0]:  # the next one is recorded on the training thread
                held.append(snap.step)
                time.sleep(0.2)
        recorded.append(snap.step)
        return snap

    monkeypatch.setattr(Reporter, "submit", spy)
    toggles = iter([True, True, False, True, False, False] * 20)
    state = new_state(cfg, CPU)
    stream = train(cfg, state, ahead=lambda: next(toggles, True), on_report=slow_record)
    yielded = [snap.step for snap in stream]
    assert yielded == recorded == list(range(20, cfg.steps + 1, 20))
    assert held  # the race was there to lose


def test_a_runs_trainer_appends_every_report_once_in_order(tmp_path: Path) -> None:
    cfg = cfg_of(save_every=60)
    trainer = run_trainer(cfg, tmp_path)
    yielded = [snap.step for snap in trainer.reports(ahead=lambda: True)]
    run = tmp_path / trainer.layout.run.run_id
    assert yielded == list(range(20, cfg.steps + 1, 20))
    assert [row["step"] for row in read_metrics(run / "metrics.jsonl")] == yielded
    assert [frame.step for frame in read_frames(run / "frames")] == yielded
