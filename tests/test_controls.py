"""train's keys, without a terminal: scripted key presses on a fake clock.

What the real pseudo-terminal proves end to end (tests/test_pty_keys.py) is pinned here
exactly: how long a cap holds a report, that a pause holds until space, that `s` lets one
report through, the ladder's order, and --speed's validation.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from clikit import toygan
from snapshots import make_snapshot

from toygan_tui.core.errors import UsageError
from toygan_tui.core.runfiles.status import StatusWriter, snapshot_from_status
from toygan_tui.ui.terminal.controls import LADDER, Controls, check_speed, step_speed
from toygan_tui.ui.terminal.signals import StopRequest


class FakeKeys:
    """Keys typed at given times of a fake clock; waiting moves the clock on."""

    def __init__(self, typed: dict[float, str] | None = None) -> None:
        self.now = 0.0
        self.typed = sorted((typed or {}).items())

    def clock(self) -> float:
        return self.now

    def wait(self, timeout: float) -> str:
        if self.typed and self.typed[0][0] <= self.now + timeout:
            at, keys = self.typed.pop(0)
            self.now = max(self.now, at)
            return keys
        self.now += timeout
        return ""


def controls(keys: FakeKeys, cap: float | None = None, stop: StopRequest | None = None):
    return Controls(keys, stop or StopRequest(), lambda: None, cap, clock=keys.clock)  # type: ignore[arg-type]


def hold(c: Controls, step: int) -> None:
    c.hold(make_snapshot(step=step), lambda force: None)


def test_full_speed_never_waits() -> None:
    keys = FakeKeys()
    c = controls(keys)
    for step in range(50, 1050, 50):
        hold(c, step)
    assert keys.now == 0.0


def test_a_cap_holds_each_report_until_its_time() -> None:
    keys = FakeKeys()
    c = controls(keys, cap=100)
    hold(c, 50)  # the first report starts the count
    assert keys.now == pytest.approx(0.0)
    hold(c, 100)  # 50 more steps at 100 steps/s: half a second
    assert keys.now == pytest.approx(0.5)
    hold(c, 300)
    assert keys.now == pytest.approx(2.5)


def test_the_first_report_interval_is_paced_from_the_start_of_training() -> None:
    # --speed 10 --report-every 1000: the one report of the first interval waits its 100 s.
    keys = FakeKeys()
    c = controls(keys, cap=10)
    c.begin(0)
    hold(c, 1000)
    assert keys.now == pytest.approx(100.0)
    resumed = controls(FakeKeys(), cap=100)  # a resumed run counts from the step it resumes at
    resumed.begin(5000)
    hold(resumed, 5050)
    assert resumed.clock() == pytest.approx(0.5)


def test_pause_holds_until_space_and_s_lets_exactly_one_report_through() -> None:
    keys = FakeKeys({1.0: " ", 5.0: "s", 9.0: " "})
    c = controls(keys)
    hold(c, 50)  # full speed: back at once
    keys.now = 1.0
    hold(c, 100)  # space at t=1: held until the `s` at t=5
    assert (keys.now, c.paused) == (5.0, True)
    hold(c, 150)  # still paused after the step: held until space at t=9
    assert (keys.now, c.paused) == (9.0, False)


def test_q_asks_to_stop_as_ctrl_c_does_and_says_it_was_q() -> None:
    stop = StopRequest()
    keys = FakeKeys({0.0: "q"})
    hold(controls(keys, stop=stop), 50)
    assert stop() and stop.exit_code == 130 and stop.name == "q"
    assert stop.signum == signal.SIGINT


def test_a_hang_up_while_paused_lets_the_run_go_on() -> None:
    stop = StopRequest()
    keys = FakeKeys({0.0: " "})
    c = controls(keys, stop=stop)
    stop.hung_up = True
    hold(c, 50)
    assert not c.paused and c.keys is None


def test_the_ladder_goes_down_and_up_and_stops_at_its_ends() -> None:
    down, cap = [], None
    for _ in range(len(LADDER)):
        cap = step_speed(cap, faster=False)
        down.append(cap)
    assert down == [1000, 300, 100, 30, 10, 10]
    assert step_speed(1000, faster=True) is None and step_speed(None, faster=True) is None
    assert step_speed(500, faster=True) == 1000 and step_speed(500, faster=False) == 300
    assert step_speed(5, faster=True) == 10


def test_plus_and_minus_change_the_cap_shown_in_the_header() -> None:
    keys = FakeKeys({0.0: "--+"})
    c = controls(keys)
    hold(c, 50)
    assert c.cap == 1000
    frame = c._dressed(make_snapshot(step=50, steps_per_s=5000.0))
    assert frame is not None and frame.extra["speed"] == "≤1000 steps/s"
    assert frame.steps_per_s == 1000  # the ETA follows the cap, not the engine's speed


def test_pausing_is_written_to_status_json_and_a_step_keeps_it_paused(tmp_path: Path) -> None:
    writer = StatusWriter(tmp_path, "r", 1000, 0, "cpu")
    keys = FakeKeys({0.0: " ", 1.0: "s", 2.0: " "})
    c = Controls(keys, StopRequest(), lambda: writer, clock=keys.clock)  # type: ignore[arg-type]
    hold(c, 50)  # paused at once, then `s`
    assert status_of(tmp_path) == ("paused", 0)
    writer.report(make_snapshot(step=100))  # the report `s` let through
    assert status_of(tmp_path) == ("paused", 100)
    hold(c, 100)  # space: going again
    assert status_of(tmp_path) == ("running", 100)


def test_the_cap_goes_to_status_json_and_readers_take_it_as_the_speed(tmp_path: Path) -> None:
    writer = StatusWriter(tmp_path, "r", 10_000, 0, "cpu")
    keys = FakeKeys({0.0: "+"})
    c = Controls(keys, StopRequest(), lambda: writer, cap=100, clock=keys.clock)  # type: ignore[arg-type]
    writer.report(make_snapshot(step=50, total=10_000, steps_per_s=12_000.0))
    c.begin(0)
    hold(c, 50)  # the cap is written at the report, then `+` raises it
    data = json.loads((tmp_path / "status.json").read_text())
    assert data["speed_cap"] == 300 and data["steps_per_s"] == 12_000  # the engine's, kept
    snap = snapshot_from_status(data)
    assert snap is not None and snap.steps_per_s == 300
    assert snap.eta == pytest.approx((10_000 - 50) / 300)


def status_of(run_dir: Path) -> tuple[str, int]:
    data = json.loads((run_dir / "status.json").read_text())
    return data["state"], data["step"]


@pytest.mark.parametrize("bad", [0.0, -5.0, float("nan"), float("inf")])
def test_a_bad_speed_is_refused(bad: float) -> None:
    with pytest.raises(UsageError, match="--speed must be a positive number"):
        check_speed(bad)


@pytest.mark.parametrize("value", ["0", "-1", "nan", "fast"])
def test_a_bad_speed_is_one_line_and_exit_2(value: str, tmp_path: Path) -> None:
    result = toygan("train", "--speed", value, "--runs-dir", tmp_path)
    assert result.code == 2
    assert len(result.err.strip().splitlines()) == 1 and "--speed" in result.err
    assert not list(tmp_path.iterdir())  # refused before any run directory exists


@pytest.mark.slow
def test_plain_lines_and_status_json_show_the_capped_speed(tmp_path: Path) -> None:
    args = ("--steps", 40, "--report-every", 20, "--speed", 20, "--no-live", "--name", "slow")
    result = toygan("train", *args, "--runs-dir", tmp_path)
    assert result.code == 0, result.err
    reports = [line for line in result.out.splitlines() if line.startswith("step ")]
    assert len(reports) == 2 and all("  20.0 steps/s" in line for line in reports), reports
    assert json.loads((tmp_path / "slow" / "status.json").read_text())["speed_cap"] == 20


def test_only_a_run_at_full_speed_may_train_ahead_of_the_report_shown() -> None:
    keys = FakeKeys({1.0: " ", 5.0: " "})
    c = controls(keys)
    assert c.full_speed()
    keys.now = 1.0
    hold(c, 50)  # paused at t=1, going again at t=5
    assert c.full_speed()
    c.paused = True
    assert not c.full_speed()  # paused: the screen shows the step the training stands at
    assert not controls(FakeKeys(), cap=100).full_speed()  # capped: the same
