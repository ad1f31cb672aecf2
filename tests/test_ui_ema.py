"""The EMA generator's measures as people see them: the dashboard's 'ema' column at several
sizes, the plain line, metrics rows and status.json, and a live run in a real terminal."""

from __future__ import annotations

import json
import re
import signal
import sys
from pathlib import Path

import pytest
from clikit import metrics_rows, toygan, toygan_env
from rich.cells import cell_len
from snapshots import draw, make_snapshot, make_stream, visible
from watchkit import Terminal

from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.ui.dashboard import render
from toygan_tui.ui.format import plain_line
from toygan_tui.ui.history import History
from toygan_tui.ui.readouts import ema_readout_width

EMA = {"in_bounds": 0.913, "a_w1": 0.041, "shape_rmse": 0.021, "coverage": 0.9}
SIZES = [(50, 30), (60, 20), (80, 24), (100, 30), (120, 30), (200, 50)]


def frame(width: int, height: int, snap: Snapshot) -> list[str]:
    history = History()
    for report in make_stream(20, total=10_000):
        history.add(report)
    lines = visible(draw(render(snap, history), width, height))
    return lines[:-1] if lines and lines[-1] == "" else lines


def row(lines: list[str], name: str) -> str:
    return next(line for line in lines if re.search(rf"\b{name}\s+\d", line))


@pytest.mark.parametrize("width, height", SIZES)
def test_the_ema_column_sits_beside_gs_values_and_nothing_wraps(width: int, height: int) -> None:
    lines = frame(width, height, make_snapshot(ema_quality=EMA))
    assert len(lines) <= height and all(cell_len(line) <= width for line in lines)
    assert any(re.search(r"quality\s+now\s+ema\b", line) for line in lines), lines
    assert re.search(r"in_bounds\s+0\.678\s+0\.913", row(lines, "in_bounds"))
    assert re.search(r"a_w1\s+0\.132\s+0\.041", row(lines, "a_w1"))


@pytest.mark.parametrize("width, height", [(50, 30), (120, 30), (200, 50)])
def test_the_targets_stay_where_the_numbers_block_has_room(width: int, height: int) -> None:
    lines = frame(width, height, make_snapshot(ema_quality=EMA))
    assert "↑ ~0.9" in row(lines, "in_bounds")


@pytest.mark.parametrize("width, height", [(60, 20), (80, 24), (100, 30)])
def test_narrow_number_blocks_drop_the_targets_not_the_values(width: int, height: int) -> None:
    lines = frame(width, height, make_snapshot(ema_quality=EMA))
    assert "~0.9" not in row(lines, "in_bounds")  # the colours still say good or not
    assert ema_readout_width() > 32  # why: G, ema and the target need more than the block


def test_a_run_without_ema_has_no_ema_column() -> None:
    lines = frame(120, 30, make_snapshot())
    assert not any(re.search(r"quality\s+now\s+ema", line) for line in lines)
    assert "↑ ~0.9" in row(lines, "in_bounds")


def test_the_plain_line_and_metrics_row_carry_the_ema_measures_prefixed() -> None:
    snap = make_snapshot(ema_quality=EMA)
    assert "in_bounds 0.678" in plain_line(snap) and "ema_in_bounds 0.913" in plain_line(snap)
    row = snap.metrics_row()
    assert row["ema_a_w1"] == 0.041 and row["a_w1"] == 0.132
    assert list(row)[-2:] == ["steps_per_s", "time"]
    names = (tuple(snap.stats), tuple(snap.quality))
    back = Snapshot.from_row(row, names, total=10_000, samples=snap.samples, x=snap.x)
    assert back.ema_quality == EMA and back.quality == snap.quality


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two short runs: `e` with --ema 0.9, `plain` without."""
    runs = tmp_path_factory.mktemp("ema") / "runs"
    for name, extra in (("e", ["--ema", 0.9]), ("plain", [])):
        done = toygan("train", "--steps", 60, "--report-every", 30, *extra, "--device", "cpu",
                      "--no-live", "--runs-dir", runs, "--name", name)  # fmt: skip
        assert done.code == 0, done.err
        assert ("ema_in_bounds" in done.out) == bool(extra)
    return runs


def test_a_run_with_ema_writes_both_measures_everywhere(runs: Path) -> None:
    rows = metrics_rows(runs / "e")
    assert all({"in_bounds", "ema_in_bounds", "ema_a_w1", "ema_coverage"} <= set(r) for r in rows)
    assert rows[-1]["ema_a_w1"] != rows[-1]["a_w1"]
    status = json.loads((runs / "e" / "status.json").read_text())
    assert status["metrics"]["ema_in_bounds"] == rows[-1]["ema_in_bounds"]
    config = json.loads((runs / "e" / "config.json").read_text())
    assert (config["ema"], config["recipe"]) == (0.9, "tutorial")
    watched = toygan("watch", runs / "e")  # a finished run, drawn from its files
    assert watched.code == 0, watched.err
    assert f"ema_in_bounds {rows[-1]['ema_in_bounds']:.3f}" in watched.out


@pytest.mark.slow
def test_the_live_dashboard_shows_the_ema_column_in_a_real_terminal(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "toygan_tui", "train", "--steps", "1000000", "--live"]
    argv += ["--runs-dir", "runs", "--ema", "0.99", "--recipe", "tuned"]
    env = toygan_env({"TERM": "xterm-256color", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    term = Terminal(argv, 100, 30, env=env, cwd=tmp_path)
    try:
        term.wait_for(r"in_bounds\s+\d\.\d{3}\s+\d\.\d{3}", 60)  # G's, then the EMA's
        term.settle()
        rows, screen = term.screen.display, term.text()
        assert "toygan run" in rows[0], screen
        assert re.search(r"quality\s+now\s+ema", screen), screen
        assert rows[-4].endswith("┘"), screen  # the curves chart ends in the last column
        term.child.kill(signal.SIGINT)
        status = term.exit_status(60)
    finally:
        term.close()
    assert status == 130


def test_plot_charts_the_emas_measures_beside_gs(runs: Path) -> None:
    result = toygan("plot", runs / "e")
    assert result.code == 0, result.err
    assert re.search(r"in_bounds \(higher is better\)\s+━ in_bounds\s+━ ema_in_bounds", result.out)
    assert re.search(r"a_w1 \(lower is better\)\s+━ a_w1\s+━ ema_a_w1", result.out)
    one = toygan("plot", runs / "e", "--metric", "ema_coverage")
    assert one.code == 0 and "━ ema_coverage" in one.out and "━ in_bounds" not in one.out


def test_plot_of_a_run_without_ema_has_no_ema_series(runs: Path) -> None:
    assert "ema_" not in toygan("plot", runs / "plain").out
    refused = toygan("plot", runs / "plain", "--metric", "ema_a_w1")
    assert refused.code == 2 and "--metric 'ema_a_w1' is not a metric" in refused.err


def test_plot_compares_the_emas_measure_across_runs(runs: Path) -> None:
    result = toygan("plot", runs / "e", runs / "plain", "--metric", "ema_in_bounds")
    assert result.code == 0, result.err
    assert "ema_in_bounds" in result.out and "━ e " in result.out
