"""`toygan plot A B`: runs overlaid, one chart per measure, one colour per run, a legend of ids.

The runs are hand-made (no training): each holds every measure at its own constant level, so
each run draws its own line in every chart, and run b lasts twice as long as run a.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyte
import pytest
from snapshots import braille_cells
from watchkit import Terminal, cli, make_run

COLORS = ("brightcyan", "brightmagenta")  # how pyte names the first two runs' colours
TITLES = ("D loss", "G loss", "D(real)", "D(fake)", "in_bounds", "a_w1")  # the default measures
LEVELS = {
    "a": {"d_loss": 1.2, "g_loss": -0.4, "d_real": 0.3, "d_fake": 0.2,
          "quality": {"in_bounds": 0.2, "a_w1": 0.6, "shape_rmse": 0.3, "coverage": 0.3}},
    "b": {"d_loss": 1.6, "g_loss": -0.9, "d_real": 0.7, "d_fake": 0.8,
          "quality": {"in_bounds": 0.9, "a_w1": 0.05, "shape_rmse": 0.02, "coverage": 1.0}},
}  # fmt: skip


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    runs = tmp_path / "runs"
    make_run(runs, "a", list(range(50, 501, 50)), total=500, end="finished", **LEVELS["a"])
    make_run(runs, "b", list(range(50, 1001, 50)), total=1000, end="finished", **LEVELS["b"])
    return runs


def charts(screen: pyte.Screen) -> dict[str, list[int]]:
    """The screen rows of each chart, by the title starting its legend line."""
    found: dict[str, list[int]] = {}
    current: list[int] = []
    for y, line in enumerate(screen.display):
        title = next((t for t in TITLES if line.startswith(f"{t} ")), None)
        if title is not None:
            current = found.setdefault(title, [])
        current.append(y)
    return found


def drawn_columns(screen: pyte.Screen, rows: list[int], colour: str) -> list[int]:
    """The columns of the braille cells (drawn dots) shown in `colour` on these rows."""
    return [
        x
        for y in rows
        for x, cell in screen.buffer[y].items()
        if cell.fg == colour and 0x2800 < ord(cell.data) <= 0x28FF
    ]


def assert_each_chart_overlays_both_runs(screen: pyte.Screen) -> None:
    found = charts(screen)
    assert list(found) == list(TITLES), screen.display
    for title, rows in found.items():
        legend = screen.display[rows[0]]
        assert "━ a " in legend and " b " in legend, legend
        a_cols, b_cols = (drawn_columns(screen, rows, colour) for colour in COLORS)
        assert a_cols and b_cols, title
        # One step axis: run a (500 steps) ends near the middle, run b (1000) at the right.
        assert max(a_cols) < 0.6 * max(b_cols), (title, max(a_cols), max(b_cols))


def test_two_runs_are_overlaid_one_chart_per_measure_one_colour_each(
    runs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.delenv("NO_COLOR", raising=False)
    code, out, err = cli(["plot", "a", "b", "--runs-dir", str(runs)])
    assert code == 0, err
    screen = pyte.Screen(100, 100)
    pyte.Stream(screen).feed(out.replace("\n", "\r\n"))
    assert screen.display[0].startswith("2 runs: a (10 reports), b (20 reports)")
    assert_each_chart_overlays_both_runs(screen)
    legend = screen.display[charts(screen)["D(real)"][0]]
    assert "a 0.300" in legend and "b 0.700" in legend and "0.5" in legend  # last values, ref


@pytest.mark.slow
def test_the_overlay_in_a_real_terminal(runs: Path) -> None:
    argv = [sys.executable, "-m", "toygan_tui", "plot", "a", "b", "--runs-dir", str(runs)]
    term = Terminal(argv, cols=100, rows=100)
    try:
        assert term.exit_status() == 0
    finally:
        term.close()
    assert_each_chart_overlays_both_runs(term.screen)


def test_without_colour_the_second_run_is_dashed_and_metric_still_filters(runs: Path) -> None:
    code, out, _ = cli(["plot", str(runs / "a"), "b", "--runs-dir", str(runs), "--metric", "a_w1"])
    assert code == 0 and "\x1b[" not in out
    lines = out.splitlines()
    assert lines[1].startswith("a_w1 (lower is better)  ━ a 0.600  ╌ b 0.050")
    assert not any(line.startswith(t) for t in TITLES[:-1] for line in lines)  # a_w1 only
    a_line, b_line = (drawn(line) for line in lines if braille_cells(line))  # 0.6 over 0.05
    assert " " not in a_line and len(a_line) > 30  # solid, over half the steps
    assert a_line[0] != " " and b_line.count(" ") > 10  # dashed, over all of them
    assert len(b_line) > 1.8 * len(a_line)


def test_without_colour_a_dashed_run_on_a_reference_line_still_shows(tmp_path: Path) -> None:
    """Run "on" sits at D(real) = 0.5, on the reference line; in the same axes "off" sits with
    "low" at 0.3 and the 0.5 row holds the reference alone. Were the reference dashed like the
    second run, the two charts would be the same: the run would vanish into the line."""
    for run_id, level in (("low", 0.3), ("on", 0.5), ("off", 0.3)):
        make_run(tmp_path, run_id, [100, 1000], total=1000, end="finished", d_real=level)

    def chart(*run_ids: str) -> tuple[str, list[str]]:
        argv = ["plot", *run_ids, "--runs-dir", str(tmp_path), "--metric", "d_real"]
        code, out, err = cli(argv)
        assert code == 0 and "\x1b[" not in out, err
        return out.splitlines()[1], [line for line in out.splitlines() if braille_cells(line)]

    legend, on_the_line = chart("low", "on")
    assert legend.startswith("D(real)  ┈ 0.5  ━ low 0.300  ╌ on 0.500"), legend
    _, off_the_line = chart("low", "off")
    assert len(on_the_line) == len(off_the_line) == 2  # the rows of 0.5 and 0.3
    assert on_the_line[1] == off_the_line[1]  # 0.3: "low", solid, covers the dashed "off"
    alone, covered = braille_cells(off_the_line[0]), braille_cells(on_the_line[0])
    assert covered > 1.5 * alone, (off_the_line[0], on_the_line[0])


def drawn(line: str) -> str:
    """The stretch of a line from its first to its last braille cell."""
    cells = [i for i, ch in enumerate(line) if 0x2800 < ord(ch) <= 0x28FF]
    return line[cells[0] : cells[-1] + 1]


def test_runs_with_the_same_id_are_named_by_their_directories(tmp_path: Path) -> None:
    for where in ("one", "two"):
        make_run(tmp_path / where, "a", [50, 100], total=100, end="finished")
    code, out, _ = cli(["plot", str(tmp_path / "one" / "a"), str(tmp_path / "two" / "a")])
    assert code == 0
    words = " ".join(out.split())  # long names wrap
    one, two = tmp_path / "one" / "a", tmp_path / "two" / "a"
    assert f"2 runs: {one} (2 reports), {two} (2 reports)" in words
    assert f"━ {one} 1.365 ╌ {two} 1.365" in words  # the D loss legend, wrapped, whole


def test_one_run_keeps_its_panels(runs: Path) -> None:
    code, out, _ = cli(["plot", "b", "--runs-dir", str(runs)])
    assert code == 0
    lines = out.splitlines()
    assert lines[0].endswith("/b  (20 reports)") and lines[1].startswith("losses"), lines[:2]
    titles = [line for line in out.splitlines() if "  ━ " in line]
    assert [t.split("  ")[0] for t in titles] == [
        "losses", "D(real) / D(fake)", "in_bounds (higher is better)", "a_w1 (lower is better)"
    ]  # fmt: skip
    assert "━ d_loss  ━ g_loss" in titles[0]  # related measures share one chart
    assert braille_cells(out) > 4 * 75  # each chart draws its lines across the steps


@pytest.mark.parametrize("width", [40, 80, 400])
def test_a_long_run_path_is_shortened_in_the_middle_never_wrapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    """The title names the run by its path; one longer than the terminal (a run deep in a
    temporary directory) loses its middle, keeping its start, the run id and the count."""
    runs = tmp_path / ("a-long-directory-name-" * 6) / "runs"
    run = make_run(runs, "the-run-id", [50, 100, 150], total=150, end="finished")
    monkeypatch.setenv("COLUMNS", str(width))
    code, out, err = cli(["plot", str(run)])
    assert code == 0, err
    title, below = out.splitlines()[:2]
    assert below.startswith("losses"), out  # the title took one line
    assert len(title) <= width
    assert title.endswith("the-run-id  (3 reports)")
    if len(str(run)) + len("  (3 reports)") <= width:
        assert title == f"{run}  (3 reports)"  # room enough: the whole path
    else:
        start = title.split("…")[0]
        assert "…" in title and start and str(run).startswith(start), title


def test_a_path_elided_in_the_middle_keeps_both_ends() -> None:
    from toygan_tui.ui.plots import elide_middle

    assert elide_middle("/tmp/abc/run", 20) == "/tmp/abc/run"
    assert elide_middle("/tmp/abcdefghij/run-1", 10) == "/tm…/run-1"
    assert [len(elide_middle("x" * 50, w)) for w in (0, 1, 2, 49, 50)] == [0, 1, 2, 49, 50]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["a", "nope"], "nope: no such run in "),
        (["a", "b", "a"], "the same run is given twice"),
        (["a"] * 7, "plot compares at most 6 runs, got 7"),
        (["a", "b", "--metric", "speed"], "'speed' is not a metric"),
    ],
    ids=["missing", "twice", "too-many", "metric"],
)
def test_bad_runs_are_one_line_and_exit_2(runs: Path, args: list[str], message: str) -> None:
    code, out, err = cli(["plot", *args, "--runs-dir", str(runs)])
    assert code == 2 and out == ""
    assert err.startswith("toygan: error: ") and message in err
    assert err.count("\n") == 1
