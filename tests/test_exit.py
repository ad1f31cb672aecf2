"""The `toygan` command leaves without tearing the interpreter down (cli.run: os._exit after
flushing): exit codes and every byte of output must still come through."""

from __future__ import annotations

from pathlib import Path

import pytest
from clikit import quick, toygan, toygan_process

pytestmark = pytest.mark.slow  # fresh interpreters through pipes


def test_the_whole_output_and_the_exit_code_come_through_a_pipe(tmp_path: Path) -> None:
    assert toygan(*quick(tmp_path / "runs", "--steps", 20, "--report-every", 10)).code == 0
    ckpt = tmp_path / "runs" / "last.pt"
    for n in (3, 30_000):  # a few lines wait in stdout's buffer; many are written through
        curves = toygan_process("sample", "--ckpt", ckpt, "--format", "csv", "-n", n)
        assert curves.code == 0, curves.err
        lines = curves.out.splitlines()
        assert len(lines) == n and all(line.count(",") == 14 for line in lines)
    bad = toygan_process("sample", "--ckpt", tmp_path / "nothing.pt")
    assert bad.code == 2 and bad.err.startswith("toygan: error: "), bad.err
    finished = toygan_process("train", "--resume", ckpt, "--steps", 20)
    assert finished.code == 0 and "already finished" in finished.out, finished.err
