"""A sweep interrupted loses nothing, as `train` does: Ctrl-C or SIGTERM saves every member and
says how to resume, the resumed sweep equals one run straight through (bit for bit on the CPU),
and `--detach` runs it in the background while `watch` follows it from its files."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
import torch
from clikit import metrics_rows, toygan, toygan_start, wait_for
from test_signals import OBSERVED

from toygan_tui.core.runfiles.saving import PENDING, SAVED_FILE, recover
from toygan_tui.core.runfiles.sweeps import MEMBER_KEY
from toygan_tui.core.training.checkpoint import read_checkpoint

MINUTE = 60
OPTIONS = ["--device", "cpu", "--seeds", "1-2", "--loss", "minimax,ns", "--report-every", 40]


def members_of(sweep: Path) -> list[Path]:
    return sorted((sweep / "members").iterdir())


def reported(sweep: Path) -> bool:
    metrics = sweep / "metrics.jsonl"
    return metrics.exists() and metrics.read_text().endswith("\n")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "code", "name"), [(signal.SIGINT, 130, "Ctrl-C"), (signal.SIGTERM, 143, "SIGTERM")]
)
def test_a_stop_signal_saves_every_member_and_the_resume_is_exact(
    tmp_path: Path, signum: int, code: int, name: str
) -> None:
    runs, big = tmp_path / "runs", 10**6
    args = ["sweep", *OPTIONS, "--runs-dir", runs, "--no-live", "--steps", big]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with toygan_start(*args, "--save-every", 10**5, env=env) as child:
        try:
            wait_for(lambda: reported(runs / "sweep-1"), MINUTE, "the first report")
            child.send_signal(signum)
            _, err = child.communicate(timeout=MINUTE)
        finally:
            if child.poll() is None:
                child.kill()
    sweep = runs / "sweep-1"
    assert child.returncode == code, err
    step = json.loads((sweep / SAVED_FILE).read_text())["step"]
    assert 0 < step < big and step % 40 == 0  # stopped where a report fell
    assert f"stopped by {name} at step {step}/{big}; every member's checkpoint saved" in err
    assert f"resume with: toygan sweep --resume {sweep}" in err
    assert all(read_checkpoint(m / "ckpt.pt")["step"] == step for m in members_of(sweep))
    status = json.loads((sweep / "status.json").read_text())
    assert (status["state"], status["step"]) == ("interrupted", step)

    # Nothing lost: resumed to step + 80, the sweep equals one never interrupted.
    resumed = toygan("sweep", "--resume", sweep, "--steps", step + 80, "--no-live")
    assert resumed.code == 0, resumed.err
    whole = ["sweep", *OPTIONS, "--runs-dir", runs, "--name", "whole", "--no-live"]
    assert toygan(*whole, "--steps", step + 80).code == 0
    for mine, theirs in zip(members_of(sweep), members_of(runs / "whole"), strict=True):
        a, b = read_checkpoint(mine / "ckpt.pt"), read_checkpoint(theirs / "ckpt.pt")
        assert a["step"] == b["step"] == step + 80
        for net in ("G", "D", "opt_G", "opt_D"):
            assert repr(a[net]) == repr(b[net])  # bit for bit
    rows = metrics_rows(sweep)
    keys = [(r[MEMBER_KEY], r["step"]) for r in rows]
    assert len(keys) == len(set(keys)) == 4 * (step + 80) // 40  # no report twice, none lost
    again = toygan("sweep", "--resume", sweep, "--no-live")
    assert again.code == 0 and "already finished" in again.out


@pytest.mark.slow
def test_a_second_ctrl_c_aborts_at_once_and_the_last_saved_step_stays(tmp_path: Path) -> None:
    """README: a second Ctrl-C aborts a sweep at once; every member keeps its last saved step.
    The members step on the reference engine (one chunk of 10^7 steps each), which marks the
    chunk's start: the first Ctrl-C only asks, the chunk goes on; the second ends it."""
    runs, marks = tmp_path / "runs", tmp_path / "marks"
    marks.mkdir()
    endless = ("--steps", 10**7, "--report-every", 10**7, "--save-every", 10**7)
    args = ["sweep", *OPTIONS[:4], "--engine", "reference", *endless, "--runs-dir", runs,
            "--no-live"]  # fmt: skip
    with toygan_start(*args, via=("-c", OBSERVED, marks)) as child:
        try:
            wait_for((marks / "chunk").exists, MINUTE, "the long chunk of steps to start")
            child.send_signal(signal.SIGINT)
            wait_for((marks / "stop").exists, MINUTE, "the first Ctrl-C to be recorded")
            assert child.poll() is None  # the first Ctrl-C only asks: the chunk goes on
            child.send_signal(signal.SIGINT)
            _, err = child.communicate(timeout=MINUTE)
        finally:
            if child.poll() is None:
                child.kill()
    sweep = runs / "sweep-1"
    assert child.returncode == 130, err
    assert f"aborted by a second Ctrl-C; the last good checkpoints are in {sweep} (step 0)" in err
    assert f"resume with: toygan sweep --resume {sweep}" in err and "Traceback" not in err
    assert json.loads((sweep / SAVED_FILE).read_text())["step"] == 0
    assert [read_checkpoint(m / "ckpt.pt")["step"] for m in members_of(sweep)] == [0, 0]
    assert not list(sweep.rglob("*.tmp")) and not list(sweep.glob(f"members/*/{PENDING}*"))


@pytest.mark.slow
def test_resume_takes_the_steps_device_and_cadence_and_keeps_the_numbers(tmp_path: Path) -> None:
    """README: --resume takes --steps, --device, --report-every and --save-every. A sweep
    resumed at another cadence reports at it, and ends bit for bit where a sweep run straight
    through at the first cadence ends (reports and saves never move the numbers)."""
    runs = tmp_path / "runs"
    sweep, first = runs / "sweep-1", ["sweep", *OPTIONS[:4], "--runs-dir", runs, "--no-live"]
    assert toygan(*first, "--steps", 80, "--report-every", 40).code == 0
    if not torch.cuda.is_available():  # a device this machine lacks: one line, nothing moved
        gone = toygan("sweep", "--resume", sweep, "--steps", 160, "--device", "cuda")
        assert gone.code == 2 and gone.err.count("\n") == 1, gone.err
        assert "--device cuda: CUDA is not available here" in gone.err
        assert json.loads((sweep / SAVED_FILE).read_text())["step"] == 80
    resumed = toygan("sweep", "--resume", sweep, "--steps", 160, "--device", "cpu",
                     "--report-every", 20, "--save-every", 60, "--no-live")  # fmt: skip
    assert resumed.code == 0, resumed.err
    assert [row["step"] for row in metrics_rows(sweep, member=1)] == [40, 80, 100, 120, 140, 160]
    config = json.loads((sweep / "config.json").read_text())
    assert {
        (m["config"]["report_every"], m["config"]["save_every"]) for m in config["members"]
    } == {(20, 60)}
    assert toygan(*first, "--name", "whole", "--steps", 160, "--report-every", 40).code == 0
    for mine, theirs in zip(members_of(sweep), members_of(runs / "whole"), strict=True):
        a, b = read_checkpoint(mine / "ckpt.pt"), read_checkpoint(theirs / "ckpt.pt")
        assert a["step"] == b["step"] == 160
        for net in ("G", "D", "opt_G", "opt_D", "rng"):
            assert repr(a[net]) == repr(b[net]), net  # bit for bit


def test_an_interrupted_save_is_finished_or_undone_at_the_next_start(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep-1"
    dirs = [sweep / "members" / str(k) for k in (1, 2)]
    for d in dirs:
        d.mkdir(parents=True)
        (d / "ckpt.pt").write_text("step 100")
        (d / f"{PENDING}200").write_text("step 200")
    (sweep / SAVED_FILE).write_text(json.dumps({"step": 100, "diverged": {}}))
    assert recover(sweep, dirs) == 100  # step 200 was never committed: undone
    assert [(d / "ckpt.pt").read_text() for d in dirs] == ["step 100"] * 2
    assert not list(sweep.glob(f"members/*/{PENDING}*"))
    for d in dirs:
        (d / f"{PENDING}200").write_text("step 200")
    (dirs[0] / f"{PENDING}200").replace(dirs[0] / "ckpt.pt")  # killed between two renames
    (sweep / SAVED_FILE).write_text(json.dumps({"step": 200, "diverged": {}}))
    assert recover(sweep, dirs) == 200  # committed: finished
    assert [(d / "ckpt.pt").read_text() for d in dirs] == ["step 200"] * 2


def test_resume_refuses_a_new_grid(tmp_path: Path) -> None:
    result = toygan("sweep", "--resume", tmp_path, "--loss", "ns")
    assert result.code == 2 and "a resumed sweep keeps its seeds and grid" in result.err
    result = toygan("sweep", "--resume", tmp_path)
    assert result.code == 2 and "not a sweep directory" in result.err


@pytest.mark.slow
def test_detach_runs_in_the_background_and_watch_follows_to_the_end(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    started = toygan("sweep", *OPTIONS, "--runs-dir", runs, "--steps", 400, "--detach")
    assert started.code == 0, started.err
    assert "sweep sweep-1 started in the background" in started.out
    watched = toygan("watch", "sweep-1", "--runs-dir", runs)  # not a terminal: plain lines
    assert watched.code == 0, watched.err
    assert "sweep sweep-1 finished at step 400/400" in watched.out
    assert "loss ns:  in_bounds" in watched.out
    log = (runs / "sweep-1" / "train.log").read_text()
    assert "done at step 400/400: 4 members" in log
