"""Keys in `toygan train`'s live dashboard, in a real pseudo-terminal: pause really stops the
training (the step stands still on screen and in status.json for seconds), `s` advances one
report, + and - move the speed cap shown in the header, `q` stops with a checkpoint and 130."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pytest
from clikit import toygan
from watchkit import Terminal, wait_for

from toygan_tui.core.training.checkpoint import read_checkpoint

pytestmark = pytest.mark.slow  # every test: the keys in a pseudo-terminal

REPORT = 50
STEP = re.compile(r"step ([\d,]+)/1,000,000")


def screen_step(term: Terminal) -> int | None:
    term.settle()
    found = STEP.search(term.text())
    return int(found.group(1).replace(",", "")) if found else None


def status(run: Path) -> dict:
    return json.loads((run / "status.json").read_text())


def header(term: Terminal) -> str:
    term.settle()
    return term.screen.display[0]


def test_pause_step_speed_and_quit(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "keys"
    argv = [sys.executable, "-m", "toygan_tui", "train", "--steps", "1000000", "--live"]
    argv += ["--runs-dir", str(tmp_path / "runs"), "--name", "keys", "--speed", "300"]
    argv += ["--report-every", str(REPORT)]
    term = Terminal(argv, 100, 30)
    try:
        term.wait_for(r"speed ≤300 steps/s")  # --speed starts there, from the first report on
        assert "speed ≤300 steps/s" in header(term)
        assert "space pause  s step  +/- speed  q quit" in term.text()  # the key bar
        # space: the training stops, and says so on screen and in status.json.
        term.child.send(" ")
        term.wait_for(r"status PAUSED")
        wait_for(lambda: status(run)["state"] == "paused", 30, "status.json to say paused")
        held = status(run)["step"]
        for _ in range(6):  # three seconds: at 300 steps/s a running run would move 900 steps
            time.sleep(0.5)
            assert status(run)["step"] == held
            assert screen_step(term) == held
        listed = json.loads(toygan("runs", "--runs-dir", tmp_path / "runs", "--format", "json").out)
        assert listed[0]["status"] == "paused"
        # s: exactly one report further, then paused again.
        term.child.send("s")
        wait_for(lambda: status(run)["step"] == held + REPORT, 30, "one report more")
        wait_for(lambda: screen_step(term) == held + REPORT, 30, "the screen to show it")
        time.sleep(1.0)
        assert status(run)["step"] == held + REPORT and status(run)["state"] == "paused"
        # + and - move along the ladder, shown in the header.
        for key, shown in (("+", "speed ≤1000 steps/s"), ("+", "speed max"), ("-", "≤1000")):
            term.child.send(key)
            wait_for(lambda shown=shown: shown in header(term), 30, repr(shown))
        # q: stops as Ctrl-C does: a checkpoint at the step shown, the resume line, 130.
        term.child.send("q")
        code = term.exit_status(60)
    finally:
        term.close()
    assert code == 130
    output = term.output.decode("utf-8", "replace")
    assert f"stopped by q at step {held + REPORT}/1000000" in output
    assert f"resume with: toygan train --resume {run}" in output
    assert read_checkpoint(run / "ckpt.pt")["step"] == held + REPORT
    assert status(run)["state"] == "interrupted"


def test_the_key_bar_leaves_with_the_end_of_the_run(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "toygan_tui", "train", "--steps", "600", "--live"]
    argv += ["--runs-dir", str(tmp_path / "runs"), "--speed", "300", "--report-every", "50"]
    term = Terminal(argv, 100, 30)
    try:
        term.wait_for(r"q quit")  # while it trains (about 2 s at 300 steps/s)
        assert term.exit_status(60) == 0
    finally:
        term.close()
    assert "step 600/600" in term.text()  # the final frame stays on screen
    assert "q quit" not in term.text()  # without the bar: the keys do nothing any more
