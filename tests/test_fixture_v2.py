"""Runs written by checkpoint format 2 (problems and losses, before recipes and the EMA of G)
keep working: they read as recipe tutorial without an EMA, sample, resume and are listed.

tests/fixtures/runs-v2/fixture-v2 was written by toygan at format 2 with
`toygan train --steps 60 --report-every 20 --save-every 20 --name fixture-v2
--runs-dir tests/fixtures/runs-v2 --no-live` (runs/last.pt left out); sample-seed7.json beside
it is what `toygan sample --seed 7 --format json -n 3` printed for it then. The files are never
rewritten: every test works on a copy.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from clikit import assert_drawn_alike, assert_loads_bit_for_bit, toygan

FIXTURE = Path(__file__).parent / "fixtures" / "runs-v2"
RUN_ID = "fixture-v2"


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    copy = tmp_path / "runs"
    shutil.copytree(FIXTURE / RUN_ID, copy / RUN_ID)
    return copy


def _sample(ckpt: Path, *extra: str) -> dict[str, object]:
    result = toygan("sample", "--ckpt", ckpt, "--seed", 7, "--format", "json", "-n", 3, *extra)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_the_v2_checkpoint_reads_as_the_tutorial_recipe_without_ema(runs: Path) -> None:
    from toygan_tui.core.training.checkpoint import config_of, read_checkpoint

    path = runs / RUN_ID / "ckpt.pt"
    data = read_checkpoint(path)
    assert data["format_version"] == 2 and "ema" not in data["config"]
    assert data["G_ema"] is None  # formats 1 and 2 kept none
    cfg = config_of(path, data)
    assert (cfg.recipe, cfg.ema, cfg.loss, cfg.steps) == ("tutorial", 0.0, "minimax", 60)


def test_sample_of_the_v2_checkpoint_draws_what_format_2_drew(runs: Path) -> None:
    released = json.loads((FIXTURE / "sample-seed7.json").read_text())
    assert released["step"] == 60
    # The same G, bit for bit, and what it draws (with --raw too: format 2 kept no EMA): as
    # format 2 drew it, to the float32 rounding by which CPUs differ (clikit.CROSS_CPU_ATOL).
    assert_loads_bit_for_bit(runs / RUN_ID / "ckpt.pt")
    for now in (_sample(runs / RUN_ID / "ckpt.pt"), _sample(runs / RUN_ID / "ckpt.pt", "--raw")):
        assert_drawn_alike(now, released)


def test_a_v2_run_resumes_into_format_3_and_keeps_its_history(runs: Path) -> None:
    from toygan_tui.core.training.checkpoint import FORMAT_VERSION, read_checkpoint

    run = runs / RUN_ID
    before = (run / "metrics.jsonl").read_text().splitlines()
    result = toygan("train", "--resume", run, "--steps", 100, "--no-live")
    assert result.code == 0, result.err
    after = (run / "metrics.jsonl").read_text().splitlines()
    assert after[:3] == before
    assert [json.loads(line)["step"] for line in after] == [20, 40, 60, 80, 100]
    assert not any(key.startswith("ema_") for key in json.loads(after[-1]))  # no EMA to measure
    data = read_checkpoint(run / "ckpt.pt")
    assert data["format_version"] == FORMAT_VERSION == 3 and data["G_ema"] is None
    assert json.loads((run / "config.json").read_text())["recipe"] == "tutorial"


def test_a_v2_run_refuses_an_ema_on_resume(runs: Path) -> None:
    result = toygan("train", "--resume", runs / RUN_ID, "--steps", 100, "--ema", 0.99)
    assert result.code == 2
    assert "--ema 0.99 differs from the run's --ema 0.0" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_plot_and_runs_read_the_v2_run(runs: Path) -> None:
    assert "(3 reports)" in toygan("plot", runs / RUN_ID).out
    listed = toygan("runs", "--runs-dir", runs, "--format", "json")
    assert listed.code == 0 and json.loads(listed.out)[0]["step"] == 60
