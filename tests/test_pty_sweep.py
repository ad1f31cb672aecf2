"""`toygan sweep` in a real pseudo-terminal, read back through pyte as a person sees it: the
table fills in while the sweep trains, then stays on screen once, whole, at the end."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from clikit import toygan_env
from watchkit import Terminal

COLS, ROWS = 72, 16


def test_the_live_table_in_a_real_terminal(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "toygan_tui", "sweep", "--seeds", "1-3", "--loss", "minimax,ns"]
    argv += ["--steps", "1200", "--report-every", "100", "--runs-dir", "runs", "--device", "cpu"]
    env = toygan_env({**os.environ, "TERM": "xterm-256color", "NO_COLOR": "1"})
    env.update(COLUMNS=str(COLS), LINES=str(ROWS))
    term = Terminal(argv, cols=COLS, rows=ROWS, env=env, cwd=tmp_path)
    try:
        term.wait_for(r"sweep-1  step \d+/1200  6 members")  # the live frame, as it trains
        assert term.exit_status(timeout=120) == 0, term.text()
    finally:
        term.close()
    screen = term.text()
    rows = [line.rstrip() for line in term.screen.display]
    # The table once, whole: a heading and one row per option set, each ending in its strip
    # of three seeds (a wrapped row would have pushed its strip onto a line of its own).
    heading = next(i for i, line in enumerate(rows) if line.startswith("option set"))
    assert re.fullmatch(r"loss minimax .* [●○]{3}", rows[heading + 1]), screen
    assert re.fullmatch(r"loss ns .* [●○]{3}", rows[heading + 2]), screen
    assert "sweep sweep-1 done at step 1200/1200: 6 members" in screen
    assert screen.count("option set") == 1  # the live frame is gone, the table printed once
    assert b"\x1b[32m" not in term.output  # NO_COLOR: no colour, the glyphs still say it
