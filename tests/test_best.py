"""Keep the best: every run and every sweep member keeps best.pt (G at its best report by the
problem's headline measures) and best.json; `sample --best` draws from it, `toygan runs` shows
it, and it is no point to resume from."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from clikit import toygan
from torch import nn

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.problems import get_problem
from toygan_tui.core.problems.base import rank
from toygan_tui.core.runfiles.best import read_best
from toygan_tui.core.runfiles.frames import read_frames
from toygan_tui.core.runfiles.rundir import read_metrics
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.training import keeper, layouts
from toygan_tui.core.training.checkpoint import load_generator
from toygan_tui.core.training.evaluator import Players
from toygan_tui.core.training.keeper import BestWriter, MemberBest
from toygan_tui.core.training.trainers import run_trainer

CURVES = get_problem("curves")


def test_best_pt_holds_exactly_the_weights_of_the_best_report_behind_the_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = TrainConfig(steps=400, report_every=50, device="cpu", seed=3)
    gen = torch.Generator().manual_seed(cfg.eval_seed)  # the reports' fixed noise, as drawn
    z = torch.randn(cfg.n_eval, CURVES.noise_dim, generator=gen)[: cfg.n_show]
    seen: dict[int, np.ndarray] = {}

    class Watched(MemberBest):
        """Records what G draws from the weights each report hands to the keeper."""

        def __call__(self, snap: Snapshot, players: Players) -> None:
            time.sleep(0.02)  # the training goes on meanwhile: it must not matter
            with torch.no_grad():
                seen[snap.step] = players.G(z).numpy()
            super().__call__(snap, players)

    monkeypatch.setattr(layouts, "MemberBest", Watched)
    trainer = run_trainer(cfg, tmp_path, "r")
    for _ in trainer.reports(ahead=lambda: True):  # reports evaluated behind the training
        pass
    frames = {f.step: f.arrays["curves"] for f in read_frames(tmp_path / "r" / "frames")}
    assert sorted(seen) == sorted(frames) == list(range(50, 401, 50))
    for step, drawn in seen.items():  # the weights each report was evaluated with, exactly
        np.testing.assert_allclose(drawn, frames[step], rtol=1e-5, atol=1e-6)
    rows = read_metrics(tmp_path / "r" / "metrics.jsonl")
    best = read_best(tmp_path / "r")
    assert best is not None
    ranked = [(rank(CURVES, row), row["step"]) for row in rows]
    top = max(key for key, _ in ranked)
    assert best["step"] == next(step for key, step in ranked if key == top)  # the first at the top
    G, saved, step, _ = load_generator(tmp_path / "r" / "best.pt")
    assert step == best["step"] and saved == cfg
    with torch.no_grad():
        np.testing.assert_allclose(G(z).numpy(), frames[step], rtol=1e-5, atol=1e-6)


def snap(step: int, in_bounds: float, ema: float | None = None) -> Snapshot:
    quality = {"in_bounds": in_bounds, "a_w1": 0.05, "shape_rmse": 0.1, "coverage": 1.0}
    return Snapshot(
        step=step, total=1000, stats={}, quality=quality, samples=np.zeros((1, 15)),
        x=np.zeros(15), steps_per_s=1.0, elapsed=1.0,
        ema_quality={} if ema is None else {**quality, "in_bounds": ema},
    )  # fmt: skip


def players(value: float) -> Players:
    G = nn.Linear(1, 1)
    nn.init.constant_(G.weight, value)
    return Players(G, None)


def test_a_run_that_collapses_late_keeps_its_best_g(tmp_path: Path) -> None:
    failed: list[object] = []
    writer = BestWriter(lambda *failure: failed.append(failure))
    keep = MemberBest(tmp_path, TrainConfig(), "r", writer, resumed=False)
    for step, in_bounds in ((50, 0.5), (100, 0.9), (150, 0.9), (200, math.nan), (250, 0.2)):
        keep(snap(step, in_bounds), players(step))  # the collapse: 0.2, and no number at all
    writer.wait()
    assert read_best(tmp_path) == {"step": 100, "generator": "G", "quality": snap(100, 0.9).quality}
    kept = torch.load(tmp_path / "best.pt", weights_only=True)
    assert kept["kind"] == "best" and kept["step"] == 100 and kept["G"]["weight"].item() == 100
    assert kept["D"] == {} and kept["opt_G"] == {} and not failed

    again = MemberBest(tmp_path, TrainConfig(), "r", writer, resumed=True)  # resumed: must beat it
    again(snap(300, 0.8), players(300))
    writer.wait()
    assert read_best(tmp_path)["step"] == 100  # type: ignore[index]
    again(snap(350, 0.3, ema=0.95), players(350))  # an EMA of G is judged by the EMA's measures
    writer.wait()
    assert read_best(tmp_path) == {"step": 350, "generator": "ema",
                                   "quality": snap(350, 0.3, ema=0.95).ema_quality}  # fmt: skip


def test_better_reports_within_a_second_replace_the_waiting_one_and_the_end_writes_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At most one write per BEST_EVERY_S: the first better report is written at once, the
    ones after it wait and replace each other, and wait() (the run's end) writes the newest
    at once instead of sleeping out the pause."""
    monkeypatch.setattr(keeper, "BEST_EVERY_S", 600.0)
    written: list[int] = []
    write = keeper._write
    monkeypatch.setattr(keeper, "_write", lambda d, c: (written.append(c.step), write(d, c)))
    writer = BestWriter(lambda *failure: None)
    keep = MemberBest(tmp_path, TrainConfig(), "r", writer, resumed=False)
    keep(snap(50, 0.5), players(50))
    deadline = time.monotonic() + 10
    while not written and time.monotonic() < deadline:
        time.sleep(0.01)
    for step, in_bounds in ((100, 0.6), (150, 0.7), (200, 0.8)):
        keep(snap(step, in_bounds), players(step))
    started = time.monotonic()
    writer.wait()
    assert time.monotonic() - started < 60  # not the 600 s pause
    assert written == [50, 200] and read_best(tmp_path)["step"] == 200  # type: ignore[index]


def test_a_best_pt_that_cannot_be_written_is_told_not_fatal(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    failed: list[tuple[Path, int, OSError]] = []
    writer = BestWriter(lambda *failure: failed.append(failure))  # type: ignore[arg-type]
    MemberBest(blocker, TrainConfig(), "r", writer, resumed=False)(snap(50, 0.5), players(1))
    writer.wait()
    assert [(path, step) for path, step, _ in failed] == [(blocker, 50)]


def test_sample_best_runs_and_resume_know_best_pt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    runs = tmp_path / "runs"
    done = toygan("train", "--steps", 200, "--report-every", 50, "--runs-dir", runs, "--name",
                  "r", "--no-live", "--device", "cpu")  # fmt: skip
    assert done.code == 0, done.err
    best = read_best(runs / "r")
    assert best is not None
    for where in (runs / "r", runs / "r" / "ckpt.pt", runs / "last.pt"):
        drawn = toygan("sample", "--ckpt", where, "--best", "--format", "json", "-n", 2)
        assert drawn.code == 0, drawn.err
        assert json.loads(drawn.out)["best"] is True
        assert json.loads(drawn.out)["step"] == best["step"]
    value = f"{best['quality']['in_bounds']:.3f}"
    listed = toygan("runs", "--runs-dir", runs)
    assert f"in_bounds {value} at {best['step']}" in listed.out
    assert (
        json.loads(toygan("runs", "--runs-dir", runs, "--format", "json").out)[0]["best"]["step"]
        == best["step"]
    )
    refused = toygan("train", "--resume", runs / "r" / "best.pt", "--steps", 300)
    assert refused.code == 2 and refused.err.count("\n") == 1
    assert "best.pt keeps G at the run's best report, for sampling; resume from the run" in (
        refused.err
    )


def test_every_sweep_member_keeps_its_own_best(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    done = toygan("sweep", "--seeds", "1-2", "--steps", 100, "--report-every", 50, "--runs-dir",
                  runs, "--name", "s", "--no-live", "--device", "cpu")  # fmt: skip
    assert done.code == 0, done.err
    for member in (1, 2):
        assert read_best(runs / "s" / "members" / str(member)) is not None
    drawn = toygan("sample", "--ckpt", runs / "s", "--member", 2, "--best", "--format", "json")
    assert drawn.code == 0 and json.loads(drawn.out)["best"] is True, drawn.err
