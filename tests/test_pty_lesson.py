"""Lessons and 中文 in a real pseudo-terminal at 80×24, read back through pyte (which lays wide
characters over two cells, as a terminal does): the panel under the dashboard, a pause at its
moment that holds the run until space, q that stops as in train; the Chinese frame whole."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

from clikit import toygan_env
from watchkit import Terminal

STARTUP_S = 90  # torch's import, the first reports: generous for a loaded CI machine
STEP = re.compile(r"(?:step |第 )([\d,]+)/3,000")


def lesson(tmp_path: Path, *args: str, lang_env: str = "C.UTF-8") -> Terminal:
    argv = [sys.executable, "-m", "toygan_tui", "lesson", "1", "--runs-dir", "runs", *args]
    env = toygan_env({**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"})
    env.update(LANG=lang_env, LC_ALL="", LC_MESSAGES="")
    env.pop("NO_COLOR", None)
    return Terminal(argv, 80, 24, env=env, cwd=tmp_path)


def step_on(term: Terminal) -> int:
    found = STEP.search(term.text())
    assert found, term.text()
    return int(found.group(1).replace(",", ""))


def assert_whole(term: Terminal, header: str, keys: str) -> None:
    """The frame fits: header on the first row, the panel's rule across the screen, the key
    bar on the last but one row (Live leaves the last free). A line too wide would have
    wrapped and pushed the header off the top."""
    rows = term.screen.display
    assert rows[0].startswith(header), term.text()
    assert any(row == "─" * 80 for row in rows), term.text()
    assert rows[-2].startswith(keys), term.text()
    assert rows[-1].strip() == "", term.text()


def test_a_lesson_pauses_at_its_moments_and_goes_on_with_space(tmp_path: Path) -> None:
    term = lesson(tmp_path, "--speed", "2000")
    try:
        term.wait_for(r"space: go on", STARTUP_S)
        term.settle(0.3)
        assert "status PAUSED" in term.text() and "D(real) and D(fake) are D's" in term.text()
        assert_whole(term, "toygan run", "space pause  s step")
        held = step_on(term)
        time.sleep(1.0)  # 2 000 steps a second, were it going
        term.settle(0.3)
        assert step_on(term) == held < 1000
        term.child.send(" ")
        term.wait_for(r"The quality block does", 60)  # the next moment: step 1 000
        term.settle(0.3)
        assert step_on(term) == 1000 and "space: go on" in term.text()
        term.child.send("q")
        status = term.exit_status(60)
    finally:
        term.close()
    assert status == 130  # q stops a lesson as it stops a run
    assert b"resume with: toygan train --resume" in term.output


def test_a_lesson_in_chinese_fits_80_by_24(tmp_path: Path) -> None:
    term = lesson(tmp_path, "--speed", "2000", lang_env="zh_CN.UTF-8")  # LANG says zh
    try:
        term.wait_for(r"空格：继续", STARTUP_S)
        term.settle(0.3)
        screen = term.text()
        assert "第 1 课：读懂信号" in screen and "GAN 信号" in screen and "质量" in screen
        assert "状态 已暂停" in screen and "D(real) 和 D(fake) 是 D" in screen
        assert_whole(term, "toygan 运行", "space 暂停  s 单步  +/- 速度  q 退出")
        term.child.send(" ")
        term.wait_for(r"质量区可以", 60)
        term.settle(0.3)
        assert_whole(term, "toygan 运行", "space 暂停")
        term.child.send("q")
        assert term.exit_status(60) == 130
    finally:
        term.close()
