"""`toygan watch` without a terminal: plain lines like `train`, until the run ends; and what it
does with bad input, damaged files and old run directories. (The live view: test_watch_tty.py.)"""

from __future__ import annotations

import json
import math
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from clikit import imports_of
from snapshots import make_snapshot
from watchkit import ROOT, cli, edit_status, fake_trainer, make_run, wait_for

from toygan_tui.commands import watch
from toygan_tui.core.runfiles.rundir import RunDir, append_metrics
from toygan_tui.core.runfiles.status import StatusWriter
from toygan_tui.ui.terminal import watching

ESCAPE = re.compile(r"\x1b")


def test_a_finished_run_is_shown_once_with_how_it_ended(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_run(tmp_path, "r1", [500, 1000], total=1000, end="finished", d_real=0.512)
    code, out, err = cli(["watch", "--runs-dir", str(tmp_path)], capsys)
    assert code == 0 and err == ""
    assert not ESCAPE.search(out)
    first, last = out.splitlines()
    assert first.startswith("step 1000/1000") and "D(real) 0.512" in first
    assert "status finished" in first
    assert last.startswith("run r1 finished at step 1000/1000; sample it with: toygan sample")


def test_a_speed_cap_in_status_json_is_the_speed_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `train --detach --speed 100`: the engine could do 12 000 steps/s, the run goes at 100.
    run = make_run(tmp_path, "r1", [500], total=10_000, steps_per_s=12_000.0)
    edit_status(run, speed_cap=100, state="finished")
    code, out, _ = cli(["watch", "--runs-dir", str(tmp_path)], capsys)
    assert code == 0 and "  100 steps/s  " in out.splitlines()[0], out
    edit_status(run, speed_cap=None)  # no cap (or a status from before caps): the engine's
    assert "  12000 steps/s  " in cli(["watch", "--runs-dir", str(tmp_path)], capsys)[1]


def test_a_damaged_metrics_file_and_status_are_shown_not_fatal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = make_run(tmp_path, "r1", [100, 200], total=1000, end="interrupted")
    (run / "status.json").write_text("{not json")
    with (run / "metrics.jsonl").open("ab") as handle:
        handle.write(b'\xff\xfe garbage\n[1, 2]\n{"step": 250, "d_lo')
    hour_ago = time.time() - 3600  # without a status, a recent write would read as running
    os.utime(run / "metrics.jsonl", (hour_ago, hour_ago))
    code, out, err = cli(["watch", "r1", "--runs-dir", str(tmp_path)], capsys)
    assert code == 0 and err == ""
    first = out.splitlines()[0]
    assert first.startswith("step 200/1000")  # the last complete row
    assert "status.json is damaged" in first and "2 damaged lines in metrics.jsonl" in first
    assert "run r1 interrupted at step 200/1000" in out


def test_a_run_from_before_status_json_is_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_run(tmp_path, "old", [500, 1000], total=1000, status=False, g_loss=-0.7)
    code, out, _ = cli(["watch", "old", "--runs-dir", str(tmp_path)], capsys)
    assert code == 0
    assert out.splitlines()[0].startswith("step 1000/1000  d_loss 1.365  g_loss -0.700")
    assert "finished" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["watch", "nope"], "nope: no such run in"),
        (["watch", "--refresh", "0"], "--refresh must be a positive number of seconds"),
        (["watch", "--refresh", "nan"], "--refresh must be a positive number of seconds"),
        (["watch", "--refresh", "soon"], "--refresh"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    make_run(tmp_path, "r1", [10])
    code, out, err = cli(args + ["--runs-dir", str(tmp_path)], capsys)
    assert code == 2 and out == ""
    assert err.startswith("toygan: error: ") and message in err and len(err.splitlines()) == 1


def test_no_runs_to_watch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(["watch", "--runs-dir", str(tmp_path)], capsys)
    assert code == 2 and "no runs in" in err and "toygan train" in err


@pytest.mark.slow
def test_watch_never_imports_torch(tmp_path: Path) -> None:
    make_run(tmp_path, "r1", [1000], total=1000, end="finished")
    ran = imports_of("watch", "--runs-dir", tmp_path)
    assert ran.result.code == 0, ran.result.err
    assert "run r1 finished" in ran.result.out  # it really watched
    assert "torch" not in ran.packages


class PlainWatch:
    """`toygan watch` in a child whose stdout and stderr are pipes (no terminal: plain lines).
    Threads read both, so no read can hang the test: next_line() gives up at a deadline. The
    child is killed when the `with` block ends, however it ends."""

    def __init__(self, runs_dir: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "toygan_tui", "watch", "--runs-dir", str(runs_dir)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()  # None: the output ended
        self.errors: list[str] = []
        self.readers = [
            threading.Thread(target=self._read_out, daemon=True),
            threading.Thread(target=self._read_err, daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    def _read_out(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        self.errors.append(self.proc.stderr.read())

    def next_line(self, deadline: float) -> str | None:
        """The next line of stdout (None: it ended); fail the test at the deadline."""
        try:
            return self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError("timed out waiting for a line from `toygan watch`") from None

    def __enter__(self) -> PlainWatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()
        for reader in self.readers:  # the pipes close with the child: the readers end
            reader.join(timeout=10)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()

    @property
    def stderr(self) -> str:
        return "".join(self.errors)


@pytest.mark.slow
def test_plain_lines_follow_a_running_run_until_its_process_is_gone(tmp_path: Path) -> None:
    with fake_trainer(tmp_path, "live") as trainer, PlainWatch(tmp_path) as watcher:
        deadline = time.monotonic() + 60
        steps: list[int] = []
        while len(set(steps)) < 3:
            line = watcher.next_line(deadline)
            assert line is not None, f"the output ended after steps {steps}"
            match = re.match(r"step (\d+)/1000000 .*status running", line)
            assert match, line
            steps.append(int(match[1]))
        assert steps == sorted(steps)
        trainer.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + 60
        rest = "".join(iter(lambda: watcher.next_line(deadline), None))
        code = watcher.proc.wait(timeout=60)
    assert code == 0, watcher.stderr
    assert not ESCAPE.search(rest)
    assert re.search(
        r"^run live interrupted at step \d+/1000000 \(its process is gone\)", rest, re.M
    )
    status = json.loads((tmp_path / "live" / "status.json").read_text())
    assert status["state"] == "running"  # the viewer only read: the file says what the run left


def test_a_diverged_run_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make_run(tmp_path, "r1", [100], total=1000, end="diverged", d_loss=math.nan)
    code, out, _ = cli(["watch", "--runs-dir", str(tmp_path)], capsys)
    assert code == 0
    assert "d_loss nan" in out and "run r1 diverged at step 100/1000" in out


class ScriptedKeys:
    """The viewer's keys, in this process: each wait (the pause between two looks at the files)
    is recorded and, instead of waiting, makes the test's move for that look; then `q`."""

    def __init__(self, moves: dict[int, Callable[[], object]], looks: int) -> None:
        self.moves, self.looks = moves, looks
        self.waits: list[float] = []

    def __call__(self) -> ScriptedKeys:  # watch makes its Keys() here
        return self

    def __enter__(self) -> ScriptedKeys:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def wait(self, timeout: float) -> str:
        self.waits.append(timeout)
        self.moves.get(len(self.waits), lambda: None)()
        return "q" if len(self.waits) >= self.looks else ""


def report(run: Path, step: int) -> Callable[[], None]:
    """A move: the run (of make_run's 1000 steps) writes its next report, as a trainer does."""

    def write() -> None:
        snap = make_snapshot(step=step, total=1000, run_id=run.name)
        append_metrics(RunDir(run).metrics, snap)
        StatusWriter(run, run.name, 1000, step, "cpu").report(snap)

    return write


@pytest.mark.parametrize(("refresh", "pause"), [("2", 2.0), ("0.1", 0.25), (None, 0.25)])
def test_the_live_view_looks_once_per_refresh_and_draws_only_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, refresh: str | None, pause: float
) -> None:
    run = make_run(tmp_path, "r1", [50])  # running: its pid is this test's, alive
    keys = ScriptedKeys({3: report(run, 100), 6: report(run, 150)}, looks=9)
    looks, frames = [], []
    poll, render = watch.RunFollower.poll, watch.render
    monkeypatch.setattr(watching, "Keys", keys)
    monkeypatch.setattr(watch.RunFollower, "poll", lambda self: looks.append(1) or poll(self))
    monkeypatch.setattr(watch, "render", lambda *a: frames.append(a[0].step) or render(*a))
    monkeypatch.setenv("FORCE_COLOR", "1")  # a terminal, as far as the viewer can tell
    args = ["watch", "--runs-dir", str(tmp_path)] + (["--refresh", refresh] if refresh else [])
    code, out, _ = cli(args)
    assert code == 0 and "\x1b[" in out
    assert keys.waits == [pause] * 9  # --refresh 2: one look every 2 s; at most 4 a second
    assert len(looks) == 9  # one read of the files per pause
    assert frames == [50, 100, 150]  # a frame at the start and after each report, no other


def test_plain_lines_come_once_per_refresh_and_only_for_a_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run(tmp_path, "r1", [50], end=None)
    pauses: list[float] = []
    moves = {2: report(run, 100), 4: lambda: edit_status(run, state="finished", step=1000)}

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        moves.get(len(pauses), lambda: None)()

    monkeypatch.setattr(watching.time, "sleep", sleep)
    code, out, _ = cli(["watch", "--runs-dir", str(tmp_path), "--refresh", "2"])
    assert code == 0
    assert pauses == [2.0] * 4  # four pauses of 2 s, then the run had ended
    steps = [line.split()[1] for line in out.splitlines() if line.startswith("step ")]
    assert steps == ["50/1000", "100/1000", "1000/1000"]  # unchanged looks print nothing


def test_wait_for_fails_loudly() -> None:
    # The helper every waiting test relies on must not pass silently on a timeout.
    with pytest.raises(AssertionError, match="timed out"):
        wait_for(lambda: False, 0.1, "nothing")
