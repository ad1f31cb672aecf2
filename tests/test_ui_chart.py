"""The charts: drawn at the size Rich gives them, lines level with their ticks, and no NaN,
infinity or absurd value ever reaching plotext (5.3 has no notion of NaN; 6.x aborts on one)."""

from __future__ import annotations

import math

import numpy as np
import plotext
import pytest
from rich.cells import cell_len
from snapshots import braille_cells, colour_codes, draw, visible

from toygan_tui.ui.braille import rasterize, series
from toygan_tui.ui.chart import (
    curves_chart,
    history_chart,
    nice_ticks,
    snapped_range,
    tick_label,
)

X = np.linspace(-1, 1, 15)


def real_curves(amplitudes: list[float]) -> np.ndarray:
    a = np.asarray(amplitudes)[:, None]
    return a * X**2 + (a - 1)


@pytest.mark.parametrize("width, height", [(30, 8), (47, 21), (133, 46)])
def test_curves_chart_fills_exactly_the_size_given(width: int, height: int) -> None:
    lines = visible(draw(curves_chart(X, real_curves([1.2, 1.8]), height=height), width, 60))
    lines = lines[:-1] if lines[-1] == "" else lines
    assert len(lines) == height
    assert lines[0].startswith("━ G's curves  ━ bounds x²")  # the legend, cut to fit
    assert all(cell_len(line) <= width for line in lines)
    assert any("┌" in line for line in lines) and any("└" in line for line in lines)


def test_curves_chart_draws_bounds_and_each_curve() -> None:
    bounds_only = draw(curves_chart(X, np.empty((0, 15)), height=20), 60, 30)
    with_curves = draw(curves_chart(X, real_curves([1.1, 1.5, 1.9]), height=20), 60, 30)
    assert braille_cells(bounds_only) > 40  # x² and 2x²+1 are drawn even before any curve
    assert braille_cells(with_curves) > braille_cells(bounds_only) + 40


def test_a_flat_line_sits_on_the_row_of_its_tick() -> None:
    # plotext draws the ticks, numpy the lines: the two must agree at every size.
    for height in (8, 13, 21, 46):
        for level in (0, 1, 2, 3):
            chart = curves_chart(X, np.full((1, 15), float(level)), height=height)
            chart.lines = chart.lines[:1]  # the flat curve alone, without the bounds
            lines = visible(draw(chart, 47, 60))
            tick_rows = [i for i, line in enumerate(lines) if f"{level}┤" in line]
            drawn_rows = [i for i, line in enumerate(lines) if braille_cells(line)]
            assert tick_rows and drawn_rows == tick_rows, (height, level)


def test_the_y_range_is_fixed_so_frames_compare() -> None:
    low = visible(draw(curves_chart(X, real_curves([1.0]), height=12), 40, 20))
    high = visible(draw(curves_chart(X, real_curves([2.0]) + 0.4, height=12), 40, 20))
    assert low != high  # other curves...
    assert [blank_dots(line) for line in low] == [blank_dots(line) for line in high]  # ...same axes
    labels = {i: line.split("┤")[0].strip() for i, line in enumerate(low) if "┤" in line}
    assert list(labels.values()) == ["3", "2", "1", "0"]  # -0.5 to 3.5, whatever is drawn


def blank_dots(line: str) -> str:
    """The line with its braille cells (the data) blanked: the axes, ticks and labels remain."""
    return "".join(" " if 0x2800 <= ord(ch) <= 0x28FF else ch for ch in line)


def test_non_finite_and_huge_values_never_reach_plotext(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[float] = []

    def recorder(name: str):
        real = getattr(plotext, name)

        def record(*args: object, **kwargs: object) -> object:
            for arg in args:
                values = arg if isinstance(arg, (list, tuple)) else [arg]
                seen.extend(v for v in values if isinstance(v, (int, float)))
            return real(*args, **kwargs)

        return record

    for name in ("plot", "scatter", "xlim", "ylim", "xticks", "yticks", "plot_size"):
        monkeypatch.setattr(plotext, name, recorder(name))
    curves = real_curves([1.2, 1.5, 1.8])
    curves[0, 3], curves[1, 4], curves[2, 5] = np.nan, np.inf, -1e300
    steps = [0, 50, 100, 150, 200]
    d_real = [0.5, math.nan, math.inf, 1e300, 0.45]
    ansi = draw(curves_chart(X, curves, height=15), 50, 30)
    ansi += draw(history_chart(steps, {"D(real)": d_real}, {"0.5": 0.5}, height=10), 40, 30)
    ansi += draw(history_chart([math.nan, 1.0], {"all bad": [math.inf, math.nan]}), 40, 30)
    assert seen, "plotext was not called at all"
    assert all(math.isfinite(v) and abs(v) < 1e13 for v in seen)
    assert braille_cells(ansi) > 50  # the finite points are still drawn


def test_a_curve_with_a_hole_is_still_drawn() -> None:
    with_hole = real_curves([1.5])
    with_hole[0, 7] = np.nan
    chart = curves_chart(X, with_hole, height=16)
    chart.lines = chart.lines[:1]
    assert braille_cells(draw(chart, 50, 30)) > 30


def test_plotext_state_does_not_leak_between_charts() -> None:
    # plotext keeps one global figure: the second chart must show none of the first's axes.
    big = visible(draw(history_chart([0, 1], {"a": [1000, 3000]}, height=10), 40, 30))
    small = visible(draw(history_chart([0, 1], {"b": [0.2, 0.8]}, height=10), 40, 30))
    assert any(line.startswith("2k┤") for line in big)
    assert not any("k" in line.split("┤")[0] for line in small if "┤" in line)
    assert any(line.startswith("0.8┤") for line in small)


def test_history_chart_prints_standalone_with_legend_and_reference() -> None:
    steps = list(range(0, 10_000, 50))
    chart = history_chart(
        steps, {"D(real)": [0.5 + 0.1 * math.sin(s / 500) for s in steps]}, {"0.5": 0.5}
    )
    legend = visible(draw(chart.legend(), 60, 5))[0]
    assert "D(real)" in legend and "0.5" in legend
    lines = visible(draw(chart, 60, 24))
    assert 8 <= len(lines) <= 24  # height from the console when none is given
    assert any("5k" in line for line in lines)  # step ticks are short and round
    assert braille_cells("\n".join(lines)) > 30


def test_too_small_a_chart_says_so_instead_of_drawing_garbage() -> None:
    lines = visible(draw(curves_chart(X, real_curves([1.5]), height=4), 30, 10))
    assert any("too small" in line for line in lines)
    assert braille_cells("".join(lines)) == 0
    narrow = visible(draw(curves_chart(X, real_curves([1.5]), height=12), 8, 10))
    assert all(cell_len(line) <= 8 for line in narrow)


def test_no_colour_consoles_get_no_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    chart = curves_chart(X, real_curves([1.2, 1.8]), height=15)
    assert colour_codes(draw(chart, 50, 30))  # colour is on by default on a terminal
    assert not colour_codes(draw(chart, 50, 30, no_color=True))
    monkeypatch.setenv("NO_COLOR", "1")
    ansi = draw(chart, 50, 30)
    assert not colour_codes(ansi)
    assert braille_cells(ansi) > 50  # and the bounds are still there (dashed)


def test_nice_ticks_and_labels() -> None:
    assert nice_ticks(0, 10_000, 5) == [0, 2500, 5000, 7500, 10_000]
    assert nice_ticks(0.3, 0.7, 3) == [0.4, 0.6]
    assert nice_ticks(5, 5, 3) == [5, 5]
    assert [tick_label(v) for v in (2500, 10_000, 1_500_000, 0.25, -0.5)] == [
        "2.5k",
        "10k",
        "1.5M",
        "0.25",
        "-0.5",
    ]


def test_snapped_range_holds_the_values_on_round_ends() -> None:
    assert snapped_range(np.array([0.43, 0.58])) == pytest.approx((0.4, 0.6))
    lo, hi = snapped_range(np.array([1e300, -1e300]))
    assert math.isfinite(lo) and math.isfinite(hi) and lo < hi
    assert snapped_range(np.array([2.0, 2.0]))[0] < 2.0 < snapped_range(np.array([2.0]))[1]


def test_braille_dots_follow_the_line_and_dashes_leave_gaps() -> None:
    diagonal = series("", [0, 1], [0, 1], "red")
    codes, owner = rasterize([diagonal], (0, 1), (0, 1), rows=4, cols=8)
    lit_rows = [int(np.flatnonzero(codes[:, c])[0]) for c in range(8) if codes[:, c].any()]
    assert lit_rows == sorted(lit_rows, reverse=True)  # rising left to right (row 0 is the top)
    assert codes[3, 0] and codes[0, 7]  # from the bottom-left cell to the top-right one
    assert set(np.unique(owner)) == {-1, 0}
    flat = series("", [0, 1], [0.5, 0.5], "red")
    dashed = series("", [0, 1], [0.5, 0.5], "red", dashed=True)
    solid_dots = np.unpackbits(rasterize([flat], (0, 1), (0, 1), 4, 40)[0]).sum()
    dashed_dots = np.unpackbits(rasterize([dashed], (0, 1), (0, 1), 4, 40)[0]).sum()
    assert 0.3 * solid_dots < dashed_dots < 0.7 * solid_dots
    dotted = series("", [0, 1], [0.5, 0.5], "red", dotted=True)
    dotted_codes = rasterize([dotted], (0, 1), (0, 1), 4, 40)[0]
    assert 0.15 * solid_dots < np.unpackbits(dotted_codes).sum() < 0.35 * solid_dots
    lit = dotted_codes != 0
    assert lit.any() and not (lit[:, 1:] & lit[:, :-1]).any()  # dots, never two cells in a row


def test_conditional_curves_take_one_colour_and_one_legend_entry_per_class() -> None:
    chart = curves_chart(X, real_curves([1.1, 1.9, 1.2, 1.8]), classes=np.array([0, 1, 0, 1]))
    drawn = chart.lines[:4]
    assert [s.label for s in drawn] == ["class 0", "class 1", "", ""]
    assert drawn[0].color == drawn[2].color != drawn[1].color == drawn[3].color
    assert chart.legend().plain.startswith("━ class 0  ━ class 1  ━ bounds")
    lines = visible(draw(chart, 60, 20))
    assert braille_cells("\n".join(lines)) > 40
