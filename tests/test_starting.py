"""`toygan train` shows its first frame (or first plain line) before torch has loaded.

The proof does not time anything: the child runs behind a gate that holds `import torch` until
the test opens it. The "starting" frame must appear while the gate is shut; had toygan imported
torch first, it would hang at the gate and the wait for the frame would fail. Bad options must
fail with exit 2 while the gate is shut, too.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from clikit import ROOT, toygan_env, wait_for
from watchkit import Terminal

pytestmark = pytest.mark.slow  # fresh interpreters (torch's import), most in a pseudo-terminal

# `toygan ARGS`, where `import torch` waits until the file $TOYGAN_TEST_GATE exists.
GATED = """
import importlib.abc, os, sys, time
gate = os.environ["TOYGAN_TEST_GATE"]
class TorchGate(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        while name == "torch" and not os.path.exists(gate):
            time.sleep(0.02)
        return None
sys.meta_path.insert(0, TorchGate())
from toygan_tui.cli import main
main(sys.argv[1:])
"""


def gated_argv(*args: object) -> list[str]:
    return [sys.executable, "-c", GATED, *map(str, args)]


def gated_env(gate: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    return {**toygan_env(env), "TOYGAN_TEST_GATE": str(gate)}


@contextlib.contextmanager
def gated_child(argv: list[str], gate: Path) -> Iterator[subprocess.Popen[bytes]]:
    """The gated command with its stdout and stderr on pipes; killed when the block ends."""
    with subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=gated_env(gate),
        cwd=ROOT,
    ) as proc:
        try:
            yield proc
        finally:
            proc.kill()


def first_line(proc: subprocess.Popen[bytes], timeout: float) -> str:
    """The child's first line on stdout; the test fails if none comes within `timeout` s."""
    assert proc.stdout is not None
    data = b""

    def line_arrived() -> bool:
        nonlocal data
        if select.select([proc.stdout], [], [], 0.05)[0]:
            chunk = os.read(proc.stdout.fileno(), 65536)
            data += chunk
            return b"\n" in data or not chunk
        return False

    wait_for(line_arrived, timeout, "the first line")
    return data.decode().split("\n")[0]


def test_the_first_plain_line_comes_before_torch_is_imported(tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    argv = gated_argv("train", "--runs-dir", tmp_path / "runs", "--name", "demo", "--steps", 40)
    with gated_child([*argv, "--report-every", "20"], gate) as proc:  # a pipe: plain lines
        assert first_line(proc, 60) == "run demo: starting at step 0/40"
        assert proc.poll() is None  # still held at the gate: torch is not loaded yet
        gate.touch()
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    lines = out.decode().splitlines()
    assert [line.split()[1] for line in lines[:2]] == ["20/40", "40/40"], lines
    assert lines[2].startswith("run demo done at step 40/40"), lines


def test_the_starting_frame_is_drawn_in_a_terminal_before_torch_is_imported(
    tmp_path: Path,
) -> None:
    gate = tmp_path / "gate"
    env = {**gated_env(gate), "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    env.pop("NO_COLOR", None)
    argv = gated_argv("train", "--runs-dir", "runs", "--name", "demo", "--steps", 1_000_000)
    term = Terminal(argv, 80, 24, env=env, cwd=tmp_path)
    try:
        term.wait_for(r"toygan run demo +starting…", 60)
        rows = term.screen.display
        assert rows[1].startswith("step 0/1,000,000  waiting for the first report"), term.text()
        assert "bounds x², 2x²+1" in term.text()  # the whole frame, charts and all
        assert "q quit" not in term.text()  # no key bar: the keys do nothing yet
        assert term.child.isalive()  # held at the gate
        gate.touch()
        term.wait_for(r"step [\d,]+/1,000,000 .*steps/s", 120)  # torch loaded, training
        term.wait_for(r"space pause  s step  \+/- speed  q quit")  # now they do
        term.child.kill(signal.SIGINT)
        assert term.exit_status(60) == 130
    finally:
        term.close()


def test_bad_options_fail_before_torch_is_imported(tmp_path: Path) -> None:
    # The gate stays shut: a command that imported torch first would hang and time out.
    runs = tmp_path / "runs"
    (runs / "taken").mkdir(parents=True)
    (runs / "taken" / "config.json").write_text("{}")
    (tmp_path / "file").write_text("")
    cases = {
        ("--steps", 0): "--steps must be positive",
        ("--name", "a/b"): "--name must be a plain directory name",
        ("--name", "taken"): "run 'taken' already exists",
        ("--lr-g", "nan"): "--lr-g must be a positive finite number",
        ("--engine", "turbo"): "--engine must be one of",
    }
    for args, message in cases.items():
        argv = gated_argv("train", "--runs-dir", runs, *args)
        done = subprocess.run(
            argv, capture_output=True, text=True, env=gated_env(tmp_path / "gate"), timeout=60
        )
        assert (done.returncode, done.stdout) == (2, ""), (args, done.stderr)
        assert done.stderr.startswith("toygan: error: ") and message in done.stderr, done.stderr
    unwritable = gated_argv("train", "--runs-dir", tmp_path / "file" / "runs")
    done = subprocess.run(
        unwritable, capture_output=True, text=True, env=gated_env(tmp_path / "gate"), timeout=60
    )
    assert done.returncode == 2 and "cannot write the run into" in done.stderr, done.stderr
    assert sorted(p.name for p in runs.iterdir()) == ["taken"]  # no run directory was left


def test_ctrl_c_while_torch_loads_cancels_the_start_and_leaves_nothing(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    last = runs / "last.pt"
    last.write_bytes(b"the model of an earlier run")  # `sample` reads it: it must stay
    # Two different signals, so they cannot merge into one. SIGTERM comes second however they
    # arrive: sent in that order, and Python handles pending signals in number order too.
    cases = {
        (signal.SIGINT,): (130, "toygan: stopped by Ctrl-C while starting; nothing was saved"),
        (signal.SIGTERM,): (143, "toygan: stopped by SIGTERM while starting; nothing was saved"),
        (signal.SIGINT, signal.SIGTERM): (
            143,
            "toygan: aborted by a second SIGTERM while starting; nothing was saved",
        ),
    }
    for signals, (code, said) in cases.items():
        gate = tmp_path / f"gate-{'-'.join(map(str, signals))}"
        argv = gated_argv("train", "--runs-dir", runs, "--steps", 50, "--no-live")
        with gated_child(argv, gate) as proc:
            assert "starting" in first_line(proc, 60)
            assert len(list(runs.iterdir())) == 2  # the run's directory is claimed, empty
            for signum in signals:
                proc.send_signal(signum)
            gate.touch()
            _, err = proc.communicate(timeout=120)
        assert proc.returncode == code and said in err.decode(), (signals, err)
        assert [p.name for p in runs.iterdir()] == ["last.pt"], signals  # no run directory
        assert last.read_bytes() == b"the model of an earlier run", signals
