"""`toygan sweep` in a real pseudo-terminal, read back through pyte as a person sees it: the
table fills in while the sweep trains, then stays on screen once, whole, at the end."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
from pathlib import Path

import pytest
from clikit import toygan_env
from test_ui_sweep import report
from watchkit import Terminal, wait_for

from toygan_tui.core.runfiles.status import StatusWriter
from toygan_tui.core.runfiles.sweepreport import status_fields

pytestmark = pytest.mark.slow  # every test: a sweep or watch in a pseudo-terminal

COLS, ROWS = 72, 16


STEPS = 2000  # long enough for live frames well before the end (at most 4 a second)
# The live frame as it trains: its progress line at a step before the end, the table under it.
# Plain lines have no table heading, and the table printed at the end sits under the progress
# line of the last step: only the live table matches.
LIVE_FRAME = re.compile(rf"sweep-1  step (\d+)/{STEPS}  6 members.*\noption set", re.MULTILINE)


def training_frame(term: Terminal) -> re.Match[str] | None:
    ended = not term.child.isalive()
    term.pump()
    found = LIVE_FRAME.search(term.text())
    if found and int(found[1]) < STEPS:
        return found
    assert not ended, f"the sweep ended without a live table:\n{term.text()}"
    return None


def test_the_live_table_in_a_real_terminal(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "toygan_tui", "sweep", "--seeds", "1-3", "--loss", "minimax,ns"]
    argv += ["--steps", str(STEPS), "--report-every", "50", "--runs-dir", "runs"]
    argv += ["--device", "cpu"]
    env = toygan_env({**os.environ, "TERM": "xterm-256color", "NO_COLOR": "1"})
    env.update(COLUMNS=str(COLS), LINES=str(ROWS))
    term = Terminal(argv, cols=COLS, rows=ROWS, env=env, cwd=tmp_path)
    try:
        wait_for(lambda: training_frame(term), 120, "the live table while the sweep trains")
        live = term.text()
        assert re.search(r"^loss minimax .* [●○]{3} *$", live, re.MULTILINE), live
        assert term.exit_status(timeout=120) == 0, term.text()
    finally:
        term.close()
    screen = term.text()
    rows = [line.rstrip() for line in term.screen.display]
    # The table once, whole: a heading and one row per option set, each ending in its strip
    # of three seeds (a wrapped row would have pushed its strip onto a line of its own).
    heading = next(i for i, line in enumerate(rows) if line.startswith("option set"))
    assert rows[heading - 1].startswith(f"sweep-1  step {STEPS}/{STEPS}  6 members"), screen
    assert re.fullmatch(r"loss minimax .* [●○]{3}", rows[heading + 1]), screen
    assert re.fullmatch(r"loss ns .* [●○]{3}", rows[heading + 2]), screen
    assert f"sweep sweep-1 done at step {STEPS}/{STEPS}: 6 members" in screen
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
