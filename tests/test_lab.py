"""GAN Lab's controls on a training run, without a terminal: one update of D or of G alone, the
learning rates halved and doubled, each recorded in events.jsonl, and a run that had them
resumed bit for bit on a CPU; the engines take G's and D's Adam counts apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from labkit import plan_of, trained
from test_engines import device_style
from test_resume import assert_same_state

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.engines.autograd.reference import ReferenceEngine, draw_batch
from toygan_tui.core.engines.autograd.single import single_update
from toygan_tui.core.engines.cuda_graph.cuda import DeviceEngine
from toygan_tui.core.engines.factory import make_engine
from toygan_tui.core.engines.numpy_cpu.cpu import CpuEngine
from toygan_tui.core.runfiles.events import Event, Request, read_events
from toygan_tui.core.runfiles.frames import read_frames
from toygan_tui.core.runfiles.rundir import read_metrics
from toygan_tui.core.training.checkpoint import CheckpointError, read_checkpoint
from toygan_tui.core.training.lab import LR_RANGE, take
from toygan_tui.core.training.resume import locate
from toygan_tui.core.training.state import TrainState, new_state
from toygan_tui.core.training.trainers import run_trainer

CPU = torch.device("cpu")
PLAN = {  # at step s: what the keys asked (steps where the runs below report)
    40: [Request("update", "D"), Request("lr", "D", 0.5)],
    80: [Request("update", "G"), Request("update", "G"), Request("lr", "G", 2.0)],
    120: [Request("update", "D"), Request("lr", "D", 2.0)],
}


def config(**overrides: object) -> TrainConfig:
    knobs: dict[str, object] = dict(device="cpu", steps=160, report_every=40, save_every=1000,
                                    n_eval=200, problem="ring", n_show=64)  # fmt: skip
    knobs.update(overrides)
    return TrainConfig(**knobs)  # type: ignore[arg-type]


def tensors(state: TrainState, player: str) -> list[torch.Tensor]:
    """A player's weights and Adam moments, copied."""
    net, adam = (state.G, state.opt_G) if player == "G" else (state.D, state.opt_D)
    moments = [v for p in net.parameters() for k, v in adam.state[p].items() if k != "step"]
    return [t.detach().clone() for t in [*net.parameters(), *moments]]


def adam_steps(state: TrainState) -> tuple[int, int]:
    return tuple(  # type: ignore[return-value]
        int(adam.state[next(iter(net.parameters()))]["step"])
        for net, adam in ((state.G, state.opt_G), (state.D, state.opt_D))
    )


@pytest.mark.parametrize("pack", [1, 2])
@pytest.mark.parametrize("player", ["D", "G"])
def test_one_update_moves_its_player_alone_and_draws_what_a_step_draws(
    player: str, pack: int
) -> None:
    cfg = config(ema=0.99, pack=pack)  # packed: D's update takes packed inputs as a step does
    state, twin = new_state(cfg, CPU), new_state(cfg, CPU)
    make_engine(state).run(3)
    make_engine(twin).run(3)
    other = "G" if player == "D" else "D"
    before, still = tensors(state, player), tensors(state, other)
    ema = [p.clone() for p in state.g_ema.parameters()]  # type: ignore[union-attr]
    single_update(state, player)
    assert all(torch.equal(a, b) for a, b in zip(still, tensors(state, other), strict=True))
    assert not any(torch.equal(a, b) for a, b in zip(before, tensors(state, player), strict=True))
    moved = [not torch.equal(a, b) for a, b in zip(ema, state.g_ema.parameters(), strict=True)]  # type: ignore[union-attr]
    assert all(moved) == (player == "G")  # the EMA follows G's updates only
    assert adam_steps(state) == ((4, 3) if player == "G" else (3, 4))
    assert state.step == 3  # not a training step
    draw_batch(twin)  # the streams stand where one training step's draws leave them
    assert torch.equal(state.noise_gen.get_state(), twin.noise_gen.get_state())
    assert str(state.data_rng.get_state()) == str(twin.data_rng.get_state())  # type: ignore[union-attr]


@pytest.mark.parametrize("engine", ["cpu", "device"])
@pytest.mark.parametrize("problem", ["ring", "cond-curves"])
def test_the_fast_engines_go_on_from_single_updates_as_the_reference_does(
    problem: str, engine: str
) -> None:
    # G's and D's Adam counts apart (a counter each), then together again: every engine
    # takes the reference's steps from there, to float rounding. The GPU engine's step runs
    # eagerly on the CPU here, drawing its real samples as on a GPU (test_engines.py).
    def run(fast: bool) -> TrainState:
        state = new_state(config(problem=problem, seed=3), CPU)
        if engine == "device":
            device_style(state)
        for what in ("D", 10, "D", "D", "G", 5, "G", "G", 7):
            if isinstance(what, str):
                single_update(state, what)
            elif not fast:
                ReferenceEngine(state).run(what)
            else:
                (CpuEngine(state) if engine == "cpu" else DeviceEngine(state, False)).run(what)
        return state

    fast, reference = run(True), run(False)
    assert adam_steps(fast) == adam_steps(reference) == (25, 25)
    for player in ("G", "D"):
        for a, b in zip(tensors(fast, player), tensors(reference, player), strict=True):
            torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


def test_a_learning_rate_halves_doubles_and_stops_at_its_range() -> None:
    state = new_state(config(lr_d=1e-4), CPU)
    event, stats = take(state, Request("lr", "D", 0.5))
    assert event == Event(0, "lr", "D", 5e-5) and stats is None and state.events == 1
    assert state.opt_D.param_groups[0]["lr"] == 5e-5 and state.opt_G.param_groups[0]["lr"] == 1e-4
    state.opt_D.param_groups[0]["lr"] = LR_RANGE[1]
    assert take(state, Request("lr", "D", 2.0)) == (None, None)  # nothing changed, no event
    assert state.events == 1 and state.opt_D.param_groups[0]["lr"] == LR_RANGE[1]


@pytest.mark.parametrize("engine", ["auto", "reference"])
def test_a_run_with_updates_and_new_rates_resumes_bit_for_bit(tmp_path: Path, engine: str) -> None:
    cfg = config(engine=engine)
    trained(cfg, tmp_path, "whole", PLAN)
    events = read_events(tmp_path / "whole")
    assert [(e.step, e.action, e.player) for e in events] == [
        (s, r.action, r.player) for s, asked in PLAN.items() for r in asked
    ]
    assert [e.lr for e in events if e.action == "lr"] == [5e-5, 2e-4, 1e-4]
    # Stopped at step 120, before that step's requests (after those of 80), then resumed.
    first = trained(cfg, tmp_path, "split", PLAN, stop_at=120)
    assert first.step == 120 and len(read_events(tmp_path / "split")) == 5
    trained(cfg, tmp_path, "split", PLAN, resume=locate(tmp_path / "split"))
    whole, split = tmp_path / "whole" / "ckpt.pt", tmp_path / "split" / "ckpt.pt"
    assert_same_state(whole, split, "run_id", "elapsed")
    assert read_checkpoint(whole)["opt_G"]["param_groups"][0]["lr"] == 2e-4  # in force, saved
    assert read_events(tmp_path / "split") == events


def test_a_killed_runs_events_past_its_checkpoint_are_dropped_on_resume(tmp_path: Path) -> None:
    cfg, run = config(), tmp_path / "r"
    trained(cfg, tmp_path, "r", PLAN, stop_at=80)  # saved at 80 with the events of step 40
    saved = (run / "ckpt.pt").read_bytes()
    assert read_checkpoint(run / "ckpt.pt")["events"] == 2
    trained(cfg, tmp_path, "r", PLAN, stop_at=120, resume=locate(run))
    events = read_events(run)
    assert len(events) == 5
    # Killed after step 80's requests, before the save of step 120: the checkpoint of step 80
    # is the last good one, and the events file has three lines (and a torn one) past it.
    (run / "ckpt.pt").write_bytes(saved)
    (run / "events.jsonl").write_text((run / "events.jsonl").read_text() + '{"step": 100, "ac')
    trainer = trained(cfg, tmp_path, "r", {}, stop_at=80, resume=locate(run))
    assert trainer.step == 80 and read_events(run) == events[:2]
    assert (run / "events.jsonl").read_text().count("\n") == 2


def test_a_look_is_shown_and_in_status_json_but_never_recorded(tmp_path: Path) -> None:
    trainer = run_trainer(config(), tmp_path, "r")
    asked = {40: [Request("update", "D"), Request("lr", "G", 2.0)]}
    run, seen = tmp_path / "r", []
    for snap in trainer.reports(requests=lambda: asked.pop(trainer.step, [])):
        seen.append((snap.step, snap.lr["G"]))
        if len(seen) == 2:  # the look: the state after D's update, under G's new rate
            status = json.loads((run / "status.json").read_text())
            assert status["step"] == 40 and status["state"] == "paused"
            assert status["lr"] == {"G": 2e-4, "D": 1e-4}
            assert status["metrics"]["d_loss"] == pytest.approx(snap.stats["d_loss"])
        assert trainer.status is not None
        trainer.status.pause(len(seen) == 1)  # paused at 40 (as `d` pauses), then going again
    assert seen == [(40, 1e-4), (40, 2e-4), (80, 2e-4), (120, 2e-4), (160, 2e-4)]
    steps = [row["step"] for row in read_metrics(run / "metrics.jsonl")]
    assert steps == [40, 80, 120, 160]  # no row for the look
    assert [f.step for f in read_frames(run / "frames")] == steps


def test_a_key_that_changes_nothing_is_answered_by_a_look_all_the_same(tmp_path: Path) -> None:
    # A rate already at the end of its range: no event, but a look, so a paused view (whose
    # hold let the trainer take the request) is not handed a chunk of training instead.
    trainer = run_trainer(config(steps=80), tmp_path, "r")
    asked = {40: [Request("lr", "D", 1e9)]}
    steps = [s.step for s in trainer.reports(requests=lambda: asked.pop(trainer.step, []))]
    assert steps == [40, 40, 80] and read_events(tmp_path / "r") == []


def test_a_checkpoint_with_damaged_events_is_refused(tmp_path: Path) -> None:
    trained(config(steps=40), tmp_path, "r", {})
    data = torch.load(tmp_path / "r" / "ckpt.pt", weights_only=True)
    assert data["events"] == 0
    for bad in (-1, "3", True):
        data["events"] = bad
        torch.save(data, tmp_path / "bad.pt")
        with pytest.raises(CheckpointError, match="damaged checkpoint"):
            read_checkpoint(tmp_path / "bad.pt")
    del data["events"]  # a checkpoint from before the keys: none
    torch.save(data, tmp_path / "old.pt")
    assert read_checkpoint(tmp_path / "old.pt")["events"] == 0


def test_events_read_back_and_skip_what_is_no_event(tmp_path: Path) -> None:
    lines = [Event(40, "update", "D", 1e-4).line(), '{"step": 40', json.dumps({"step": 1}),
             Event(80, "lr", "G", 2e-4).line(), json.dumps({"step": 1, "action": "lr",
             "player": "X", "lr": 1.0})]  # fmt: skip
    (tmp_path / "events.jsonl").write_text("\n".join(lines) + "\n")
    assert read_events(tmp_path) == [Event(40, "update", "D", 1e-4), Event(80, "lr", "G", 2e-4)]
    assert plan_of(read_events(tmp_path), config()) == {
        40: [Request("update", "D")],
        80: [Request("lr", "G", 2.0)],
    }
