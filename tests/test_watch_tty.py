"""`toygan watch` in a real pseudo-terminal: the live dashboard follows a run that a stand-in
trainer writes; `q` and Ctrl-C leave without touching the run; viewers never disturb each other;
a frame is drawn only when something changed."""

from __future__ import annotations

import os
import re
import signal
import sys
from pathlib import Path

import pytest
from watchkit import Terminal, fake_trainer, make_run, wait_for

pytestmark = pytest.mark.slow  # every test: watch in a pseudo-terminal

STEP = r"step ([\d,]+)/1,000,000"


def watch(runs_dir: Path, *args: str, cols: int = 100, rows: int = 30) -> Terminal:
    argv = [sys.executable, "-m", "toygan_tui", "watch", "--runs-dir", str(runs_dir), *args]
    return Terminal(argv, cols, rows)


def step_on(term: Terminal) -> int:
    return int(term.wait_for(STEP)[1].replace(",", ""))


def test_two_viewers_follow_a_run_and_q_leaves_one_without_touching_anything(
    tmp_path: Path,
) -> None:
    with fake_trainer(tmp_path, "r1") as trainer:
        run = tmp_path / "r1"
        # The trainer writes status.json first, its first report's rows and frame after it.
        wait_for(lambda: (run / "frames").exists(), 60, "the trainer's first frame")
        files = sorted(p.name for p in run.iterdir())
        first, second = watch(tmp_path, "r1"), watch(tmp_path, "r1", cols=80, rows=24)
        try:
            for term in (first, second):
                start = step_on(term)
                wait_for(lambda t=term, s=start: step_on(t) > s, 60, "the step to advance")
                screen = term.text()
                assert "run r1" in screen and "status running" in screen
                assert "D(real)" in screen and "in_bounds" in screen
            first.child.send("q")
            assert first.exit_status() == 0
            before = step_on(second)
            wait_for(lambda: step_on(second) > before, 60, "the other viewer to go on")
            second.child.sendintr()  # Ctrl-C
            assert second.exit_status() == 130
        finally:
            first.close()
            second.close()
        assert trainer.poll() is None  # the run goes on
        assert sorted(p.name for p in run.iterdir()) == files  # and the viewers wrote nothing


@pytest.mark.parametrize(("leave", "code"), [("q", 0), ("SIGTERM", 143)])
def test_leaving_restores_the_terminal(tmp_path: Path, leave: str, code: int) -> None:
    with fake_trainer(tmp_path, "r1"):
        script = '"$0" -m toygan_tui watch --runs-dir "$1"; echo "exit=$?"; stty -a'
        term = Terminal(["/bin/sh", "-c", script, sys.executable, str(tmp_path)], 100, 30)
        try:
            step_on(term)
            if leave == "q":
                term.child.send("q")
            else:  # killed from another shell
                children = Path(f"/proc/{term.child.pid}/task/{term.child.pid}/children")
                os.kill(int(children.read_text().split()[0]), signal.SIGTERM)
            term.exit_status()
        finally:
            term.close()
    out = term.output.decode(errors="replace")
    assert f"exit={code}" in out
    settings = out[out.index(f"exit={code}") :]
    # Canonical mode and echo are back on: the shell after the viewer works as before.
    assert re.search(r"(?<!-)\bicanon\b", settings) and re.search(r"(?<!-)\becho\b", settings)


# `toygan watch ARGS` (after EVENTS, a file) that notes in EVENTS each frame it builds ("f")
# and each look at the run's files ("l"): the test counts redraws per look, not per second.
COUNTED = """
import sys
from toygan_tui.cli import main
from toygan_tui.commands import watch
events = open(sys.argv[1], "a", buffering=1)
render, poll = watch.render, watch.RunFollower.poll
def counted_render(*args):
    events.write("f\\n")
    return render(*args)
def counted_poll(self):
    events.write("l\\n")
    return poll(self)
watch.render, watch.RunFollower.poll = counted_render, counted_poll
main(sys.argv[2:])
"""


def test_nothing_is_redrawn_while_nothing_changes(tmp_path: Path) -> None:
    events = tmp_path / "events"
    events.touch()

    def looks() -> int:
        term.pump(0)  # read what it drew meanwhile: a full pty would block the viewer
        return events.read_text().count("l")

    def frames() -> int:
        return events.read_text().count("f")

    with fake_trainer(tmp_path, "r1") as trainer:
        argv = [sys.executable, "-c", COUNTED, str(events), "watch", "--runs-dir", str(tmp_path)]
        term = Terminal(argv, 100, 30)
        try:
            step_on(term)
            os.kill(trainer.pid, signal.SIGSTOP)  # the run pauses: its files stop changing
            try:
                stopped = looks()
                # The look under way may still find the last write; the next one finds nothing.
                wait_for(lambda: looks() >= stopped + 2, 60, "two looks after the pause")
                drawn, since = frames(), looks()
                # 16 more looks at unchanged files: 4 s at the default 4 looks a second, so a
                # redraw on a timer (every 2 s, say) would show here. Not one frame.
                wait_for(lambda: looks() >= since + 16, 60, "16 more looks")
                assert frames() == drawn, f"{frames() - drawn} frames without a change"
            finally:
                os.kill(trainer.pid, signal.SIGCONT)
            wait_for(lambda: frames() > drawn, 60, "redraws to resume")
            assert step_on(term) > 0
        finally:
            term.close()


def test_the_header_keeps_the_status_beside_a_long_engine_name_at_80_columns(
    tmp_path: Path,
) -> None:
    reason = "CUDA graph capture failed: CUDA error: operation not permitted when capturing"
    make_run(tmp_path, "r1", [50], engine=f"fast (eager: {reason})")  # its pid (ours) is alive
    term = watch(tmp_path, "r1", cols=80, rows=24)
    try:
        header = term.wait_for(r"toygan run r1 .*")[0]
        assert "status running" in header and header.rstrip().endswith("engine fast (eager)")
        term.child.send("q")
        assert term.exit_status() == 0
    finally:
        term.close()
