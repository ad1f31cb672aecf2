"""The key bar: one line under the frame, the first thing to go when space runs out."""

from __future__ import annotations

import re

import pytest
from snapshots import draw, make_snapshot, make_stream, visible

from toygan_tui.ui.dashboard import render
from toygan_tui.ui.history import History
from toygan_tui.ui.keybar import WithKeyBar, key_bar

BAR = key_bar([("space", "pause"), ("s", "step"), ("+/-", "speed"), ("q", "quit")])
# What tells the frame's parts apart: the curves chart's legend and each history chart's.
PARTS = ("bounds x², 2x²+1", "━ D(real)", "━ in_bounds")


def lines(renderable: object, width: int, height: int) -> list[str]:
    return visible(draw(renderable, width, height))[:height]


def frames(width: int, height: int) -> tuple[list[str], list[str]]:
    """The bare dashboard and the one with the bar, at width × height."""
    history = History()
    for snap in make_stream(20, total=10_000):
        history.add(snap)
    snap = make_snapshot(step=1000)
    bare = lines(render(snap, history), width, height)
    return bare, lines(WithKeyBar(render(snap, history), BAR), width, height)


def parts(screen: list[str]) -> list[str]:
    return [part for part in PARTS if any(part in line for line in screen)]


MEASURES = ("D loss", "G loss", "D(real)", "D(fake)", "in_bounds", "a_w1", "shape_rmse", "coverage")


def measures(screen: list[str]) -> list[str]:
    """The rows of numbers on screen: a measure's name, its value, then where it should head."""
    text = "\n".join(screen)
    return [m for m in MEASURES if re.search(rf"{re.escape(m)} +\S+ +[→↑↓]", text)]


@pytest.mark.parametrize("width", [40, 60, 80, 120])
# Either side of each height where the frame gains a chart (16, 21, 22 and 31 lines).
@pytest.mark.parametrize("height", [6, 10, 15, 16, 17, 20, 21, 22, 23, 24, 30, 31, 32, 40])
def test_the_bar_never_costs_the_frame_a_chart(width: int, height: int) -> None:
    bare, barred = frames(width, height)
    assert parts(barred) == parts(bare)
    assert measures(barred) == measures(bare)  # nor a line of numbers
    assert len(barred) == height and all(len(line) <= width for line in barred)
    shown = barred[-1].startswith("space pause")
    assert shown or not any("space pause" in line for line in barred)  # whole line or none


def test_on_a_usual_terminal_the_bar_is_the_last_line() -> None:
    bare, barred = frames(80, 24)
    assert barred[-1] == "space pause  s step  +/- speed  q quit"
    assert parts(barred) == list(PARTS[:2])


def test_the_bar_makes_way_where_its_line_would_cost_a_chart() -> None:
    # At 100 × 31 the second history chart has exactly the rows it needs.
    bare, barred = frames(100, 31)
    assert "━ in_bounds" in "\n".join(bare)
    assert barred == bare
    assert frames(100, 32)[1][-1].startswith("space pause")


def test_a_narrow_bar_is_cut_short_not_wrapped() -> None:
    bare, barred = frames(30, 24)
    assert barred[-1].startswith("space pause") and barred[-1].endswith("…")


@pytest.mark.parametrize(
    ("width", "height", "bar"),
    [
        # Side by side (80): the header and ten rows of numbers take 12 lines.
        (80, 11, False), (80, 12, False), (80, 13, True), (80, 9, False),
        # Stacked, the two tables side by side (60): 7 lines; one over the other (30): 12.
        (60, 7, False), (60, 8, True), (30, 5, False), (30, 12, False), (30, 13, True),
    ],
)  # fmt: skip
def test_the_bar_goes_before_any_line_of_numbers(width: int, height: int, bar: bool) -> None:
    bare, barred = frames(width, height)
    assert measures(barred) == measures(bare)
    assert any("space pause" in line for line in barred) == bar
    if height >= 12 or (width == 60 and height >= 7):  # room for every row of numbers
        assert measures(barred) == list(MEASURES)


def test_where_one_space_apart_is_too_wide_the_spare_keys_go_and_quit_stays() -> None:
    """replay's bar with the lab's drawings is 88 cells one space apart: at 80 columns
    Home/End is left out (not `q quit` cut off); where there is room every key is there."""
    from toygan_tui.commands.replay import KEYS, SPARE_KEYS
    from toygan_tui.ui.terminal.viewkeys import bar_entries, drawings_of

    keys = (*KEYS[:-1], *bar_entries(drawings_of("ring")), KEYS[-1])
    bar = key_bar(keys, spare=SPARE_KEYS)
    wide, usual = bar.text(200).plain, bar.text(80).plain
    assert all(key in wide for key, _ in keys) and "  " in wide
    assert usual.endswith("q quit") and len(usual) <= 80 and "…" not in usual
    assert "Home/End" not in usual and "PgUp/PgDn tenth" in usual  # the first spare only
    assert key_bar(keys).text(80).cell_len > 80  # without spares: cut when drawn, quit lost
    narrow = bar.text(60).plain
    assert "PgUp/PgDn" not in narrow and narrow.startswith("←/→ report")
