"""Run `toygan` as a user would: in this process (fast), or in a fresh one (the real exit,
the real stderr: proof that no traceback escapes). Also the small helpers the CLI tests share."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toygan_tui.cli import main

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str


def toygan(*args: object) -> Result:
    """`toygan ARGS` inside this process, with stdout and stderr captured.

    The exit code is the command's: SystemExit(None) is 0, SystemExit(n) is n, and a message
    (SystemExit("...")) is 1, as the interpreter itself would exit."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    return Result(code, out.getvalue(), err.getvalue())


def toygan_argv(*args: object, via: Sequence[object] = ("-m", "toygan_tui")) -> list[str]:
    """The command line of `python -m toygan_tui ARGS` in a fresh interpreter; `via` may
    replace `-m toygan_tui` (`-c CODE [ITS ARGS]`, where CODE calls toygan_tui.cli.main)."""
    return [sys.executable, *map(str, via), *map(str, args)]


def toygan_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """`env` (default: os.environ) with this checkout first on PYTHONPATH."""
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONPATH"] = str(ROOT)
    return full_env


def toygan_start(
    *args: object,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    via: Sequence[object] = ("-m", "toygan_tui"),
    **popen: Any,
) -> subprocess.Popen[str]:
    """`python -m toygan_tui ARGS` started in the background: text pipes for stdout and
    stderr unless `popen` says otherwise, stdin /dev/null. The caller must kill it."""
    options: dict[str, Any] = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **popen}
    return subprocess.Popen(
        toygan_argv(*args, via=via),
        text=True,
        env=toygan_env(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        **options,
    )


def toygan_process(
    *args: object, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120
) -> Result:
    """`python -m toygan_tui ARGS` in a fresh interpreter; env replaces os.environ if given.
    A child still running after `timeout` s is killed and the test fails."""
    done = subprocess.run(
        toygan_argv(*args),
        capture_output=True,
        text=True,
        env=toygan_env(env),
        cwd=cwd,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def metrics_rows(run: Path, member: int | None = None) -> list[dict[str, Any]]:
    """Every row of a run's (or a sweep's) metrics.jsonl, each line parsed strictly: a damaged
    line fails the test, where toygan's own reader skips it. `run` is the run's directory or the
    file; `member` keeps a sweep member's rows only."""
    path = run if run.name == "metrics.jsonl" else run / "metrics.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return rows if member is None else [row for row in rows if row["member"] == member]


# `python -c MODULES_AT_EXIT FILE ARGS`: `toygan ARGS`, then, however it exits, the names of
# every module it had loaded, written to FILE as a JSON list.
MODULES_AT_EXIT = """
import atexit, json, sys
out = sys.argv.pop(1)
def written():
    with open(out, "w") as file:
        json.dump(sorted(sys.modules), file)
atexit.register(written)
from toygan_tui.cli import main
main(sys.argv[1:])
"""


@dataclass(frozen=True)
class Imports:
    """What `toygan ARGS` did in a fresh interpreter, and every module it had loaded."""

    result: Result
    modules: frozenset[str]

    @property
    def packages(self) -> frozenset[str]:
        """The top-level packages among the modules (torch for torch._dynamo...)."""
        return frozenset(name.split(".")[0] for name in self.modules)


def modules_spy(report: Path, *args: object) -> list[str]:
    """The command line of `toygan ARGS` in a fresh interpreter that writes the modules it
    loaded into `report` (read it with loaded_modules()): for a child started another way,
    e.g. in a pseudo-terminal."""
    return toygan_argv(*args, via=("-c", MODULES_AT_EXIT, report))


def loaded_modules(report: Path) -> frozenset[str]:
    return frozenset(json.loads(report.read_text()))


def imports_of(*args: object, cwd: Path | None = None, timeout: float = 120) -> Imports:
    """Run `toygan ARGS` in a fresh interpreter (no terminal); what it did and loaded."""
    with tempfile_path() as report:
        done = subprocess.run(
            modules_spy(report, *args), capture_output=True, text=True, env=toygan_env(),
            cwd=cwd or ROOT, timeout=timeout, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        result = Result(done.returncode, done.stdout, done.stderr)
        assert report.exists(), f"the child wrote no module report: {result}"
        return Imports(result, loaded_modules(report))


def modules_after(code: str) -> frozenset[str]:
    """Every module loaded after running Python `code` in a fresh interpreter."""
    report = "import json, sys; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", f"{code}\n{report}"], capture_output=True, text=True,
        env=toygan_env(), cwd=ROOT, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return frozenset(json.loads(done.stdout.strip().splitlines()[-1]))


@contextlib.contextmanager
def tempfile_path() -> Iterator[Path]:
    """A path in a fresh temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="toygan-test-") as folder:
        yield Path(folder) / "file"


def quick(runs: Path, *extra: object) -> list[object]:
    """The options of a short CPU run into `runs` (a few hundred steps at most)."""
    return ["train", "--runs-dir", runs, "--device", "cpu", "--no-live", *extra]


def sample_json(ckpt: Path) -> str:
    """`toygan sample --seed 7 --format json` of a checkpoint: equal for equal runs."""
    result = toygan("sample", "--ckpt", ckpt, "--seed", 7, "--format", "json")
    assert result.code == 0, result.err
    return result.out


def read_to_exit(child: Any, timeout: float = 120) -> str:
    """Everything a child on a pty (ptyprocess.PtyProcess) writes, until it exits. A child
    still running after `timeout` s is killed and the test fails (it never hangs)."""
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"the child still runs after {timeout} s; it wrote:\n"
                    + out.decode("utf-8", "replace")
                )
            if not select.select([child.fd], [], [], left)[0]:
                continue
            try:
                out += child.read(65536)
            except EOFError:
                break
        child.wait()
    finally:
        if child.isalive():
            child.kill(signal.SIGKILL)
            child.wait()
    return out.decode("utf-8", "replace")


def wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll until predicate() is truthy (returning it); fail the test after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def disk_full(fd: int) -> None:
    """A stand-in for os.fsync on a full disk: every write fails with ENOSPC."""
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class Payload:
    """Unpickled, it creates a file (the target): the proof that code from a file ran.
    A checkpoint must never run code."""

    def __init__(self, target: Path) -> None:
        self.target = str(target)

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (self.target, "w"))


# A sample recorded on another CPU: the same G on the same noise, but its 128-wide float32
# matmuls sum in another order there (another SIMD width, another BLAS kernel), so a value may
# differ in its last bits. Measured between two x86 hosts: 8.9e-8, one float32 ulp of values
# near 1. 1e-6 is a few ulps; a wrong weight, layer or noise draw moves a curve by ~0.1.
CROSS_CPU_ATOL = 1e-6


def assert_drawn_alike(now: dict[str, Any], recorded: dict[str, Any]) -> None:
    """`toygan sample --format json` output against one recorded on another machine: the same
    step, x and measures, the same curves to float32 rounding (CROSS_CPU_ATOL)."""
    import numpy as np

    assert now["step"] == recorded["step"]
    assert now["x"] == recorded["x"]
    now_curves, recorded_curves = np.asarray(now["curves"]), np.asarray(recorded["curves"])
    assert now_curves.shape == recorded_curves.shape
    np.testing.assert_allclose(now_curves, recorded_curves, rtol=0, atol=CROSS_CPU_ATOL)
    assert now["metrics"].keys() == recorded["metrics"].keys()
    for name, value in recorded["metrics"].items():  # smooth in the curves, far from any step
        assert abs(now["metrics"][name] - value) <= 1e-6 * max(1.0, abs(value)), name


def assert_loads_bit_for_bit(ckpt: Path, net: str = "G") -> None:
    """The generator `sample` builds from `ckpt` holds the checkpoint's own tensors, bit for
    bit (what 'the same G' means on any one machine)."""
    import torch

    from toygan_tui.core.training.checkpoint import load_generator, read_checkpoint

    G = load_generator(ckpt, raw=True)[0]
    stored = read_checkpoint(ckpt)[net]
    assert G.state_dict().keys() == stored.keys()
    for name, tensor in G.state_dict().items():
        assert torch.equal(tensor, stored[name]), name
