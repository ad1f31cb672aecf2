"""The image view (ui/images.py): half blocks with the top pixel as foreground and the bottom
one as background, truecolor or 256 colours, a grey ramp without colour, and a grid that fits
whatever space it gets (the dashboard at several sizes, nothing wrapped)."""

from __future__ import annotations

import numpy as np
import pytest
from rich.segment import Segment
from snapshots import colour_codes, draw, make_snapshot, visible

from toygan_tui.core.problems.digits_data import digits
from toygan_tui.ui.dashboard import render
from toygan_tui.ui.history import History
from toygan_tui.ui.images import RAMP, ImageGrid, fit, resized

DIGITS = digits()[0][:64]  # 64 real digits, 1 × 16 × 16 in [-1, 1]


def digits_snapshot(**overrides: object) -> object:
    fields = {
        "problem": "digits", "loss": "ns", "samples": DIGITS, "x": np.empty(0),
        "quality": {"confident": 0.812, "classes": 9.0, "fd": 3.456}, "engine": "reference",
        "stats": {"d_loss": 1.111, "g_loss": 2.222, "d_real": 0.601, "d_fake": 0.302},
    }  # fmt: skip
    fields.update(overrides)
    return make_snapshot(**fields)


def text_of(line: list[Segment]) -> str:
    return "".join(s.text for s in line)


def test_a_cell_is_the_upper_pixel_on_the_lower_one() -> None:
    image = np.full((1, 1, 2, 2), -1.0)
    image[0, 0, 0, :] = 1.0  # white over black
    image[0, 0, 1, 1] = 0.0  # the lower right pixel mid grey
    grid = ImageGrid(image)
    [line] = grid.render_lines(2, 1, color=True)
    left, right = (seg for seg in line if seg.text)
    assert left.text == "▀" and right.text == "▀"
    assert left.style.color.triplet == (255, 255, 255) and left.style.bgcolor.triplet == (0, 0, 0)
    assert right.style.bgcolor.triplet == (128, 128, 128)


def test_without_colour_a_cell_is_the_grey_level_of_its_two_pixels() -> None:
    image = np.array([[[[1.0, -1.0, 1.0], [1.0, -1.0, -1.0]]]])  # white, black, half
    [line] = ImageGrid(image).render_lines(3, 1, color=False)
    assert text_of(line) == RAMP[-1] + RAMP[0] + RAMP[2]
    assert all(seg.style is None for seg in line)


def test_colour_images_keep_their_colours() -> None:
    red = np.stack([np.ones((2, 2)), -np.ones((2, 2)), -np.ones((2, 2))])[None]
    [line] = ImageGrid(red).render_lines(2, 1, color=True)
    assert line[0].style.color.triplet == (255, 0, 0)


def test_images_are_scaled_to_the_space_and_at_least_eight_shown_when_there_are_more() -> None:
    shape = (64, 1, 16, 16)
    assert fit(shape, 200, 60) == (3.0, 4, 2)  # ×4 would show 3: fewer than 8
    assert fit(shape, 200, 40) == (2.0, 6, 2)
    assert fit(shape, 47, 21) == (0.5, 5, 4)  # ×1 shows 4
    assert fit((4, 1, 16, 16), 200, 60) == (3.0, 4, 1)  # few images: as large as they fit
    assert fit(shape, 6, 2) == (0.25, 1, 1)
    assert fit(shape, 3, 1) is None


def test_downscaling_averages_and_upscaling_repeats() -> None:
    image = np.arange(16.0).reshape(1, 4, 4)
    np.testing.assert_array_equal(resized(image, 0.5)[0], [[2.5, 4.5], [10.5, 12.5]])
    np.testing.assert_array_equal(resized(image, 2.0)[0, :2, :2], [[0, 0], [0, 0]])
    assert resized(image, 3.0).shape == (1, 12, 12)


@pytest.mark.parametrize(("width", "height"), [(30, 6), (47, 21), (80, 24), (120, 40), (200, 50)])
def test_the_grid_never_wraps_or_overflows(width: int, height: int) -> None:
    for color in (True, False):
        lines = ImageGrid(DIGITS).render_lines(width, height, color)
        assert 0 < len(lines) <= height
        assert all(len(text_of(line)) == width for line in lines)


@pytest.mark.parametrize(("width", "height"), [(40, 14), (60, 20), (80, 24), (120, 40), (200, 50)])
def test_the_dashboard_draws_the_grid_inside_the_terminal(width: int, height: int) -> None:
    out = draw(render(digits_snapshot(), History()), width, height, color_system="truecolor")
    lines = visible(out)
    assert out.endswith("\n") and out.count("\n") <= height
    assert all(len(line) <= width for line in lines)
    assert any(line.startswith("toygan run") for line in lines[:1])
    assert "confident" in out and "classes" in out and "fd" in out
    if height >= 20:
        assert "▀" in out and "G's images" in out


def test_truecolor_256_colours_and_no_colour() -> None:
    dashboard = render(digits_snapshot(), History())
    true = draw(dashboard, 100, 30, color_system="truecolor")
    assert any(code.startswith("38;2;") for code in colour_codes(true))
    assert any(";48;2;" in code for code in colour_codes(true))
    eight_bit = draw(dashboard, 100, 30, color_system="256")
    assert any(code.startswith("38;5;") for code in colour_codes(eight_bit))
    assert not any("38;2;" in code for code in colour_codes(eight_bit))
    plain = draw(dashboard, 100, 30, no_color=True)
    assert "▀" not in plain and any(ch in plain for ch in RAMP[1:])
    assert not any(code.startswith(("38;2", "48;2", "38;5")) for code in colour_codes(plain))


def test_the_dashboard_shows_the_grid_before_the_first_report_as_blank() -> None:
    from toygan_tui.core.runfiles.snapshot import Starting

    out = draw(render(None, History(), Starting("r", 0, 100, "digits", "ns")), 80, 24)
    assert "G's images" in out and "starting" in out


def test_a_conditional_grid_names_the_digits_asked_for() -> None:
    grid = ImageGrid(DIGITS[:12], labels=np.arange(12) % 10)
    assert "asked for 0 1 2 3 4 5 6 7 8 9" in grid.legend().plain


def test_where_the_legend_is_narrow_the_title_drops_its_remark_not_the_classes() -> None:
    grid = ImageGrid(DIGITS[:12], labels=np.arange(12) % 10)
    full = "G's images (fixed noise)  asked for 0 1 2 3 4 5 6 7 8 9 in turn"
    assert grid.legend(True, 200).plain == full
    assert grid.legend(True, 46).plain == "G's images  asked for 0 1 2 3 4 5 6 7 8 9 in turn"


def test_a_conditional_grid_gives_each_class_a_row_where_they_all_fit() -> None:
    colours = np.stack([np.full((3, 8, 8), v) for v in (-0.6, 0.0, 1.0)])  # ░, ▒, █
    labels = np.arange(12) % 3  # asked in turn, as the reports' fixed noise asks
    grid = ImageGrid(colours[labels], labels=labels, names=("cats", "dogs", "owls"))
    assert "asked for cats dogs owls" in grid.legend().plain

    def levels(lines: list) -> list[set[str]]:  # type: ignore[type-arg]
        texts = ["".join(s.text for s in line) for line in lines]
        return [set(t) - {" "} for t in texts if t.strip()]

    tall = levels(grid.render_lines(60, 30, color=False))  # three class rows fit
    assert all(len(line) == 1 for line in tall)  # every line one class's images
    runs = [next(iter(line)) for line in tall]
    assert sorted(set(runs), key=runs.index) == ["░", "▒", "█"]  # class 0, 1, 2 from the top
    assert runs == sorted(runs, key="░▒█".index)  # each class in one block of lines
    short = levels(grid.render_lines(60, 4, color=False))  # not all three: as they come
    assert short[0] == {"░", "▒", "█"}
