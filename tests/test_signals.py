"""Interrupting `toygan train` loses nothing: Ctrl-C, SIGTERM, a dropped connection, a closed pipe.

Each test runs the real command in its own process (signals are per process) and checks what a
user would: the exit code, the message, and that the checkpoint on disk is there and loads.
A signal is sent only once the run shows it is training under the command's handlers, and
every child is killed when its test ends, passed or failed.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from clikit import (
    quick,
    read_to_exit,
    sample_json,
    toygan,
    toygan_argv,
    toygan_env,
    toygan_start,
    wait_for,
)
from ptyprocess import PtyProcess

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.training.checkpoint import read_checkpoint
from toygan_tui.core.training.trainer import train
from toygan_tui.ui.terminal.signals import stop_on_signals

ENV = toygan_env({**os.environ, "PYTHONUNBUFFERED": "1"})
MINUTE = 60  # s: the waits below fail the test after a minute or two, never hang


@contextlib.contextmanager
def running(
    args: list[object],
    *,
    unread: bool = False,
    via: Sequence[object] = ("-m", "toygan_tui"),
    **popen: object,
) -> Iterator[subprocess.Popen[str]]:
    """`toygan ARGS` in a fresh process for the block, killed at its end if still running.
    unread: stdout is a pipe whose reader has gone, so every write fails with EPIPE."""
    child = toygan_start(*args, env=ENV, via=via, **popen)
    with child:  # Popen's own exit closes the pipes and reaps the child
        try:
            if unread:
                assert child.stdout is not None
                child.stdout.close()
                child.stdout = None
            yield child
        finally:
            if child.poll() is None:
                child.kill()


def reported(run: Path) -> Callable[[], bool]:
    """True once the run's first report is in metrics.jsonl. Reports are made inside the
    command's signal handlers (installed before training starts), so a signal sent after
    this is the command's to handle."""
    metrics = run / "metrics.jsonl"
    return lambda: metrics.exists() and metrics.read_text().endswith("\n")


# -- Ctrl-C and SIGTERM: finish the step, save, say how to resume --------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "code", "name"), [(signal.SIGINT, 130, "Ctrl-C"), (signal.SIGTERM, 143, "SIGTERM")]
)
def test_a_stop_signal_saves_says_how_to_resume_and_the_resume_is_exact(
    tmp_path: Path, signum: int, code: int, name: str
) -> None:
    runs = tmp_path / "runs"
    args = quick(runs, "--name", "a", "--steps", 10**6, "--report-every", 50, "--save-every", 10**5)
    with running(args) as child:
        wait_for(reported(runs / "a"), MINUTE, "the first report: training is under way")
        child.send_signal(signum)
        out, err = child.communicate(timeout=MINUTE)

    assert child.returncode == code, err
    step = read_checkpoint(runs / "a" / "ckpt.pt")["step"]
    assert 0 < step < 10**6 and step % 50 == 0  # stopped where a report fell, not mid-chunk
    assert (
        f"stopped by {name} at step {step}/1000000; checkpoint saved: {runs / 'a' / 'ckpt.pt'}"
        in err
    )
    assert f"resume with: toygan train --resume {runs / 'a'}" in err
    assert read_checkpoint(runs / "last.pt")["step"] == step
    # The trainer's own last word in status.json (not a viewer's guess from a dead pid).
    status = json.loads((runs / "a" / "status.json").read_text())
    assert (status["state"], status["step"]) == ("interrupted", step)
    assert toygan("runs", "--runs-dir", runs, "--format", "json").out.count('"interrupted"') == 1

    # Nothing lost: resumed to step + 100, the run matches one that was never interrupted.
    assert toygan("train", "--resume", runs / "a", "--steps", step + 100, "--no-live").code == 0
    assert toygan(*quick(runs, "--name", "whole", "--steps", step + 100)).code == 0
    assert sample_json(runs / "a" / "ckpt.pt") == sample_json(runs / "whole" / "ckpt.pt")


# Runs `toygan ARGS` (after MARKS, a directory) and shows the test where it is: MARKS/chunk once
# training is inside a chunk of steps (so under the handlers, past the stop check before it),
# MARKS/stop once a stop request is recorded. Each Ctrl-C can then be sent after the previous
# one was handled: none lands before the handlers, and two never merge into one.
OBSERVED = """
import sys
from pathlib import Path
from toygan_tui.cli import main
from toygan_tui.ui.terminal import signals as interrupt
from toygan_tui.core.engines.autograd.reference import ReferenceEngine
marks = Path(sys.argv[1])
run = ReferenceEngine.run
def run_marked(self, n):
    (marks / "chunk").touch()
    return run(self, n)
ReferenceEngine.run = run_marked
class Request(interrupt.StopRequest):
    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if name == "signum" and value is not None:
            (marks / "stop").touch()
interrupt.StopRequest = Request
main(sys.argv[2:])
"""


@pytest.mark.slow
def test_a_second_ctrl_c_aborts_at_once_and_the_last_checkpoint_stays(tmp_path: Path) -> None:
    runs, marks = tmp_path / "runs", tmp_path / "marks"
    marks.mkdir()
    # One very long chunk of steps: the first Ctrl-C alone would wait for its end.
    args = quick(runs, "--name", "a", "--steps", 10**7, "--report-every", 10**7, "--engine",
                 "reference", "--save-every", 10**7)  # fmt: skip
    with running(args, via=("-c", OBSERVED, marks)) as child:
        wait_for((marks / "chunk").exists, MINUTE, "the long chunk of steps to start")
        child.send_signal(signal.SIGINT)
        wait_for((marks / "stop").exists, MINUTE, "the first Ctrl-C to be recorded")
        assert child.poll() is None  # the first Ctrl-C only asks: the chunk goes on
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=MINUTE)

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


@contextlib.contextmanager
def live_in_pty(runs: Path, steps: int, *, ignore_sighup: bool = False) -> Iterator[PtyProcess]:
    """`toygan train --live` in a real terminal, once its dashboard shows a report; killed
    when the block ends if still running."""
    args = quick(runs, "--name", "a", "--steps", steps, "--report-every", 50, "--save-every", 1000)
    args[args.index("--no-live")] = "--live"
    via = ("-c", IGNORING_SIGHUP) if ignore_sighup else ("-m", "toygan_tui")
    child = PtyProcess.spawn(toygan_argv(*args, via=via), env=ENV, dimensions=(30, 100))
    first_report = reported(runs / "a")

    def drained_until_report() -> bool:
        while select.select([child.fd], [], [], 0)[0]:  # the dashboard redraws: read it all
            try:
                child.read(65536)
            except EOFError:
                raise AssertionError("the run ended before its first report") from None
        return first_report()

    try:
        wait_for(drained_until_report, MINUTE, "the first report")
        yield child
    finally:
        if child.isalive():
            child.kill(signal.SIGKILL)
            child.wait()
        if not child.closed:
            child.close()


HEADLESS = 6000  # steps: a few seconds past the hang-up, long enough to outlive the terminal


def last_step(run: Path) -> int:
    return int(json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])["step"])


@pytest.mark.slow
@pytest.mark.parametrize("ignore_sighup", [False, True], ids=["sighup", "eio-only"])
def test_closing_the_terminal_keeps_training_headless_to_the_end(
    tmp_path: Path, ignore_sighup: bool
) -> None:
    runs = tmp_path / "runs"
    with live_in_pty(runs, HEADLESS, ignore_sighup=ignore_sighup) as child:
        assert last_step(runs / "a") < HEADLESS  # the terminal goes while the run is going
        child.fileobj.close()  # the SSH connection drops: the kernel hangs up the terminal
        child.closed = True
        wait_for(lambda: not child.isalive(), 2 * MINUTE, "the headless run to end")
        status = child.status

    # Every later write, the final frame Rich draws included, met a dead terminal (EIO).
    assert status is not None and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert read_checkpoint(runs / "a" / "ckpt.pt")["step"] == HEADLESS
    assert last_step(runs / "a") == HEADLESS


@pytest.mark.slow
def test_ctrl_c_at_the_dashboard_saves_and_says_how_to_resume(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    with live_in_pty(runs, 10**6) as child:
        child.write(b"\x03")  # the terminal turns it into SIGINT
        text = " ".join(read_to_exit(child, timeout=MINUTE).split())

    assert child.exitstatus == 130
    step = read_checkpoint(runs / "a" / "ckpt.pt")["step"]
    assert f"stopped by Ctrl-C at step {step}/1000000" in text
    assert f"resume with: toygan train --resume {runs / 'a'}" in text


# Runs `toygan ARGS` (after MARKS, a directory) with training held still once it reaches step
# 200 (MARKS/held) until the test creates MARKS/go; MARKS/hup appears once the command's SIGHUP
# handler has run. The signal then surely lands in a run that is going and short of its total.
HELD = """
import sys, time
from pathlib import Path
from toygan_tui.cli import main
from toygan_tui.ui.terminal import signals as interrupt
from toygan_tui.core.engines.autograd.reference import ReferenceEngine
marks = Path(sys.argv[1])
run = ReferenceEngine.run
def run_held(self, n):
    if self.state.step >= 200 and not (marks / "go").exists():
        (marks / "held").touch()
        while not (marks / "go").exists():
            time.sleep(0.01)
    return run(self, n)
ReferenceEngine.run = run_held
class Request(interrupt.StopRequest):
    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if name == "hung_up" and value:
            (marks / "hup").touch()
interrupt.StopRequest = Request
main(sys.argv[2:])
"""


@pytest.mark.slow
def test_sighup_with_output_to_a_file_keeps_logging(tmp_path: Path) -> None:
    runs, log, marks = tmp_path / "runs", tmp_path / "train.log", tmp_path / "marks"
    marks.mkdir()
    args = quick(runs, "--name", "a", "--steps", 1000, "--report-every", 50, "--engine",
                 "reference")  # fmt: skip
    with log.open("w") as out, running(args, stdout=out, via=("-c", HELD, marks)) as child:
        wait_for((marks / "held").exists, MINUTE, "training to reach step 200 and wait")
        assert child.poll() is None  # the run is going...
        logged = [line for line in log.read_text().splitlines() if line.startswith("step ")]
        # ...and short of its total (the report of step 200 may still be evaluated behind)
        assert logged[-1].split()[:2] in (["step", "150/1000"], ["step", "200/1000"])
        child.send_signal(signal.SIGHUP)
        handled = (marks / "hup").exists
        wait_for(lambda: handled() or child.poll() is not None, MINUTE, "the hang-up handled")
        assert handled(), f"the hang-up ended the run (exit {child.returncode})"
        (marks / "go").touch()
        _, err = child.communicate(timeout=MINUTE)

    assert child.returncode == 0, err
    steps = [line.split()[1] for line in log.read_text().splitlines() if line.startswith("step ")]
    assert steps == [f"{step}/1000" for step in range(50, 1001, 50)]  # every report, after too
    assert "run a done at step 1000/1000" in log.read_text()
    assert read_checkpoint(runs / "a" / "ckpt.pt")["step"] == 1000


@pytest.mark.slow
def test_a_reader_that_leaves_early_never_stops_training(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    args = quick(runs, "--name", "a", "--steps", 500, "--report-every", 10)
    with running(args, unread=True) as child:  # `toygan train | head -1`: every write fails
        _, err = child.communicate(timeout=MINUTE)

    assert child.returncode == 0, err
    assert err == ""
    assert read_checkpoint(runs / "a" / "ckpt.pt")["step"] == 500


@pytest.mark.slow
@pytest.mark.parametrize(
    "args",
    [["sample", "--format", "csv", "-n", "1000"], ["plot"]],
    ids=["sample-csv", "plot"],
)
def test_sample_and_plot_into_a_closed_pipe_exit_quietly(tmp_path: Path, args: list[str]) -> None:
    runs = tmp_path / "runs"
    assert toygan(*quick(runs, "--steps", 40, "--report-every", 20)).code == 0
    where = ["--ckpt", runs / "last.pt"] if args[0] == "sample" else ["--runs-dir", runs]
    with running([*args, *where], unread=True) as child:  # `| head -1` that has already gone
        _, err = child.communicate(timeout=MINUTE)

    assert err == ""  # no traceback, no "Exception ignored"
    assert child.returncode == 1  # as the README says: a write met the closed pipe


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
