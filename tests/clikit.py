"""Run `toygan` as a user would: in this process (fast), or in a fresh one (the real exit,
the real stderr: proof that no traceback escapes)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
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
    """`toygan ARGS` inside this process, with stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    return Result(code, out.getvalue(), err.getvalue())


def toygan_process(
    *args: object, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 120
) -> Result:
    """`python -m toygan_tui ARGS` in a fresh interpreter; env replaces os.environ if given."""
    full_env = dict(os.environ if env is None else env)
    full_env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "toygan_tui", *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def quick(runs: Path, *extra: object) -> list[object]:
    """The options of a short CPU run into `runs` (a few hundred steps at most)."""
    return ["train", "--runs-dir", runs, "--device", "cpu", "--no-live", *extra]


def read_to_exit(child: Any) -> str:
    """Everything a child on a pty (ptyprocess.PtyProcess) writes, until it exits."""
    out = b""
    while True:
        try:
            out += child.read(65536)
        except EOFError:
            break
    child.wait()
    return out.decode("utf-8", "replace")
