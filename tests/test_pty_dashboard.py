"""The real thing: `toygan train --live` in a pseudo-terminal, read back through a terminal
emulator (pyte), the way a person sees it: a counter that moves, numbers and curves on screen."""

from __future__ import annotations

import re
import signal
import sys
import time
from pathlib import Path

import pexpect
import pyte
import pytest

TOTAL = 1_000_000  # far more than the test lasts: the fast engine does thousands a second
STEP = re.compile(r"step ([\d,]+)/1,000,000")
STARTUP_S = 60  # torch's import and the first report; generous for a loaded CI machine


class Terminal:
    """A child process on a pty of the given size, and the screen its output paints."""

    def __init__(self, args: list[str], width: int, height: int, cwd: Path) -> None:
        self.screen = pyte.Screen(width, height)
        self.stream = pyte.ByteStream(self.screen)
        env = {"TERM": "xterm-256color", "PATH": "/usr/bin:/bin", "HOME": str(cwd)}
        self.child = pexpect.spawn(
            sys.executable, args, dimensions=(height, width), env=env, cwd=str(cwd)
        )

    def pump(self, seconds: float) -> None:
        """Read the child's output into the screen for about `seconds`."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                self.stream.feed(self.child.read_nonblocking(1 << 16, timeout=0.05))
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                return

    def settle(self, quiet: float = 0.1, most: float = 5.0) -> None:
        """Read until the output pauses: a big frame arrives in several chunks, and a screen
        read between two of them would show a half-drawn frame."""
        end = time.monotonic() + most
        while time.monotonic() < end:
            try:
                self.stream.feed(self.child.read_nonblocking(1 << 16, timeout=quiet))
            except (pexpect.TIMEOUT, pexpect.EOF):
                return

    def step(self) -> int | None:
        found = STEP.search("\n".join(self.screen.display))
        return int(found.group(1).replace(",", "")) if found else None

    def wait_for_step(self, timeout: float) -> int:
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.child.isalive():
            self.settle()
            if self.step():
                return self.step() or 0
        pytest.fail("no step counter on screen:\n" + "\n".join(self.screen.display))

    def stop(self) -> int:
        """Ctrl-C, as a person would; the exit status."""
        if self.child.isalive():
            self.child.kill(signal.SIGINT)
            end = time.monotonic() + 20
            while self.child.isalive() and time.monotonic() < end:
                self.pump(0.2)
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close()
        return self.child.exitstatus if self.child.exitstatus is not None else -1


def assert_dashboard_moves(term: Terminal, width: int, height: int) -> None:
    """The counter advances within half a second, and the frame shows numbers and curves."""
    first = term.wait_for_step(STARTUP_S)
    term.pump(0.5)
    term.settle()
    second = term.step()
    rows = term.screen.display
    screen = "\n".join(rows)
    assert second is not None and second > first, screen  # the counter moves
    assert "toygan run" in rows[0], screen  # the header is on the first row
    assert len(rows) == height and all(len(row) <= width for row in rows)
    assert re.search(r"D\(real\)\s+\d\.\d{3}", screen), screen  # the numbers
    assert re.search(r"in_bounds\s+\d\.\d{3}", screen), screen
    assert "bounds x², 2x²+1" in screen, screen  # the curves chart and its legend
    assert sum(0x2800 < ord(ch) <= 0x28FF for ch in screen) > 100, screen


def test_live_dashboard_in_a_real_terminal_and_after_a_resize(tmp_path: Path) -> None:
    args = ["-m", "toygan_tui", "train", "--steps", str(TOTAL), "--runs-dir", "runs", "--live"]
    term = Terminal(args, 80, 24, tmp_path)
    try:
        assert_dashboard_moves(term, 80, 24)
        # The window grows: the next frames use the new size (history charts appear).
        term.child.setwinsize(50, 200)
        term.screen.resize(50, 200)
        term.pump(0.3)
        term.settle()
        assert_dashboard_moves(term, 200, 50)
        assert any("━ in_bounds" in row for row in term.screen.display)
    finally:
        status = term.stop()
    assert status == 130  # Ctrl-C ends the run the documented way
