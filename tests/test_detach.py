"""`toygan train --detach`: the run goes on in the background, in a session of its own, with its
output in train.log; `watch` attaches to it in a real terminal and sees it killed; `runs` agrees."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from clikit import ROOT, Result, quick, toygan_process, wait_for
from clikit import toygan as toygan_in_process
from watchkit import Terminal, kill_run, make_run

from toygan_tui.cli import app
from toygan_tui.cli.params import child_args

pytestmark = pytest.mark.slow  # runs detached into the background, watched

SMALL = ["--device", "cpu", "--report-every", "20", "--save-every", "500"]


def toygan(*args: object) -> Result:
    """`toygan ARGS` in a fresh interpreter, run from the checkout."""
    return toygan_process(*args, cwd=ROOT)


def status_of(run: Path) -> dict:
    try:
        return json.loads((run / "status.json").read_text())
    except (OSError, ValueError):
        return {}


@pytest.fixture
def runs_dir(tmp_path: Path) -> Iterator[Path]:
    """A runs directory whose detached runs are all killed when the test ends."""
    runs = tmp_path / "runs"
    yield runs
    for run in runs.glob("*"):
        kill_run(run)


def detach(runs_dir: Path, *args: str) -> tuple[Path, str]:
    """Start a detached run; its directory and what the command printed."""
    result = toygan("train", "--detach", "--runs-dir", runs_dir, *SMALL, *args)
    assert result.code == 0, result.err
    run_id = re.match(r"run (\S+) started in the background", result.out)
    assert run_id, result.out
    return runs_dir / run_id[1], result.out


def test_a_detached_run_trains_in_its_own_session_and_says_how_to_watch_it(
    runs_dir: Path,
) -> None:
    # A run that cannot end before it is looked at (the runs_dir fixture kills it), and one
    # that is left to finish.
    endless, _ = detach(runs_dir, "--steps", "1000000", "--name", "endless")
    run, out = detach(runs_dir, "--steps", "300")
    assert f"directory: {run}" in out and str(run / "train.log") in out
    assert f"toygan watch {run}" in out
    pid = wait_for(lambda: status_of(endless).get("pid"), 60, "the endless run's pid")
    assert os.getsid(pid) == pid != os.getsid(0)  # a session leader: no terminal to lose
    assert os.readlink(f"/proc/{pid}/fd/0") == "/dev/null"
    assert status_of(endless)["state"] == "running"  # so the pid was still the run's
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: status_of(run).get("state") == "finished", 120, "the run to finish")
    log = (run / "train.log").read_text()
    assert "step 300/300" in log and "\x1b" not in log
    assert (run / "ckpt.pt").exists()


@pytest.mark.slow
def test_a_detached_run_can_be_resumed_detached(runs_dir: Path) -> None:
    run, _ = detach(runs_dir, "--steps", "300")
    wait_for(lambda: status_of(run).get("state") == "finished", 120, "the run to finish")
    started = status_of(run)["started"]
    result = toygan("train", "--detach", "--resume", run, "--steps", "600")
    assert result.code == 0, result.err
    assert f"run {run.name} started in the background" in result.out
    wait_for(lambda: status_of(run).get("state") == "finished", 120, "the resumed run to finish")
    assert status_of(run)["step"] == 600 and status_of(run)["started"] == started
    assert "step 600/600" in (run / "train.log").read_text()


def test_watch_sees_a_detached_run_advance_then_killed(runs_dir: Path) -> None:
    run, _ = detach(runs_dir, "--steps", "1000000", "--name", "long")
    term = Terminal([sys.executable, "-m", "toygan_tui", "watch", "--runs-dir", str(runs_dir)])
    try:
        steps = r"step ([\d,]+)/1,000,000"
        first = int(term.wait_for(steps)[1].replace(",", ""))
        wait_for(
            lambda: int(term.wait_for(steps)[1].replace(",", "")) > first, 60, "the step to advance"
        )
        assert "run long" in term.text() and "status running" in term.text()
        os.kill(status_of(run)["pid"], signal.SIGKILL)
        term.wait_for(r"run long interrupted at step [\d]+/1000000 \(its process is gone\)")
        assert term.exit_status() == 0
    finally:
        term.close()
    listed = json.loads(toygan("runs", "--runs-dir", runs_dir, "--format", "json").out)
    assert [(r["id"], r["status"]) for r in listed] == [("long", "interrupted")]
    assert listed[0]["step"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--steps", "0"], "--steps must be positive"),
        (["--lr-g", "nan"], "--lr-g must be a positive finite number"),
        (["--name", "a/b"], "--name must be a plain directory name"),
        (["--engine", "turbo"], "--engine must be one of"),
    ],
)
def test_bad_input_fails_in_the_foreground(runs_dir: Path, args: list[str], message: str) -> None:
    result = toygan_in_process("train", "--detach", "--runs-dir", runs_dir, *args)
    err = result.err
    assert result.code == 2 and result.out == ""
    assert err.startswith("toygan: error: ") and message in err and len(err.splitlines()) == 1
    assert not runs_dir.exists() or not any(runs_dir.iterdir())  # no run was started


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_missing_device_fails_in_the_foreground(runs_dir: Path) -> None:
    result = toygan_in_process("train", "--detach", "--runs-dir", runs_dir, "--device", "cuda")
    assert result.code == 2 and "CUDA is not available" in result.err


def test_an_existing_run_name_fails_in_the_foreground(runs_dir: Path) -> None:
    make_run(runs_dir, "taken", [10])
    result = toygan_in_process("train", "--detach", "--runs-dir", runs_dir, "--name", "taken")
    assert result.code == 2 and "already exists" in result.err
    assert sorted(p.name for p in (runs_dir / "taken").iterdir()) == [
        "config.json",
        "frames",
        "metrics.jsonl",
        "status.json",
    ]


def test_the_background_run_gets_the_options_that_were_typed() -> None:
    import typer

    from toygan_tui.cli.params import typed as _typed

    command = typer.main.get_command(app).commands["train"]  # type: ignore[attr-defined]
    given = ["--steps", "1234", "--lr-g", "0.0002", "--no-live", "--engine", "reference",
             "--runs-dir", "elsewhere", "--detach", "--name", "x"]  # fmt: skip
    ctx = command.make_context("train", given)
    args = child_args(command, ctx.params, _typed(ctx))
    assert args == ["--lr-g", "0.0002", "--steps", "1234", "--engine", "reference",
                    "--runs-dir", "elsewhere"]  # fmt: skip
    again = command.make_context("train", [*args, "--name", "x", "--no-live"]).params
    assert again == {**ctx.params, "detach": False}

    # Resuming, only what was typed goes on: the defaults must not override the run's options.
    ctx = command.make_context("train", ["--resume", "runs/r1", "--steps", "9000", "--detach"])
    assert child_args(command, ctx.params, _typed(ctx)) == [
        "--steps",
        "9000",
        "--resume",
        "runs/r1",
    ]


def test_a_detached_resume_is_checked_in_the_foreground(runs_dir: Path) -> None:
    result = toygan_in_process("train", "--detach", "--resume", runs_dir / "nothing")
    assert result.code == 2 and "nothing" in result.err and len(result.err.splitlines()) == 1


def test_detaching_the_resume_of_a_finished_run_says_so_and_starts_nothing(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    assert toygan_in_process(*quick(runs, "--name", "done", "--steps", 40)).code == 0
    result = toygan_in_process("train", "--detach", "--resume", runs / "done")
    assert result.code == 0, result.err
    assert "run done already finished: step 40 of 40" in result.out
    assert "started in the background" not in result.out
    assert not (runs / "done" / "train.log").exists()
