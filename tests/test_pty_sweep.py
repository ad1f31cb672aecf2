"""`toygan sweep` in a real pseudo-terminal, read back through pyte as a person sees it: the
table fills in while the sweep trains, then stays on screen once, whole, at the end."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
from pathlib import Path

from clikit import toygan_env
from test_ui_sweep import report
from watchkit import Terminal

from toygan_tui.core.runfiles.status import StatusWriter
from toygan_tui.core.runfiles.sweepreport import status_fields

COLS, ROWS = 72, 16


def test_the_live_table_in_a_real_terminal(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "toygan_tui", "sweep", "--seeds", "1-3", "--loss", "minimax,ns"]
    argv += ["--steps", "600", "--report-every", "50", "--runs-dir", "runs", "--device", "cpu"]
    env = toygan_env({**os.environ, "TERM": "xterm-256color", "NO_COLOR": "1"})
    env.update(COLUMNS=str(COLS), LINES=str(ROWS))
    term = Terminal(argv, cols=COLS, rows=ROWS, env=env, cwd=tmp_path)
    try:
        term.wait_for(r"sweep-1  step \d+/600  6 members")  # the live frame, as it trains
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
    assert "sweep sweep-1 done at step 600/600: 6 members" in screen
    assert screen.count("option set") == 1  # the live frame is gone, the table printed once
    assert b"\x1b[32m" not in term.output  # NO_COLOR: no colour, the glyphs still say it


def test_watch_draws_a_sweeps_table_in_a_real_terminal(tmp_path: Path) -> None:
    sweep = tmp_path / "runs" / "sweep-9"
    sweep.mkdir(parents=True)
    (sweep / "config.json").write_text(json.dumps({"kind": "sweep", "steps": 10_000}))
    writer = StatusWriter(sweep, "sweep-9", 10_000, 0, "cpu", fields=status_fields)
    writer.report(dataclasses.replace(report(), step=10_000, sweep_id="sweep-9"))
    writer.end(10_000)
    argv = [sys.executable, "-m", "toygan_tui", "watch", "sweep-9", "--runs-dir", "runs"]
    term = Terminal(argv, cols=COLS, rows=ROWS, env=toygan_env({**os.environ, "TERM": "xterm"}),
                    cwd=tmp_path)  # fmt: skip
    try:
        assert term.exit_status(timeout=60) == 0, term.text()
    finally:
        term.close()
    rows = [line.rstrip() for line in term.screen.display]
    assert rows[0].startswith("sweep-9  step 10000/10000  30 members"), term.text()
    assert rows[1].startswith("option set") and "in_bounds" in rows[1]
    assert re.fullmatch(r"loss ns  lr_g 1e-04 .* ○○○○●●●●●●", rows[2]), term.text()
    assert "sweep sweep-9 finished at step 10000/10000" in term.text()
