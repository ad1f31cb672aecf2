"""A run and a sweep written by the release before the house (one loop for train and sweep)
keep working: they sample, plot, replay, are listed and resume under this toygan.

tests/fixtures/runs-v3 was written by toygan 0.1.0 at commit 79212d5 (checkpoint format 3)
with `toygan train --steps 60 --report-every 20 --save-every 20 --name fixture-v3 --ema 0.99
--device cpu --no-live` and `toygan sweep --seeds 1-2 --steps 60 --report-every 20
--save-every 20 --name sweep-1 --device cpu --no-live` (runs/last.pt left out);
sample-seed7.json and sweep-member2-seed7.json are what `toygan sample --seed 7 --format json
-n 3` (with `--member 2` for the sweep) printed for them then. The files are never rewritten:
every test works on a copy.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from clikit import toygan

FIXTURE = Path(__file__).parent / "fixtures" / "runs-v3"
# The same G at another CPU's float rounding (another SIMD width sums in another order): a
# sample of 15 numbers from a 60-step G agrees to well within this.
SAME_G = {"rtol": 1e-5, "atol": 1e-6}


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    copy = tmp_path / "runs"
    shutil.copytree(FIXTURE, copy)
    return copy


def sample(*args: object) -> dict[str, object]:
    result = toygan("sample", "--seed", 7, "--format", "json", "-n", 3, *args)
    assert result.code == 0, result.err
    return json.loads(result.out)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("args", "written"),
    [(("fixture-v3/ckpt.pt",), "sample-seed7.json"),
     (("sweep-1", "--member", "2"), "sweep-member2-seed7.json")],
)  # fmt: skip
def test_a_run_and_a_sweep_member_sample_what_they_sampled_then(
    runs: Path, args: tuple[str, ...], written: str
) -> None:
    then = json.loads((FIXTURE / written).read_text())
    now = sample("--ckpt", runs / args[0], *args[1:])
    assert (now["step"], now["generator"]) == (then["step"], then["generator"])
    np.testing.assert_allclose(now["curves"], then["curves"], **SAME_G)


def test_plot_replay_and_runs_read_them(runs: Path) -> None:
    for target in (["fixture-v3"], ["sweep-1", "--member", "1"]):
        plot = toygan("plot", *target, "--runs-dir", runs)
        assert plot.code == 0 and "3 reports" in plot.out.replace("\n", " "), plot.err
    svg = runs / "frame.svg"
    replay = toygan("replay", "sweep-1", "--member", "2", "--runs-dir", runs, "--out", svg)
    assert replay.code == 0 and svg.read_text().startswith("<svg"), replay.err
    listed = {
        row["id"]: row
        for row in json.loads(toygan("runs", "--runs-dir", runs, "--format", "json").out)
    }
    assert listed["fixture-v3"]["status"] == listed["sweep-1"]["status"] == "finished"
    assert listed["fixture-v3"]["step"] == listed["sweep-1"]["step"] == 60


def test_the_run_resumes_and_keeps_its_history(runs: Path) -> None:
    run = runs / "fixture-v3"
    before = (run / "metrics.jsonl").read_text().splitlines()
    result = toygan("train", "--resume", run, "--steps", 100, "--report-every", 20, "--no-live")
    assert result.code == 0, result.err
    after = (run / "metrics.jsonl").read_text().splitlines()
    assert after[: len(before)] == before
    assert [json.loads(row)["step"] for row in after] == [20, 40, 60, 80, 100]


def test_the_sweep_resumes_every_member_from_its_committed_step(runs: Path) -> None:
    sweep = runs / "sweep-1"
    before = (sweep / "metrics.jsonl").read_text().splitlines()
    result = toygan("sweep", "--resume", sweep, "--steps", 100, "--no-live")
    assert result.code == 0, result.err
    assert "sweep sweep-1 done at step 100/100: 2 members" in result.out
    rows = [json.loads(row) for row in (sweep / "metrics.jsonl").read_text().splitlines()]
    assert (sweep / "metrics.jsonl").read_text().splitlines()[: len(before)] == before
    assert sorted((r["member"], r["step"]) for r in rows if r["step"] > 60) == [
        (1, 80), (1, 100), (2, 80), (2, 100),
    ]  # fmt: skip
    assert json.loads((sweep / "saved.json").read_text())["step"] == 100
