"""Job control with `train`'s keys, in a real pseudo-terminal: a background job draws without
taking the terminal (which would stop it with SIGTTOU), and after Ctrl-Z and `fg` the keys work
again without Enter (the shell resets the terminal while the job is stopped)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import termios
from pathlib import Path

import pytest
from watchkit import Terminal, wait_for

from toygan_tui.core.training.checkpoint import read_checkpoint

pytestmark = pytest.mark.slow  # every test: shell job control in a pseudo-terminal

# What a shell does with `cmd &` (BACKGROUND) and with `cmd` (FOREGROUND): the command in a
# process group of its own, the terminal's foreground given to it or kept by the shell (this
# wrapper). Its group is then not orphaned, so Ctrl-Z (SIGTSTP) and SIGTTOU can stop it.
# (setpgid in the child, as Popen's process_group=0 does from Python 3.11 on: 3.10 is supported.)
JOB = """
import os, signal, subprocess, sys
def own_group():
    os.setpgid(0, 0)
    if sys.argv[1] == "fg":
        signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # a background group may not take it else
        os.tcsetpgrp(0, os.getpgrp())
        signal.signal(signal.SIGTTOU, signal.SIG_DFL)
sys.exit(subprocess.Popen(sys.argv[2:], preexec_fn=own_group).wait())
"""


def job(where: str, argv: list[str]) -> list[str]:
    return [sys.executable, "-c", JOB, where, *argv]


def train_argv(runs: Path, *extra: object) -> list[str]:
    argv = [sys.executable, "-m", "toygan_tui", "train", "--live", "--runs-dir", str(runs)]
    return argv + ["--name", "job", *map(str, extra)]


def kill_run(run: Path) -> None:
    """Kill the run's trainer, if it still runs: in a process group of its own, it outlives
    the wrapper that closing the terminal kills (a failed test must not leave it training)."""
    # Not started, already gone, or status.json not written yet: nothing to kill.
    with contextlib.suppress(OSError, ValueError, KeyError):
        os.kill(json.loads((run / "status.json").read_text())["pid"], signal.SIGKILL)


def test_a_background_job_trains_to_the_end_without_keys(tmp_path: Path) -> None:
    argv = train_argv(tmp_path / "runs", "--steps", 2000, "--report-every", 200)
    term = Terminal(job("bg", argv), 100, 30)
    try:
        code = term.exit_status(120)  # a job stopped by SIGTTOU would never get here
    finally:
        term.close()
        kill_run(tmp_path / "runs" / "job")
    output = term.output.decode("utf-8", "replace")
    assert code == 0, output
    assert "run job done at step 2000/2000" in output
    assert "q quit" not in output  # no keys are read from the background: no key bar


def local_modes(term: Terminal) -> int:
    return termios.tcgetattr(term.child.child_fd)[3]  # the pty's settings, read on its master


def process_state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_after_ctrl_z_and_fg_keys_work_again_without_enter(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "job"
    argv = train_argv(tmp_path / "runs", "--steps", 1_000_000, "--speed", 300)
    term = Terminal(job("fg", [*argv, "--report-every", "50"]), 100, 30)
    try:
        term.wait_for(r"speed ≤300 steps/s")  # training
        term.wait_for(r"q quit")  # the keys are read: cbreak mode is on
        assert not local_modes(term) & (termios.ICANON | termios.ECHO)
        pid = json.loads((run / "status.json").read_text())["pid"]
        os.kill(pid, signal.SIGTSTP)  # Ctrl-Z
        wait_for(lambda: process_state(pid) == "T", 30, "the job to stop")
        # The shell takes the terminal back with its own settings: line by line, echoed.
        attrs = termios.tcgetattr(term.child.child_fd)
        attrs[3] |= termios.ICANON | termios.ECHO
        termios.tcsetattr(term.child.child_fd, termios.TCSANOW, attrs)
        os.kill(pid, signal.SIGCONT)  # fg
        wait_for(
            lambda: not local_modes(term) & (termios.ICANON | termios.ECHO),
            30,
            "cbreak mode to be put back",
        )
        term.child.send(" ")  # no Enter
        term.wait_for(r"status PAUSED")
        term.child.send("q")
        code = term.exit_status(60)
    finally:
        term.close()
        kill_run(run)
    assert code == 130
    assert read_checkpoint(run / "ckpt.pt")["step"] > 0
