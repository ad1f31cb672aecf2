"""bench/speed_gpu and bench/gpu_check in their dry runs: every code path on the CPU, so the
scripts that only a GPU machine runs for real cannot rot unnoticed (they run here in seconds)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from clikit import ROOT


def bench(*args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, str(ROOT / "bench" / args[0]), *args[1:]]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=240)


@pytest.mark.slow
def test_speed_gpu_dry_run_times_every_row_and_names_the_engines() -> None:
    done = bench("speed_gpu", "--dry-run", "--json", "--steps", "20")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    rows = ["learner loop", "reference engine", "fast, eager", "picked engine", "toygan train"]
    assert list(result["steps_per_s"]) == rows
    assert all(speed > 0 for speed in result["steps_per_s"].values())
    assert result["picked_engine"] == result["train_engine"] == "fast"  # the CPU's fast engine
    assert result["max_param_diff"] < 1e-4  # the picked engine took the reference's steps


@pytest.mark.slow
def test_gpu_check_dry_run_reads_the_dashboard_header_and_resumes_the_checkpoint() -> None:
    done = bench("gpu_check", "--dry-run", "--only", "train,checkpoint")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[-3].startswith("train       PASS  header: engine fast;")
    assert lines[-2].startswith("checkpoint  PASS  sampled 4 curves at step 300 and resumed")
    assert lines[-1] == "== 2 passed, 0 failed =="


@pytest.mark.slow
def test_gpu_check_dry_run_sweeps_trains_a_folder_and_runs_a_torchrun_job() -> None:
    done = bench("gpu_check", "--dry-run", "--only", "sweep,images,torchrun")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert re.match(r"sweep +PASS  model-steps/s K=1 \d+, K=4 \d+ \(30 steps each\)$", lines[-4])
    assert re.match(r"images +PASS  16×16, batch 128: steps/s decodes \(1st run\) [\d.]+, "
                    r"cache \(2nd run\) [\d.]+$", lines[-3])  # fmt: skip
    job = "2 processes trained 200 steps; engine 'reference ×2 gloo'"
    assert lines[-2] == f"torchrun    PASS  {job}"
    assert lines[-1] == "== 3 passed, 0 failed =="


def test_gpu_check_refuses_an_unknown_step() -> None:
    done = bench("gpu_check", "--only", "train,warp")
    assert done.returncode == 2
    assert "unknown steps ['warp']" in done.stderr
