"""The real thing: `toygan train --live` in a pseudo-terminal, read back through a terminal
emulator (pyte), the way a person sees it: a counter that moves, numbers and curves on screen."""

from __future__ import annotations

import re
import signal
import sys
from pathlib import Path

import pytest
from clikit import toygan_env
from snapshots import braille_cells
from watchkit import Terminal, wait_for

pytestmark = pytest.mark.slow  # every test: the dashboard in a pseudo-terminal

TOTAL = 1_000_000  # far more than the test lasts: the fast engine does thousands a second
STEP = re.compile(r"step ([\d,]+)/1,000,000")
STARTUP_S = 60  # torch's import and the first report; generous for a loaded CI machine
ADVANCE_S = 30  # frames are paced by their cost (3% of the time): far apart on a busy machine
# The frame's last line: the x-axis labels under the history chart (…1M) and the curves (-1…1).
X_LABELS = re.compile(r"\b1M +-1\b.* 1 *$")


def step_on(term: Terminal) -> int | None:
    """The step counter of the frame on screen, read once a frame has been drawn whole."""
    term.settle()
    found = STEP.search(term.text())
    return int(found.group(1).replace(",", "")) if found else None


def step_past(term: Terminal, past: int) -> int | None:
    """The step on screen if it is beyond `past`: the counter moved."""
    step = step_on(term)
    return step if step is not None and step > past else None


def assert_dashboard_moves(term: Terminal) -> None:
    """The counter advances, and a whole frame fits the screen: numbers and curves."""
    first = wait_for(lambda: step_on(term), STARTUP_S, "a step counter on screen")
    wait_for(lambda: step_past(term, first), ADVANCE_S, f"the counter to move past {first}")
    rows = term.screen.display
    screen = term.text()
    # The whole frame is on screen, one line short of the terminal (rich's Live ends with a
    # newline): header on the first row, the key bar on the last but one, the charts' x-axis
    # labels above it. A frame too tall or too wide (wrapped) would have scrolled its header
    # away or moved the labels.
    assert "toygan run" in rows[0], screen
    assert rows[-2].startswith("space pause  s step"), screen
    assert X_LABELS.search(rows[-3]), screen
    assert rows[-1].strip() == "", screen
    assert rows[-4].endswith("┘"), screen  # the curves chart ends in the last column
    assert re.search(r"D\(real\)\s+\d\.\d{3}", screen), screen  # the numbers
    assert re.search(r"in_bounds\s+\d\.\d{3}", screen), screen
    assert "bounds x², 2x²+1" in screen, screen  # the curves chart and its legend
    assert braille_cells(screen) > 100, screen


def test_live_dashboard_in_a_real_terminal_and_after_a_resize(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "toygan_tui", "train", "--steps", str(TOTAL)]
    argv += ["--runs-dir", "runs", "--live"]
    # No COLUMNS or LINES: they would pin rich's idea of the size and hide the resize. This
    # checkout on PYTHONPATH: the cwd is tmp_path, and a venv's toygan may be another tree's.
    env = toygan_env({"TERM": "xterm-256color", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    term = Terminal(argv, 80, 24, env=env, cwd=tmp_path)
    try:
        assert_dashboard_moves(term)
        # The window grows: the next frames use the new size (history charts appear). The
        # screen starts blank, so only what is drawn from now on is on it.
        term.child.setwinsize(50, 200)
        term.screen.resize(50, 200)
        term.screen.reset()
        assert_dashboard_moves(term)
        assert any("━ in_bounds" in row for row in term.screen.display), term.text()
        term.child.kill(signal.SIGINT)  # Ctrl-C, as a person would
        status = term.exit_status(60)
    finally:
        term.close()
    assert status == 130  # Ctrl-C ends the run the documented way


def test_the_2d_view_in_a_real_terminal(tmp_path: Path) -> None:
    """ring + wgan-gp, live: critic scores and the gap (no D(real)), the ring's measures, G's
    points in braille over the real points, every row inside the screen."""
    argv = [sys.executable, "-m", "toygan_tui", "train", "--steps", str(TOTAL), "--live"]
    argv += ["--runs-dir", "runs", "--problem", "ring", "--loss", "wgan-gp", "--report-every", "5"]
    env = toygan_env({"TERM": "xterm-256color", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    term = Terminal(argv, 100, 30, env=env, cwd=tmp_path)
    try:
        first = wait_for(lambda: step_on(term), STARTUP_S, "a step counter on screen")
        wait_for(lambda: step_past(term, first), ADVANCE_S, f"the counter to move past {first}")
        rows, screen = term.screen.display, term.text()
        assert "toygan run" in rows[0] and "engine reference" in rows[0], screen
        assert re.search(r"critic gap\s+-?\d+\.\d{3}\s+→ 0", screen), screen
        assert "D(real)" not in screen, screen
        assert re.search(r"modes\s+(-|\d+)\s+↑ 8", screen), screen  # a count: no decimals
        for measure in ("hq", "rkl", "js"):
            assert re.search(rf"{measure}\s+(-|\d+\.\d{{3}})", screen), (measure, screen)
        assert "⣿ G's points" in screen and "real points" in screen, screen
        assert braille_cells(screen) > 20, screen
        assert rows[-4].endswith("┘"), screen  # the view ends in the last column: no wrap
        term.child.kill(signal.SIGINT)
        status = term.exit_status(60)
    finally:
        term.close()
    assert status == 130
