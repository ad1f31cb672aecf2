"""Presenting a stream: plain lines for pipes and logs, a paced live dashboard on terminals."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator

import pyte
import pytest
from rich.console import Console
from snapshots import colour_codes, make_snapshot, make_stream, visible

from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.ui import live, screens
from toygan_tui.ui.dashboard import render


def terminal(width: int = 80, height: int = 24, **args: object) -> Console:
    return Console(file=io.StringIO(), width=width, height=height, force_terminal=True, **args)


def output(console: Console) -> str:
    return console.file.getvalue()  # type: ignore[attr-defined]


class FakeClock:
    """Time that moves only when told: the stream advances it, and so may drawing."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def paced(stream: list[Snapshot], clock: FakeClock, seconds_each: float) -> Iterator[Snapshot]:
    for snap in stream:
        clock.now += seconds_each  # training time between two reports
        yield snap


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(live, "clock", fake)
    return fake


@pytest.fixture
def frames(monkeypatch: pytest.MonkeyPatch) -> list[Snapshot | None]:
    """The snapshot of every frame the dashboard builds."""
    drawn: list[Snapshot | None] = []

    def counting_render(snapshot, history, starting=None):  # type: ignore[no-untyped-def]
        drawn.append(snapshot)
        return render(snapshot, history, starting)

    monkeypatch.setattr(screens, "render", counting_render)  # the dashboard's screen draws it
    return drawn


def test_plain_mode_prints_one_clean_line_per_snapshot() -> None:
    console = terminal()  # even on a terminal: plain means plain
    stream = make_stream(5, total=250)
    last = live.present(stream, console, live=False)
    text = output(console)
    assert last is stream[-1]
    assert "\x1b" not in text
    lines = text.splitlines()
    assert len(lines) == 5
    assert all(line.startswith("step ") and "d_loss 1.365" in line for line in lines)
    assert lines[-1].startswith("step 250/250")


def test_plain_lines_are_not_cut_to_the_console_width() -> None:
    console = terminal(width=40)
    live.present([make_snapshot()], console, live=False)
    assert output(console).rstrip("\n").endswith("884 steps/s")


def test_an_empty_stream_returns_none() -> None:
    assert live.present([], terminal(), live=False) is None
    assert live.present([], terminal(), live=True) is None


def test_live_mode_throttles_redraws(clock: FakeClock, frames: list) -> None:
    stream = make_stream(100, total=5000)
    # 100 reports within one second of training: at 4 frames/s, about 4 of them get drawn.
    last = live.present(paced(stream, clock, 0.01), terminal(), live=True, refresh_per_second=4)
    assert last is stream[-1]
    assert frames[0] is None  # the "starting…" frame comes first
    assert 3 <= len(frames) - 1 <= 7
    assert frames[-1] is stream[-1]  # the final frame is always drawn


def test_live_mode_draws_nothing_new_without_new_data(clock: FakeClock, frames: list) -> None:
    stream = make_stream(5, total=250)
    live.present(paced(stream, clock, 10.0), terminal(), live=True)
    assert frames == [None, *stream]  # slow reports: each drawn once, none twice


def test_slow_frames_are_drawn_less_often(
    clock: FakeClock, frames: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    def costly_render(snapshot, history, starting=None):  # type: ignore[no-untyped-def]
        frames.append(snapshot)
        clock.now += 0.1  # a frame that takes 100 ms to draw...
        return render(snapshot, history, starting)

    monkeypatch.setattr(screens, "render", costly_render)
    stream = make_stream(100, total=5000)
    live.present(paced(stream, clock, 0.1), terminal(), live=True)
    # ...may be drawn at most once per 0.1 s / 3 % = 3.3 s of the ~20 s this stream takes:
    # 6 frames, and 2 to spare for the first and the final one. (3 % is the README's promise.)
    assert len(frames) - 1 <= 8
    assert frames[-1] is stream[-1]


def test_one_slow_frame_does_not_stall_the_screen(
    clock: FakeClock, frames: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    def first_frame_slow(snapshot, history, starting=None):  # type: ignore[no-untyped-def]
        frames.append(snapshot)
        if len(frames) == 2:  # the first real frame: plotext's import, the first axes
            clock.now += 0.2
        return render(snapshot, history, starting)

    monkeypatch.setattr(screens, "render", first_frame_slow)
    live.present(paced(make_stream(40, total=2000), clock, 0.05), terminal(), live=True)
    assert len(frames) - 1 >= 6  # ~2 s of reports at 4 frames/s, not one frame per 6.7 s


def test_live_output_redraws_in_place_and_leaves_the_final_frame(clock: FakeClock) -> None:
    console = terminal(80, 24)
    live.present(paced(make_stream(40, total=2000), clock, 0.1), console, live=True)
    text = output(console)
    assert "\x1b[1A" in text or "\x1b[A" in text  # the cursor goes back up to redraw
    screen = pyte.Screen(80, 24)
    pyte.Stream(screen).feed(text.replace("\n", "\r\n"))  # a tty turns \n into \r\n
    rows = screen.display
    assert "toygan run" in rows[0]  # the frame did not scroll: its header is still on top
    assert any("step 2,000/2,000" in row for row in rows)  # and it is the final frame
    assert any("1.365" in row for row in rows)  # D loss, beside its reference


def test_interrupted_stream_still_shows_its_newest_numbers(clock: FakeClock) -> None:
    def interrupted() -> Iterator[Snapshot]:
        for snap in make_stream(30, total=5000)[:25]:
            clock.now += 0.001  # too fast for the last few to have been drawn
            yield snap
        raise KeyboardInterrupt

    console = terminal()
    with pytest.raises(KeyboardInterrupt):
        live.present(interrupted(), console, live=True)
    assert "step 1,250/5,000" in "\n".join(visible(output(console))[-30:])


def test_no_color_is_honoured_in_live_mode(
    clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    console = terminal()
    live.present(paced(make_stream(3, total=150), clock, 1.0), console, live=True)
    text = output(console)
    assert "step 150/150" in "\n".join(visible(text))
    assert not colour_codes(text)


def test_wants_live_only_on_a_capable_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    assert live.wants_live(terminal())
    assert not live.wants_live(Console(file=io.StringIO()))  # a pipe or a file
    monkeypatch.setenv("TERM", "dumb")
    assert not live.wants_live(terminal())


def test_importing_the_ui_is_cheap_and_makes_no_console() -> None:
    code = (
        "import rich.console, sys, json\n"
        "made = []\n"
        "init = rich.console.Console.__init__\n"
        "def spy(self, *a, **k):\n"
        "    made.append(1)\n"
        "    init(self, *a, **k)\n"
        "rich.console.Console.__init__ = spy\n"
        "import toygan_tui.ui.live, toygan_tui.ui.dashboard, toygan_tui.ui.chart\n"
        "print(json.dumps([len(made), 'plotext' in sys.modules, 'torch' in sys.modules]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    consoles, plotext_loaded, torch_loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert consoles == 0  # a Console made at import time could not be captured by tests
    assert not plotext_loaded  # plotext loads on the first chart drawn, not on import
    assert not torch_loaded
