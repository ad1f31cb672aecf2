"""The CLI end to end with Typer's CliRunner: train a short run, sample it in every format, plot it.

One run is trained per module (a few hundred steps) and every command is then run against it,
as a user would after `toygan train`.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from clikit import metrics_rows, toygan
from snapshots import braille_cells
from typer.testing import CliRunner

from toygan_tui.cli import app
from toygan_tui.core.problems.curve_data import x_grid
from toygan_tui.core.runfiles.catalog import run_kind

STEPS, REPORT = 300, 50
runner = CliRunner()


def invoke(*args: object) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    runs = tmp_path_factory.mktemp("cli") / "runs"
    output = invoke(
        "train", "--steps", STEPS, "--report-every", REPORT, "--save-every", 100,
        "--runs-dir", runs, "--name", "e2e", "--device", "cpu", "--no-live",
    )  # fmt: skip
    return runs, output


def test_train_prints_one_plain_line_per_report_and_where_the_checkpoint_is(
    trained: tuple[Path, str],
) -> None:
    runs, output = trained
    assert "\x1b" not in output  # not a terminal: no cursor or colour codes
    lines = output.splitlines()
    reports = [line for line in lines if line.startswith("step ")]
    assert [line.split()[1] for line in reports] == [
        f"{step}/{STEPS}" for step in range(REPORT, STEPS + 1, REPORT)
    ]
    for name in ("d_loss", "g_loss", "D(real)", "D(fake)", "in_bounds", "a_w1", "steps/s"):
        assert name in reports[-1]
    # The closing line is one line, however long the paths are.
    assert lines[-1] == (
        f"run e2e done at step {STEPS}/{STEPS}: checkpoint {runs / 'e2e' / 'ckpt.pt'} "
        f"(and {runs / 'last.pt'})"
    )


def test_train_leaves_config_metrics_and_checkpoints(trained: tuple[Path, str]) -> None:
    runs, _ = trained
    config = json.loads((runs / "e2e" / "config.json").read_text())
    assert config["steps"] == STEPS and config["seed"] == 1 and config["batch_size"] == 64
    assert config["lr_g"] == config["lr_d"] == 1e-4 and config["run_id"] == "e2e"
    rows = metrics_rows(runs / "e2e")
    assert [row["step"] for row in rows] == list(range(REPORT, STEPS + 1, REPORT))
    assert all(tuple(row) == run_kind().metric_keys for row in rows)
    assert all(np.isfinite(list(row.values())).all() for row in rows)
    times = [row["time"] for row in rows]
    assert times == sorted(times) and times[0] > 0
    last, ckpt = runs / "last.pt", runs / "e2e" / "ckpt.pt"
    assert last.read_bytes() == ckpt.read_bytes()


def sample(runs: Path, *args: object) -> str:
    return invoke("sample", "--ckpt", runs / "last.pt", *args)


def test_sample_json_is_exactly_the_documented_shape(trained: tuple[Path, str]) -> None:
    runs, _ = trained
    data = json.loads(sample(runs, "--format", "json", "-n", 5, "--seed", 3))
    assert list(data) == ["x", "curves", "metrics", "step", "generator"]
    assert data["generator"] == "G"  # a run without --ema: G itself
    assert data["x"] == pytest.approx(x_grid(15).tolist())
    assert np.shape(data["curves"]) == (5, 15)
    assert data["metrics"] == pytest.approx(by_their_definitions(data["x"], data["curves"]))
    assert list(data["metrics"]) == ["in_bounds", "a_w1", "shape_rmse", "coverage"]
    assert data["step"] == STEPS


def by_their_definitions(x: list[float], curves: list[list[float]]) -> dict[str, float]:
    """The curves' four measures as the README defines them, written here with other numpy
    routines (least squares, a histogram) than toygan's own, so a wrong measure shows."""
    x_, y = np.asarray(x), np.asarray(curves)
    inside = (y >= x_**2 - 1e-6) & (y <= 2 * x_**2 + 1 + 1e-6)
    b = (x_**2 + 1)[:, None]  # the family: y = a·(x² + 1) − 1
    a = np.array([np.linalg.lstsq(b, curve + 1, rcond=None)[0][0] for curve in y])
    uniform = 1 + (np.arange(len(a)) + 0.5) / len(a)  # U(1, 2)'s quantiles
    counts, _ = np.histogram(a, bins=10, range=(1.0, 2.0))
    return {
        "in_bounds": float(inside.all(axis=1).mean()),
        "a_w1": float(np.abs(np.sort(a) - uniform).mean()),
        "shape_rmse": float(np.sqrt(np.mean((y + 1 - a[:, None] * b[:, 0]) ** 2))),
        "coverage": float((counts >= len(a) / 20).mean()),
    }


def test_same_seed_same_curves_other_seed_other_curves(trained: tuple[Path, str]) -> None:
    runs, _ = trained
    first = sample(runs, "--format", "json", "--seed", 7)
    assert sample(runs, "--format", "json", "--seed", 7) == first
    assert sample(runs, "--format", "json", "--seed", 8) != first


def test_csv_npy_and_json_hold_the_same_curves(trained: tuple[Path, str], tmp_path: Path) -> None:
    runs, _ = trained
    curves = np.array(json.loads(sample(runs, "--format", "json", "-n", 6))["curves"])
    rows = list(csv.reader(io.StringIO(sample(runs, "--format", "csv", "-n", 6))))
    assert np.array(rows, dtype=float) == pytest.approx(curves, abs=1e-6)  # one curve per row
    sample(runs, "--format", "npy", "-n", 6, "--out", tmp_path / "s.npy")
    array = np.load(tmp_path / "s.npy")
    assert array.dtype == np.float64 and array.shape == (6, 15)  # as the README promises
    assert np.array_equal(array, curves)  # json keeps every bit of a float64
    sample(runs, "--format", "json", "-n", 6, "--out", tmp_path / "s.json")
    assert json.loads((tmp_path / "s.json").read_text())["curves"] == pytest.approx(curves)


def test_chart_and_table_show_the_curves_and_the_measures(trained: tuple[Path, str]) -> None:
    runs, _ = trained
    chart = sample(runs)
    assert f"8 curves from the generator at step {STEPS}" in chart
    assert braille_cells(chart) > 50  # the bounds and 8 curves are drawn
    for name in ("in_bounds", "a_w1", "shape_rmse", "coverage"):
        assert name in chart
    table = sample(runs, "--format", "table", "-n", 3)
    x_rows = [line for line in table.splitlines() if line.strip()[:1] in "+-"]
    assert len(x_rows) == 15 and all(len(line.split()) == 4 for line in x_rows)


def test_sample_without_ckpt_uses_runs_last_pt(
    trained: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs, _ = trained
    (tmp_path / "runs").mkdir()
    monkeypatch.chdir(tmp_path)  # here runs/ holds last.pt alone: no run to find it by
    missing = toygan("sample", "--format", "json", "--seed", 7)
    assert missing.code == 2 and "runs/last.pt: no such file" in missing.err
    shutil.copy(runs / "e2e" / "ckpt.pt", tmp_path / "runs" / "last.pt")
    from_last = invoke("sample", "--format", "json", "--seed", 7)
    assert from_last == sample(runs, "--format", "json", "--seed", 7)


def charts(text: str) -> dict[str, int]:
    """Braille cells (drawn dots) per chart of `toygan plot`, by the title above each chart."""
    cells: dict[str, int] = {}
    title = ""
    for line in text.splitlines():
        if "━ " in line and not braille_cells(line):  # a legend line starts the next chart
            title = line.split("  ")[0]
            cells[title] = 0
        elif title:
            cells[title] += braille_cells(line)
    return cells


def test_plot_charts_the_newest_run_and_only_the_asked_series(trained: tuple[Path, str]) -> None:
    runs, _ = trained
    every = charts(invoke("plot", "--runs-dir", runs))
    titles = [
        "losses",
        "D(real) / D(fake)",
        "in_bounds (higher is better)",
        "a_w1 (lower is better)",
    ]
    assert list(every) == titles
    # Each chart draws its series across the 6 reports: on 80 columns, 70+ cells a line (the
    # dashed reference lines alone fill half that).
    assert every["losses"] > 2 * 70 and every["D(real) / D(fake)"] > 2 * 70
    assert every["in_bounds (higher is better)"] > 70 and every["a_w1 (lower is better)"] > 70
    only = charts(invoke("plot", runs / "e2e", "--metric", "d_real"))
    assert list(only) == ["D(real) / D(fake)"] and only["D(real) / D(fake)"] > 70
