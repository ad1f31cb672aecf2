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
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pexpect
import pyte
import pytest
from snapshots import make_snapshot

from toygan_tui.cli import main
from toygan_tui.core.config import TrainConfig
from toygan_tui.core.runs import RunDir, append_metrics, write_config
from toygan_tui.core.status import STATUS_FILE, StatusWriter

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run `toygan ARGV` in this process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out, err


def make_run(
    runs_dir: Path,
    run_id: str,
    steps: list[int],
    total: int = 1000,
    end: str | None = None,
    status: bool = True,
    **snap: Any,
) -> Path:
    """A run directory as a trainer leaves it: config.json, one metrics row per step in `steps`,
    status.json (unless status=False) written by this process, ended with `end` if given."""
    run = RunDir(runs_dir / run_id)
    run.path.mkdir(parents=True)
    write_config(run, TrainConfig(steps=total, device="cpu"), {"run_id": run_id, "device": "cpu"})
    writer = StatusWriter(run.path, run_id, total, 0, "cpu") if status else None
    for step in steps:
        report = make_snapshot(step=step, total=total, run_id=run_id, **snap)
        append_metrics(run, report)
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


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


# A trainer stand-in: reports every 0.05 s through the real StatusWriter and metrics writer,
# without torch, so a test can follow a run that starts instantly and never ends by itself.
FAKE_TRAINER = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from snapshots import make_snapshot
from toygan_tui.core.config import TrainConfig
from toygan_tui.core.runs import RunDir, append_metrics, write_config
from toygan_tui.core.status import StatusWriter
run = RunDir(Path(sys.argv[1]) / sys.argv[2])
run.path.mkdir(parents=True)
write_config(run, TrainConfig(steps=10**6, device="cpu"), {"device": "cpu"})
writer = StatusWriter(run.path, run.run_id, 10**6, 0, "cpu")
step = 0
while True:
    step += 10
    snap = make_snapshot(step=step, total=10**6, run_id=run.run_id)
    append_metrics(run, snap)
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


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll until predicate() is truthy (returning it); fail the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class Terminal:
    """A command in a real pseudo-terminal of a given size, its screen read through pyte."""

    def __init__(self, argv: list[str], cols: int = 100, rows: int = 30) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
        env.pop("NO_COLOR", None)
        self.child = pexpect.spawn(argv[0], argv[1:], dimensions=(rows, cols), env=env, cwd=ROOT)
        self.output = b""

    def pump(self, seconds: float = 0.1) -> None:
        """Feed what the program wrote meanwhile to the screen."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.child.isalive():
            with contextlib.suppress(pexpect.TIMEOUT, pexpect.EOF):
                data = self.child.read_nonblocking(65536, timeout=0.05)
                self.output += data
                self.stream.feed(data)
        with contextlib.suppress(pexpect.TIMEOUT, pexpect.EOF):
            while data := self.child.read_nonblocking(65536, timeout=0):
                self.output += data
                self.stream.feed(data)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, pattern: str, timeout: float = 60) -> re.Match[str]:
        """Pump until the screen matches the regex; return the match."""

        def found() -> re.Match[str] | None:
            self.pump()
            return re.search(pattern, self.text())

        return wait_for(found, timeout, f"{pattern!r} on screen:\n{self.text()}")

    def exit_status(self, timeout: float = 30) -> int:
        wait_for(lambda: (self.pump(), not self.child.isalive())[1], timeout, "exit")
        self.child.close()
        return self.child.exitstatus if self.child.exitstatus is not None else -1

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()
