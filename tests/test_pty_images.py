"""The image view for real: `toygan train --problem digits --live` in a pseudo-terminal read
back through pyte, then `toygan replay` of that run: G's digits in half blocks, the digits'
measures, every row inside the screen."""

from __future__ import annotations

import re
import signal
import sys
from pathlib import Path

import pytest
from clikit import toygan_env
from watchkit import Terminal, wait_for

pytestmark = pytest.mark.slow  # every test: the image view in a pseudo-terminal

STARTUP_S = 90  # torch, the digits and their classifier (trained once per test session)
# Tiny nets and batches: the view is under test, not the learning.
TINY = ["--problem", "digits", "--hidden", "8", "--batch-size", "8", "--report-every", "2"]
STEP = re.compile(r"step ([\d,]+)/")


def half_blocks(term: Terminal) -> int:
    return term.text().count("▀")


def test_the_image_view_live_and_in_replay(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "toygan_tui", "train", "--runs-dir", "runs", "--name", "d"]
    argv += ["--steps", "1000000", "--live", *TINY]
    env = toygan_env({"TERM": "xterm-256color", "COLORTERM": "truecolor", "PATH": "/usr/bin:/bin"})
    env["HOME"] = str(tmp_path)
    env["TOYGAN_CACHE_DIR"] = toygan_env()["TOYGAN_CACHE_DIR"]  # this session's classifier
    term = Terminal(argv, 100, 30, env=env, cwd=tmp_path)
    try:
        term.wait_for(r"step [\d,]+/1,000,000", STARTUP_S)
        wait_for(lambda: (term.settle(), half_blocks(term) > 100)[1], STARTUP_S, "G's images")
        rows, screen = term.screen.display, term.text()
        assert "toygan run d" in rows[0] and "engine reference" in rows[0], screen
        for measure in ("confident", "classes", "fd"):
            assert re.search(rf"{measure}\s+(\d+\.\d{{3}}|\d+)", screen), (measure, screen)
        assert "G's images (fixed noise)" in screen, screen
        assert rows[-1].strip() == "", screen  # nothing wrapped or scrolled the header away
        term.child.kill(signal.SIGINT)
        assert term.exit_status(60) == 130
    finally:
        term.close()

    replay = [sys.executable, "-m", "toygan_tui", "replay", "d", "--runs-dir", "runs"]
    term = Terminal(replay, 80, 24, env=env, cwd=tmp_path)
    try:
        term.wait_for(r"replay \d+/\d+", 60)
        wait_for(lambda: (term.settle(), half_blocks(term) > 20)[1], 30, "the stored images")
        assert "confident" in term.text()
        term.child.send("q")
        assert term.exit_status() == 0
    finally:
        term.close()
