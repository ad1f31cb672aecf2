"""`toygan runs`: every run, newest first: status, progress, quality; JSON for scripts."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest
from watchkit import cli, dead_pid, edit_status, make_run

from toygan_tui.core.runfiles.status import STATUS_FILE


@pytest.fixture
def runs_dir(tmp_path: Path) -> Path:
    """Four runs, oldest first: finished, interrupted (process gone), diverged, running."""
    runs = tmp_path / "runs"
    finished = make_run(runs, "r-finished", [500, 1000], total=1000, end="finished", d_real=0.501)
    killed = make_run(runs, "r-killed", [100, 200], total=1000)
    edit_status(killed, pid=dead_pid())
    diverged = make_run(runs, "r-diverged", [100], total=1000, end="diverged", d_loss=math.nan)
    quality = {"in_bounds": 0.9, "a_w1": 0.0421, "shape_rmse": 0.03, "coverage": 0.9}
    running = make_run(runs, "r-running", [50], total=1000, quality=quality)
    # A minute apart, newest first, set outright rather than left to the clock between makes.
    now = time.time()
    for age, run in enumerate((running, diverged, killed, finished)):
        edit_status(run, started=now - 60 * age)
    return runs


def test_the_table_lists_runs_newest_first_with_their_status(
    runs_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "150")
    code, out, err = cli(["runs", "--runs-dir", str(runs_dir)], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    for name in ALL_COLUMNS:
        assert name in lines[0]
    assert "D(real) " in lines[1] and "in_bounds " in lines[1]  # each value says what it is
    rows = [line.split() for line in lines[1:]]
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("r-running", "running", "50/1000"),
        ("r-diverged", "diverged", "100/1000"),
        ("r-killed", "interrupted", "200/1000"),
        ("r-finished", "finished", "1000/1000"),
    ]
    assert "0.042" in lines[1] and "0.501" in lines[4]
    # The diagnosis of each run's latest reports: two reports are too early to tell; a run
    # whose loss is not finite has diverged.
    assert [r[5] for r in rows] == ["learning", "diverged", "learning", "learning"]
    assert all(r[-1] == "cpu" for r in rows)


def test_a_narrow_terminal_drops_columns_rather_than_wrapping(
    runs_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    code, out, _ = cli(["runs", "--runs-dir", str(runs_dir)], capsys)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 5 and all(len(line) <= 60 for line in lines)
    assert "problem" in lines[0] and "loss" in lines[0] and "device" not in lines[0]
    assert lines[1].split()[:2] == ["r-running", "running"]


def test_columns_drop_in_the_promised_order_each_where_the_table_stops_fitting(
    runs_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def table(width: int) -> list[str]:
        monkeypatch.setenv("COLUMNS", str(width))
        code, out, _ = cli(["runs", "--runs-dir", str(runs_dir)])
        assert code == 0
        return out.splitlines()

    def needs(lines: list[str]) -> int:  # the width this table takes
        return max(len(line.rstrip()) for line in lines)

    everything = table(200)
    assert everything[0].split() == ALL_COLUMNS
    full = needs(everything)
    assert table(full)[0].split() == ALL_COLUMNS  # it fits exactly: nothing dropped
    no_device = table(full - 1)  # one column short: device goes first...
    assert no_device[0].split() == ALL_COLUMNS[:-1]
    narrower = needs(no_device)
    assert table(narrower)[0].split() == ALL_COLUMNS[:-1]
    no_started = table(narrower - 1)  # ...then started
    assert no_started[0].split() == ALL_COLUMNS[:-2]
    for lines, width in ((no_device, full - 1), (no_started, narrower - 1)):
        assert len(lines) == 5 and needs(lines) <= width  # every row whole, none wrapped


ALL_COLUMNS = ["id", "status", "step", "problem", "loss", "diagnosis", "signals", "quality",
               "started", "device"]  # fmt: skip


def test_json_is_for_scripts(runs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(["runs", "--runs-dir", str(runs_dir), "--format", "json"], capsys)
    assert code == 0
    runs = json.loads(out)
    assert [(r["id"], r["status"], r["step"], r["total"]) for r in runs] == [
        ("r-running", "running", 50, 1000),
        ("r-diverged", "diverged", 100, 1000),
        ("r-killed", "interrupted", 200, 1000),
        ("r-finished", "finished", 1000, 1000),
    ]
    assert runs[1]["d_loss"] is None  # NaN is not JSON: null
    assert runs[3]["d_real"] == pytest.approx(0.501)
    assert runs[0]["started"].startswith(time.strftime("%Y-"))
    assert {"device", "in_bounds", "a_w1", "pid", "host", "path"} <= set(runs[0])
    assert runs[1]["diagnosis"] == {
        "state": "diverged",
        "reason": "d_loss is not finite: lower the learning rates",
    }
    assert runs[0]["diagnosis"]["state"] == "learning"


def test_damaged_files_are_listed_not_fatal(
    runs_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    (runs_dir / "r-finished" / STATUS_FILE).write_text('{"format": "toygan-st')
    with (runs_dir / "r-killed" / "metrics.jsonl").open("a") as handle:
        handle.write('{"step": 300, "d_lo')  # the writer died mid-line
    code, out, _ = cli(["runs", "--runs-dir", str(runs_dir)], capsys)
    assert code == 0
    rows = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert rows["r-finished"][1:3] == ["finished", "1000/1000"]  # from metrics.jsonl instead
    assert rows["r-killed"][1:3] == ["interrupted", "200/1000"]


def test_no_runs_yet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(["runs", "--runs-dir", str(tmp_path / "none")], capsys)
    assert code == 0 and "no runs in" in out and "toygan train" in out
    code, out, _ = cli(["runs", "--runs-dir", str(tmp_path / "none"), "--format", "json"], capsys)
    assert code == 0 and json.loads(out) == []


def test_an_unknown_format_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(["runs", "--runs-dir", str(tmp_path), "--format", "yaml"], capsys)
    assert code == 2 and out == ""
    assert err.startswith("toygan: error: --format must be one of table, json")
    assert len(err.splitlines()) == 1
