"""Helpers shared by the bench/ scripts: the project's interpreter, timed child processes
(with their peak memory), `toygan train` with or without a pseudo-terminal, another commit's
tree to run beside this one, and medians."""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


def use_project_python() -> None:
    """Re-run this script with the project's .venv interpreter when there is one and this is
    no virtual environment's (another venv, e.g. one with another torch, is used as it is)."""
    if VENV_PYTHON.exists() and sys.prefix == sys.base_prefix:
        os.execv(VENV_PYTHON, [str(VENV_PYTHON), sys.argv[0], *sys.argv[1:]])


def toygan_command() -> list[str]:
    """The installed `toygan` script beside this interpreter, else `python -m toygan_tui`."""
    script = Path(sys.executable).with_name("toygan")
    return [str(script)] if script.exists() else [sys.executable, "-m", "toygan_tui"]


@dataclass
class Finished:
    seconds: float  # wall time of the whole process
    peak_rss_mb: float
    output: str
    returncode: int
    marker_s: float | None = None  # when `marker` first appeared on the pty (None: never)


def run_child(
    cmd: list[str],
    env: dict[str, str] | None = None,
    tty: bool = False,
    *,
    cwd: Path = ROOT,
    marker: bytes | None = None,
) -> Finished:
    """Run cmd to the end (stdout on a pipe, or on an 80×24 pseudo-terminal), with its peak RSS
    and, on a pty, the seconds until `marker` first appeared in its output."""
    started = time.perf_counter()
    marker_s = None
    if tty:
        master, slave = pty.openpty()
        import fcntl
        import termios

        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        proc = subprocess.Popen(cmd, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd)
        os.close(slave)
        output, marker_s = _drain(master, marker, started)
        os.close(master)
    else:
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd
        )
        assert proc.stdout is not None
        output = proc.stdout.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    return Finished(seconds, usage.ru_maxrss / 1024, output, proc.returncode, marker_s)


def _drain(master: int, marker: bytes | None, started: float) -> tuple[str, float | None]:
    """Read a pseudo-terminal until the child closes it (a full pty would block the child);
    note when `marker` first shows up."""
    data, marker_s = b"", None
    while True:
        ready, _, _ = select.select([master], [], [], 1.0)
        if not ready:
            continue
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child has exited and closed its side
            break
        if not chunk:
            break
        data += chunk
        if marker is not None and marker_s is None and marker in data[-len(chunk) - len(marker) :]:
            marker_s = time.perf_counter() - started
    return data.decode(errors="replace"), marker_s


@dataclass
class TrainResult:
    steps_per_s: float  # steps over training time (reports, evals and checkpoints included)
    peak_rss_mb: float
    final: dict[str, float]  # the last metrics.jsonl line
    rows: list[dict[str, float]]  # every metrics.jsonl line
    wall_s: float  # the whole process, start-up included
    engine: str  # the engine the run reported (status.json)
    output: str  # what it printed (on the pseudo-terminal: the dashboard's frames)


def toygan_train(
    args: list[str], live: bool, env_extra: dict[str, str] | None = None, runs_dir: str = ""
) -> TrainResult:
    """`toygan train ARGS` in runs_dir (default: a fresh one, removed after); speed from its
    metrics.jsonl."""
    if not runs_dir:
        with tempfile.TemporaryDirectory() as runs:
            return toygan_train(args, live, env_extra, runs)
    flag = "--live" if live else "--no-live"
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="80", LINES="24")
    env.pop("NO_COLOR", None)
    env.update(env_extra or {})
    done = run_child([*toygan_command(), "train", *args, "--runs-dir", runs_dir, flag], env, live)
    if done.returncode != 0:
        raise SystemExit(f"toygan train failed ({done.returncode}):\n{done.output[-2000:]}")
    if live and "\x1b[" not in done.output:
        raise SystemExit("toygan train --live drew no dashboard on the pseudo-terminal")
    run = max(Path(runs_dir).glob("*/metrics.jsonl"), key=lambda p: p.stat().st_mtime).parent
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    final = rows[-1]
    speed = final["step"] / final["time"]
    engine = json.loads((run / "status.json").read_text()).get("engine", "")
    return TrainResult(speed, done.peak_rss_mb, final, rows, done.seconds, engine, done.output)


def reference_loop(steps: int, device: str, threads: str, seed: int = 1) -> float:
    """The plain learner's loop (bench/reference_loop.py) in a fresh process: its steps/s."""
    script = ROOT / "bench" / "reference_loop.py"
    cmd = [sys.executable, str(script), "--steps", str(steps), "--device", device]
    cmd += ["--threads", threads, "--seed", str(seed)]
    done = run_child(cmd)
    if done.returncode != 0:
        raise SystemExit(f"reference loop failed:\n{done.output[-2000:]}")
    return float(json.loads(done.output.strip().splitlines()[-1])["steps_per_s"])


def median(values: list[float]) -> float:
    return statistics.median(values)


def spread(values: list[float]) -> str:
    return f"median {median(values):8.1f}  (min {min(values):.1f}, max {max(values):.1f})"


def make_folder(root: Path, count: int) -> None:
    """count images of 70-140 px a side, a disc or a square on a coloured background."""
    import numpy as np
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(0)
    for i in range(count):
        w, h = (int(v) for v in rng.integers(70, 141, size=2))
        image = Image.new("RGB", (w, h), tuple(int(c) for c in rng.integers(0, 120, 3)))
        r = int(rng.integers(15, min(w, h) // 2))
        cx, cy = w // 2 + int(rng.integers(-8, 9)), h // 2 + int(rng.integers(-8, 9))
        colour = tuple(int(c) for c in rng.integers(100, 256, 3))
        shape = ImageDraw.Draw(image).ellipse if i % 2 else ImageDraw.Draw(image).rectangle
        shape((cx - r, cy - r, cx + r, cy + r), fill=colour)
        folder = root / f"part{i % 4}" / f"sub{i % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        image.save(folder / f"{i:05d}.{'jpg' if i % 3 else 'png'}")


@contextlib.contextmanager
def worktree(ref: str) -> Iterator[Path]:
    """`ref` checked out in a temporary git worktree, removed after. Run toygan there with
    PYTHONPATH set to it and this same interpreter: only the code differs."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        git("worktree", "add", "--detach", str(tree), ref)
        try:
            yield tree
        finally:
            git("worktree", "remove", "--force", str(tree))


def default_base() -> str:
    """The commit to compare this tree with when none is given: origin's main, else main."""
    for ref in ("origin/main", "main"):
        if git("rev-parse", "--verify", "--quiet", ref, check=False):
            return ref
    raise SystemExit("no base commit: give --base REF")


def git(*args: str, check: bool = True) -> str:
    done = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip() if done.returncode == 0 else ""
