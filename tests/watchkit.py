"""Helpers for the watch / runs / detach tests: hand-made run directories, the CLI in-process,
a background writer that imitates a trainer without torch, and a real pseudo-terminal."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pexpect
import pyte
import pytest
from clikit import ROOT, toygan
from clikit import dead_pid as dead_pid  # re-exported: the watch tests import it from here
from clikit import wait_for as wait_for  # re-exported, as dead_pid
from snapshots import make_snapshot

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.runfiles.frames import append_frame, view_arrays
from toygan_tui.core.runfiles.rundir import RunDir, append_metrics, write_config
from toygan_tui.core.runfiles.status import STATUS_FILE, StatusWriter

TESTS = Path(__file__).resolve().parent


def cli(argv: list[str], capsys: pytest.CaptureFixture[str] | None = None) -> tuple[int, str, str]:
    """`toygan ARGV` in this process: clikit.toygan (and its exit codes) as (code, out, err).
    `capsys` is accepted for the callers that pass it; toygan captures the output itself."""
    result = toygan(*argv)
    return result.code, result.out, result.err


def make_run(
    runs_dir: Path,
    run_id: str,
    steps: list[int],
    total: int = 1000,
    end: str | None = None,
    status: bool = True,
    **snap: Any,
) -> Path:
    """A run directory as a trainer leaves it: config.json, one metrics row and one frame per
    step in `steps`, status.json (unless status=False) written by this process, ended with
    `end` if given."""
    run = RunDir(runs_dir / run_id)
    run.path.mkdir(parents=True)
    write_config(
        run, TrainConfig(steps=total, device="cpu").to_dict(), {"run_id": run_id, "device": "cpu"}
    )
    writer = StatusWriter(run.path, run_id, total, 0, "cpu") if status else None
    for step in steps:
        report = make_snapshot(step=step, total=total, run_id=run_id, **snap)
        append_metrics(run.metrics, report)
        append_frame(run.path, step, view_arrays(report))
        if writer is not None:
            writer.written_at = float("-inf")  # write every report, throttle or not
            writer.report(report)
    if writer is not None and end is not None:
        writer.end(steps[-1] if steps else 0)
    return run.path


def edit_status(run_dir: Path, **changes: Any) -> None:
    """Change fields of a run's status.json, as another process (or time) would have."""
    path = run_dir / STATUS_FILE
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


# A trainer stand-in: reports every 0.05 s through the real StatusWriter and metrics writer,
# without torch, so a test can follow a run that starts instantly and never ends by itself.
FAKE_TRAINER = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from snapshots import make_snapshot
from toygan_tui.core.config import TrainConfig
from toygan_tui.core.runfiles.frames import append_frame, view_arrays
from toygan_tui.core.runfiles.rundir import RunDir, append_metrics, write_config
from toygan_tui.core.runfiles.status import StatusWriter
run = RunDir(Path(sys.argv[1]) / sys.argv[2])
run.path.mkdir(parents=True)
write_config(run, TrainConfig(steps=10**6, device="cpu").to_dict(), {"device": "cpu"})
writer = StatusWriter(run.path, run.run_id, 10**6, 0, "cpu")
step = 0
while True:
    step += 10
    snap = make_snapshot(step=step, total=10**6, run_id=run.run_id)
    append_metrics(run.metrics, snap)
    append_frame(run.path, step, view_arrays(snap))
    writer.report(snap)
    time.sleep(0.05)
"""


@contextlib.contextmanager
def fake_trainer(runs_dir: Path, run_id: str) -> Iterator[subprocess.Popen[bytes]]:
    """A running stand-in trainer writing runs_dir/run_id; killed when the block ends."""
    proc = subprocess.Popen(
        [sys.executable, "-c", FAKE_TRAINER, str(runs_dir), run_id, str(TESTS)], cwd=ROOT
    )
    try:
        wait_for(lambda: (runs_dir / run_id / STATUS_FILE).exists(), 60, "the fake trainer")
        yield proc
    finally:
        proc.kill()
        proc.wait()


def kill_run(run_dir: Path) -> None:
    """SIGKILL the process a run's status.json names, if it is still there (test clean-up)."""
    with contextlib.suppress(OSError, ValueError, KeyError):
        pid = json.loads((run_dir / STATUS_FILE).read_text())["pid"]
        if pid != os.getpid():  # make_run's runs name the test process itself
            os.kill(pid, signal.SIGKILL)


class Terminal:
    """A command in a real pseudo-terminal of a given size, its screen read through pyte."""

    def __init__(
        self,
        argv: list[str],
        cols: int = 100,
        rows: int = 30,
        *,
        env: dict[str, str] | None = None,
        cwd: Path = ROOT,
    ) -> None:
        """env, if given, is the child's whole environment; by default it is this process's
        with TERM, COLUMNS and LINES set for the pty. (COLUMNS and LINES pin rich's idea of the
        size: a test that resizes the terminal passes an env without them.)"""
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        if env is None:
            env = {**os.environ, "TERM": "xterm-256color"}
            env.update(COLUMNS=str(cols), LINES=str(rows))
            env.pop("NO_COLOR", None)
        self.child = pexpect.spawn(
            argv[0], argv[1:], dimensions=(rows, cols), env=env, cwd=str(cwd)
        )
        self.output = b""

    def _feed(self, data: bytes) -> None:
        self.output += data
        self.stream.feed(data)

    def pump(self, seconds: float = 0.1) -> None:
        """Feed what the program wrote meanwhile to the screen."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.child.isalive():
            with contextlib.suppress(pexpect.TIMEOUT, pexpect.EOF):
                self._feed(self.child.read_nonblocking(65536, timeout=0.05))
        with contextlib.suppress(pexpect.TIMEOUT, pexpect.EOF):
            while data := self.child.read_nonblocking(65536, timeout=0):
                self._feed(data)

    def settle(self, quiet: float = 0.1, timeout: float = 5.0) -> bool:
        """Pump until the program has written nothing for `quiet` s (True), or give up after
        `timeout` s of output that never paused that long (False). A big frame arrives in
        several chunks, and a screen read between two of them would show a half-drawn one."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                self._feed(self.child.read_nonblocking(65536, timeout=min(quiet, left)))
            except pexpect.TIMEOUT:
                return left >= quiet  # a whole `quiet` span without a byte
            except pexpect.EOF:
                return True  # it exited: nothing more will come
        return False

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        """Pump until the screen matches the regex; return the match."""

        def found() -> re.Match[str] | None:
            self.pump()
            return re.search(pattern, self.text())

        try:
            return wait_for(found, timeout, f"{pattern!r} on screen")
        except AssertionError as exc:  # show the screen as it is now, not as it was at first
            raise AssertionError(f"{exc}; the screen:\n{self.text()}") from None

    def exit_status(self, timeout: float = 30) -> int:
        wait_for(lambda: (self.pump(), not self.child.isalive())[1], timeout, "exit")
        self.child.close()
        return self.child.exitstatus if self.child.exitstatus is not None else -1

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()
