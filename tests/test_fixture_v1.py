"""Runs written by toygan's first release format keep working.

tests/fixtures/runs-v1/fixture-v1 was written by the released code (checkpoint format 1,
curves + minimax, before problems and losses existed) with
`toygan train --steps 60 --report-every 20 --save-every 20 --name fixture-v1
--runs-dir tests/fixtures/runs-v1 --no-live`; sample-seed7.json beside it is what
`toygan sample --seed 7 --format json -n 3` printed for it then. The files are never rewritten:
every test works on a copy.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from clikit import assert_drawn_alike, assert_loads_bit_for_bit, toygan

FIXTURE = Path(__file__).parent / "fixtures" / "runs-v1"
RUN_ID = "fixture-v1"


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    """A private copy of the fixture's runs directory."""
    copy = tmp_path / "runs"
    shutil.copytree(FIXTURE / RUN_ID, copy / RUN_ID)
    return copy


def _sample(ckpt: Path) -> dict[str, object]:
    result = toygan("sample", "--ckpt", ckpt, "--seed", 7, "--format", "json", "-n", 3)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_sample_of_the_v1_checkpoint_draws_what_the_release_drew(runs: Path) -> None:
    released = json.loads((FIXTURE / "sample-seed7.json").read_text())
    assert released["step"] == 60
    # The same G, bit for bit, and what it draws: as the release drew it, to the float32
    # rounding by which CPUs differ (the release's numbers came from another machine).
    assert_loads_bit_for_bit(runs / RUN_ID / "ckpt.pt")
    assert_drawn_alike(_sample(runs / RUN_ID / "ckpt.pt"), released)


def test_plot_reads_the_v1_metrics(runs: Path) -> None:
    result = toygan("plot", runs / RUN_ID)
    assert result.code == 0, result.err
    assert "(3 reports)" in result.out
    assert "d_real" in result.out and "in_bounds" in result.out


def test_runs_lists_the_v1_run(runs: Path) -> None:
    result = toygan("runs", "--runs-dir", runs, "--format", "json")
    assert result.code == 0, result.err
    (row,) = json.loads(result.out)
    assert row["id"] == RUN_ID and row["step"] == 60


def test_a_v1_run_resumes_and_keeps_its_history(runs: Path) -> None:
    run = runs / RUN_ID
    before = (run / "metrics.jsonl").read_text().splitlines()
    result = toygan("train", "--resume", run, "--steps", 100, "--no-live")
    assert result.code == 0, result.err

    after = (run / "metrics.jsonl").read_text().splitlines()
    assert after[:3] == before  # the released rows stay as they were
    assert [json.loads(line)["step"] for line in after] == [20, 40, 60, 80, 100]
    config = json.loads((run / "config.json").read_text())
    assert config["steps"] == 100 and config["seed"] == 1
    resumed = _sample(run / "ckpt.pt")
    assert resumed["step"] == 100
    assert resumed["curves"] != _sample(FIXTURE / RUN_ID / "ckpt.pt")["curves"]  # it trained on


def test_watch_shows_the_finished_v1_run(runs: Path) -> None:
    result = toygan("watch", runs / RUN_ID)
    assert result.code == 0, result.err
    assert "step 60/60" in result.out and "finished" in result.out


def test_the_v1_checkpoint_reads_as_curves_and_minimax_and_new_ones_are_format_3(
    runs: Path, tmp_path: Path
) -> None:
    import torch

    from toygan_tui.core.training.checkpoint import FORMAT_VERSION, config_of, read_checkpoint

    old = runs / RUN_ID / "ckpt.pt"
    data = read_checkpoint(old)
    assert data["format_version"] == 1 and "n_ideas" in data["config"]
    cfg = config_of(old, data)
    assert (cfg.problem, cfg.loss, cfg.seed, cfg.steps) == ("curves", "minimax", 1, 60)

    assert toygan("train", "--resume", runs / RUN_ID, "--steps", 80, "--no-live").code == 0
    data = read_checkpoint(old)  # rewritten by the resumed run, in this toygan's format
    assert data["format_version"] == FORMAT_VERSION == 3
    assert data["config"]["problem"] == "curves" and "n_ideas" not in data["config"]

    data["config"]["spectral_norm"] = True  # what a newer toygan might write
    crafted = tmp_path / "newer.pt"
    torch.save(data, crafted)
    result = toygan("sample", "--ckpt", crafted)
    assert result.code == 2 and "unknown option 'spectral_norm'" in result.err
    assert len(result.err.strip().splitlines()) == 1
