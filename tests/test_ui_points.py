"""The 2-D view: G's points bright and real points dim over D's heatmap, at every size, with
and without colour, never wrapping."""

from __future__ import annotations

import io

import numpy as np
import pytest
from rich.cells import cell_len
from rich.color import Color
from rich.console import Console
from rich.segment import Segment
from rich.text import Text

from toygan_tui.ui import scatter as view
from toygan_tui.ui.scatter import PointsChart

BOX = ((-3.0, 3.0), (-3.0, 3.0))
REAL = np.array([[2.0, 0.0], [0.0, 2.0], [-2.0, 0.0], [0.0, -2.0]]).repeat(50, axis=0)
FAKE = np.array([[2.0, 0.0]]).repeat(40, axis=0) + 0.05 * np.random.RandomState(0).randn(40, 2)


def split_heat(n: int = 30) -> np.ndarray:
    """D says "real" (1) on the right half of the box, "fake" (0) on the left."""
    heat = np.zeros((n, n))
    heat[:, n // 2 :] = 1.0
    return heat


CHART = PointsChart(REAL, FAKE, BOX, split_heat(), title="ring")
SIZES = [(200, 50), (120, 40), (80, 24), (60, 20), (40, 12), (20, 6), (12, 4), (5, 2), (3, 1)]


def text_of(line: list[Segment]) -> str:
    return "".join(s.text for s in line)


@pytest.mark.parametrize("color", [True, False])
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_line_is_exactly_the_width_and_never_more_than_the_height(
    width: int, height: int, color: bool
) -> None:
    lines = CHART.render_lines(width, height, color)
    assert 1 <= len(lines) <= height
    assert all(cell_len(text_of(line)) == width for line in lines)


@pytest.mark.parametrize("color_system", ["truecolor", "256", "standard", None])
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_printed_on_a_console_it_never_wraps(
    width: int, height: int, color_system: str | None
) -> None:
    console = Console(
        file=io.StringIO(), width=width, height=height, force_terminal=True,
        color_system=color_system,  # type: ignore[arg-type]
    )  # fmt: skip
    console.print(CHART)
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    assert len(lines) <= height
    assert all(cell_len(Text.from_ansi(line).plain) <= width for line in lines)


def test_parts_drop_in_order_axes_then_canvas() -> None:
    big = [text_of(line) for line in CHART.render_lines(80, 24, True)]
    assert any("┌" in line for line in big) and any(ch in "".join(big) for ch in "⡀⢀⣀⠄⠂")
    small = [text_of(line) for line in CHART.render_lines(12, 4, True)]
    assert not any("┌" in line or "┤" in line for line in small)  # no axes
    assert any(0x2800 < ord(ch) <= 0x28FF for line in small for ch in line)  # still points
    assert [text_of(line) for line in CHART.render_lines(3, 1, True)] == ["(to"]


def _segments_with(lines: list[list[Segment]], predicate) -> list[Segment]:  # type: ignore[no-untyped-def]
    return [s for line in lines for s in line if predicate(s)]


def test_gs_points_are_bright_and_real_ones_dim_over_ds_heatmap() -> None:
    lines = CHART.render_lines(80, 24, True)
    braille = _segments_with(lines, lambda s: any(0x2800 < ord(c) <= 0x28FF for c in s.text))
    colours = {s.style.color.name for s in braille if s.style and s.style.color}
    assert colours == {view.FAKE_COLOR, view.REAL_COLOR}
    # The fakes sit at (2, 0): right of centre, where D says "real" (the green end).
    fakes = [s for s in braille if s.style.color.name == view.FAKE_COLOR]
    assert {s.style.bgcolor for s in fakes} == {Color.from_rgb(*view.HEAT_REAL)}
    # The real point at (-2, 0) sits where D says "fake".
    backgrounds = {s.style.bgcolor for s in _segments_with(lines, lambda s: bool(s.style))}
    assert Color.from_rgb(*view.HEAT_FAKE) in backgrounds


def test_without_colour_there_is_no_heatmap_and_real_points_are_dots() -> None:
    lines = CHART.render_lines(80, 24, False)
    canvas = "".join(text_of(line) for line in lines)
    assert view.PLAIN_REAL in canvas  # real points
    assert any(0x2800 < ord(c) <= 0x28FF for c in canvas)  # G's points
    styled = _segments_with(lines, lambda s: s.style is not None and bool(s.style.bgcolor))
    assert styled == []
    assert (
        "· real points" in CHART.legend(False).plain and "D says" not in CHART.legend(False).plain
    )


def test_no_color_console_prints_no_colour_codes() -> None:
    console = Console(file=io.StringIO(), width=80, height=24, force_terminal=True, no_color=True)
    console.print(CHART)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[48" not in out and "\x1b[38" not in out and "\x1b[9" not in out
    assert view.PLAIN_REAL in out


def test_a_point_lands_where_its_coordinates_say() -> None:
    """One G point at the box's centre: the middle of the canvas; one real point in the
    bottom-left corner: the bottom-left cell (no axes at this size, so the canvas is all)."""
    chart = PointsChart(np.array([[-2.99, -2.99]]), np.array([[0.0, 0.0]]), BOX)
    rows = [text_of(line) for line in chart.render_lines(12, 6, False)]
    # 12 × 6 cells = 24 × 24 dots: square already, so the box is not widened.
    assert rows[-1][0] == view.PLAIN_REAL
    centre = [(r, c) for r, row in enumerate(rows) for c, ch in enumerate(row) if ch not in " ·"]
    assert centre == [(2, 6)]  # the dot just up-right of the centre: row 2 (of 0-5), col 6


def test_a_circle_stays_round_the_box_widens_to_the_canvas() -> None:
    axes = view._square_axes(BOX, rows=10, cols=40)  # 80 × 40 dots: twice as wide
    assert axes.ylim == BOX[1] and axes.xlim == (-6.0, 6.0)


def test_off_box_and_non_finite_points_are_not_drawn() -> None:
    chart = PointsChart(np.empty((0, 2)), np.array([[np.nan, 1.0], [50.0, 0.0], [np.inf, 0]]), BOX)
    rows = [text_of(line) for line in chart.render_lines(12, 6, True)]
    assert all(ch == " " for row in rows for ch in row)
