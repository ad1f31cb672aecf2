"""Interrupting `toygan train` loses nothing: Ctrl-C, SIGTERM, a dropped connection, a closed pipe.

Each test runs the real command in its own process (signals are per process) and checks what a
user would: the exit code, the message, and that the checkpoint on disk is there and loads.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from clikit import ROOT, quick, read_to_exit, toygan
from ptyprocess import PtyProcess

from toygan_tui.commands.interrupt import stop_on_signals
from toygan_tui.core.checkpoint import read_checkpoint
from toygan_tui.core.config import TrainConfig
from toygan_tui.core.train import train

ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}


def start(args: list[object], **popen: object) -> subprocess.Popen[str]:
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **popen}
    return subprocess.Popen(
        [sys.executable, "-m", "toygan_tui", *map(str, args)],
        env=ENV, text=True, stdin=subprocess.DEVNULL, **streams,  # type: ignore[call-overload]
    )  # fmt: skip


def start_unread(args: list[object]) -> subprocess.Popen[str]:
    """Started with stdout a pipe whose reader has gone: every write fails with EPIPE."""
    child = start(args)
    assert child.stdout is not None
    child.stdout.close()
    child.stdout = None
    return child


def wait_for(condition: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def training(runs: Path) -> Callable[[], bool]:
    """True once the run has started training (its starting checkpoint is on disk)."""
    return lambda: (runs / "a" / "ckpt.pt").exists()


# -- Ctrl-C and SIGTERM: finish the step, save, say how to resume --------------------------------


@pytest.mark.parametrize(
    ("signum", "code", "name"), [(signal.SIGINT, 130, "Ctrl-C"), (signal.SIGTERM, 143, "SIGTERM")]
)
def test_a_stop_signal_saves_says_how_to_resume_and_the_resume_is_exact(
    tmp_path: Path, signum: int, code: int, name: str
) -> None:
    runs = tmp_path / "runs"
    args = quick(runs, "--name", "a", "--steps", 10**6, "--report-every", 50, "--save-every", 10**5)
    child = start(args)
    assert child.stdout is not None
    child.stdout.readline()  # the first report: training is under way
    child.send_signal(signum)
    out, err = child.communicate(timeout=60)

    assert child.returncode == code, err
    step = read_checkpoint(runs / "a" / "ckpt.pt")["step"]
    assert 0 < step < 10**6 and step % 50 == 0  # stopped where a report fell, not mid-chunk
    assert (
        f"stopped by {name} at step {step}/1000000; checkpoint saved: {runs / 'a' / 'ckpt.pt'}"
        in err
    )
    assert f"resume with: toygan train --resume {runs / 'a'}" in err
    assert read_checkpoint(runs / "last.pt")["step"] == step

    # Nothing lost: resumed to step + 100, the run matches one that was never interrupted.
    assert toygan("train", "--resume", runs / "a", "--steps", step + 100, "--no-live").code == 0
    assert toygan(*quick(runs, "--name", "whole", "--steps", step + 100)).code == 0
    samples = [
        toygan("sample", "--ckpt", runs / r / "ckpt.pt", "--seed", 7, "--format", "json").out
        for r in ("a", "whole")
    ]
    assert samples[0] == samples[1]


def test_a_second_ctrl_c_aborts_at_once_and_the_last_checkpoint_stays(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    # One very long chunk of steps: the first Ctrl-C alone would wait for its end.
    args = quick(runs, "--name", "a", "--steps", 10**7, "--report-every", 10**7, "--engine",
                 "reference", "--save-every", 10**7)  # fmt: skip
    child = start(args)
    wait_for(training(runs))
    time.sleep(0.3)
    child.send_signal(signal.SIGINT)
    time.sleep(0.3)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)

    assert child.returncode == 130, err
    assert "aborted by a second Ctrl-C; the last good checkpoint is" in err
    assert "Traceback" not in err
    assert read_checkpoint(runs / "a" / "ckpt.pt")["step"] == 0
    assert read_checkpoint(runs / "last.pt")["step"] == 0
    assert not list(runs.rglob("*.tmp"))


# -- the terminal goes away -------------------------------------------------------------------


# Runs `toygan ARGS` with SIGHUP ignored: what a job the shell does not hang up lives through.
IGNORING_SIGHUP = (
    "import signal, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); "
    "from toygan_tui.cli import main; main(sys.argv[1:])"
)


def live_in_pty(runs: Path, steps: int, *, ignore_sighup: bool = False) -> PtyProcess:
    """`toygan train --live` in a real terminal, once its dashboard shows a report."""
    args = quick(runs, "--name", "a", "--steps", steps, "--report-every", 50, "--save-every", 1000)
    args[args.index("--no-live")] = "--live"
    start = ["-c", IGNORING_SIGHUP] if ignore_sighup else ["-m", "toygan_tui"]
    child = PtyProcess.spawn(
        [sys.executable, *start, *map(str, args)], env=ENV, dimensions=(30, 100)
    )
    metrics = runs / "a" / "metrics.jsonl"
    while not (metrics.exists() and metrics.read_text().endswith("\n")):  # the first report
        child.read(4096)  # (the dashboard redraws: this never waits long)
    return child


def last_step(run: Path) -> int:
    return int(json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])["step"])


@pytest.mark.parametrize("ignore_sighup", [False, True], ids=["sighup", "eio-only"])
def test_closing_the_terminal_keeps_training_headless_to_the_end(
    tmp_path: Path, ignore_sighup: bool
) -> None:
    runs = tmp_path / "runs"
    child = live_in_pty(runs, 20000, ignore_sighup=ignore_sighup)
    assert last_step(runs / "a") < 20000  # the terminal goes while the run is going
    child.fileobj.close()  # the SSH connection drops: the kernel hangs up the terminal
    child.closed = True
    _, status = os.waitpid(child.pid, 0)

    # Every later write, the final frame Rich draws included, met a dead terminal (EIO).
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert read_checkpoint(runs / "a" / "ckpt.pt")["step"] == 20000
    assert last_step(runs / "a") == 20000


def test_ctrl_c_at_the_dashboard_saves_and_says_how_to_resume(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    child = live_in_pty(runs, 10**6)
    child.write(b"\x03")  # the terminal turns it into SIGINT
    text = " ".join(read_to_exit(child).split())

    assert child.exitstatus == 130
    step = read_checkpoint(runs / "a" / "ckpt.pt")["step"]
    assert f"stopped by Ctrl-C at step {step}/1000000" in text
    assert f"resume with: toygan train --resume {runs / 'a'}" in text


def test_sighup_with_output_to_a_file_keeps_logging(tmp_path: Path) -> None:
    runs, log = tmp_path / "runs", tmp_path / "train.log"
    args = quick(runs, "--name", "a", "--steps", 3000, "--report-every", 50)
    with log.open("w") as out:
        child = start(args, stdout=out)
        wait_for(lambda: "step 50/" in log.read_text())
        child.send_signal(signal.SIGHUP)
        _, err = child.communicate(timeout=60)

    assert child.returncode == 0, err
    assert "run a done at step 3000/3000" in log.read_text()
    assert read_checkpoint(runs / "a" / "ckpt.pt")["step"] == 3000


def test_a_reader_that_leaves_early_never_stops_training(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    child = start_unread(quick(runs, "--name", "a", "--steps", 500, "--report-every", 10))
    _, err = child.communicate(timeout=60)  # `toygan train | head -1`: every write fails

    assert child.returncode == 0, err
    assert err == ""
    assert read_checkpoint(runs / "a" / "ckpt.pt")["step"] == 500


@pytest.mark.parametrize(
    "args",
    [["sample", "--format", "csv", "-n", "1000"], ["plot"]],
    ids=["sample-csv", "plot"],
)
def test_sample_and_plot_into_a_closed_pipe_exit_quietly(tmp_path: Path, args: list[str]) -> None:
    runs = tmp_path / "runs"
    assert toygan(*quick(runs, "--steps", 40, "--report-every", 20)).code == 0
    where = ["--ckpt", runs / "last.pt"] if args[0] == "sample" else ["--runs-dir", runs]
    child = start_unread([*args, *where])  # `| head -1` that has already gone
    _, err = child.communicate(timeout=60)

    assert err == ""  # no traceback, no "Exception ignored"
    assert child.returncode in (0, 1)


# -- the handlers belong to the command, not to the library ----------------------------------------


def test_training_as_a_library_never_touches_signal_handlers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(signal, "signal", lambda signum, handler: calls.append(signum))
    snaps = list(train(TrainConfig(device="cpu", steps=40, report_every=20, n_eval=50)))
    assert [s.step for s in snaps] == [20, 40]
    assert calls == []


def test_the_command_restores_the_previous_handlers(tmp_path: Path) -> None:
    signums = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    before = [signal.getsignal(s) for s in signums]
    assert toygan(*quick(tmp_path / "runs", "--steps", 20, "--report-every", 10)).code == 0
    assert [signal.getsignal(s) for s in signums] == before


def test_stop_requests_a_stop_then_aborts_and_leaves_ignored_signals_ignored() -> None:
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        hangups: list[bool] = []
        with stop_on_signals(on_hangup=lambda: hangups.append(True)) as stop:
            assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
            assert not stop()
            os.kill(os.getpid(), signal.SIGTERM)
            assert stop() and stop.exit_code == 143
            with pytest.raises(KeyboardInterrupt):
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(1)  # the handler runs here, at the latest
            assert stop.exit_code == 130
        assert hangups == []
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGHUP, previous)
