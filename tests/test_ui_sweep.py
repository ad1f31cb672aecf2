"""The sweep's table: medians, spreads and good counts computed right, and a frame that fits
any terminal (parts drop in order, nothing wraps), with NO_COLOR still readable."""

from __future__ import annotations

import io
import math

import pytest
from rich.console import Console
from rich.text import Text

from toygan_tui.core.runfiles.sweepreport import (
    MemberResult,
    SweepReport,
    from_dict,
    summarize,
    table_json,
    to_dict,
)
from toygan_tui.ui.sweep_view import SweepView, plain_lines

SEEDS = range(1, 11)


def report(sets: int = 3) -> SweepReport:
    """Set j, seed s: in_bounds 0.805 + 0.01·s (seeds ≥ 5 reach the good 0.85) and a_w1
    0.01·s + 0.01·j; the last seed of the last set diverged (NaN)."""
    members = []
    for j in range(sets):
        for s in SEEDS:
            quality = {"in_bounds": 0.805 + 0.01 * s, "a_w1": 0.01 * s + 0.01 * j,
                       "shape_rmse": 0.02, "coverage": 1.0}  # fmt: skip
            if j == sets - 1 and s == 10:
                quality = {k: math.nan for k in quality}
            members.append(MemberResult(len(members) + 1, j, s, quality))
    labels = [f"loss ns  lr_g {j + 1}e-04" for j in range(sets)]
    return SweepReport("sweep-3", 500, 10_000, labels, ["curves"] * sets, members, 1234.0, 4.0)


def test_medians_spreads_and_good_counts() -> None:
    first, _, last = summarize(report())
    in_bounds = first.headline
    assert in_bounds.median == pytest.approx(0.86)  # seeds 1..10: 0.815..0.905
    assert (in_bounds.low, in_bounds.high) == (pytest.approx(0.815), pytest.approx(0.905))
    assert (in_bounds.good, in_bounds.n) == (6, 10)  # 0.855 and up (good level 0.85)
    assert [good for _, _, good in first.strip] == [False] * 4 + [True] * 6
    assert last.headline.median == pytest.approx(0.855)  # the NaN seed is left out of it
    assert (last.headline.good, last.headline.n) == (5, 10)  # and counts as not good
    as_json = table_json(report())
    assert as_json[0]["measures"]["in_bounds"]["good"] == 6
    assert as_json[2]["measures"]["in_bounds"]["median"] == pytest.approx(0.855)


def test_the_report_survives_status_json() -> None:
    back = from_dict(to_dict(report()), state="finished")
    assert back is not None and back.state == "finished"
    assert summarize(back)[1].headline.median == summarize(report())[1].headline.median
    assert math.isnan(back.members[-1].quality["in_bounds"])
    assert from_dict({"members": "damaged"}) is None


def draw(frame: SweepView, width: int, height: int, color: bool = False) -> list[str]:
    out = io.StringIO()
    console = Console(file=out, width=width, height=height, force_terminal=color,
                      color_system="standard" if color else None, legacy_windows=False)  # fmt: skip
    console.print(frame)
    return out.getvalue().splitlines()


MEASURES = ["in_bounds", "a_w1", "shape_rmse", "coverage"]
# What the frame shows at each width: (the spreads, how many measures, the strip, the set names
# whole). From the widest down the spreads go first, then the measures after the headline
# (last first), then the strip, and the set names are cut last: the widths below meet every
# step of that order once.
FITS = {
    200: (True, 4, True, True),
    140: (True, 4, True, True),
    120: (False, 4, True, True),
    80: (False, 4, True, True),
    70: (False, 3, True, True),
    60: (False, 2, True, True),
    50: (False, 1, True, True),
    40: (False, 1, False, True),
    24: (False, 1, False, False),
}


@pytest.mark.parametrize("width", FITS)
def test_the_frame_fits_any_width_and_drops_parts_in_order(width: int) -> None:
    lines = draw(SweepView(report()), width, 30)
    assert all(Text.from_ansi(line).cell_len <= width for line in lines)
    assert len(lines) == 1 + 1 + 3  # progress, heading, one row per set: nothing wrapped
    assert lines[0].startswith("sweep-3  step 500/10000")
    spreads, measures, strip, names_whole = FITS[width]
    heading, rows = lines[1].split(), lines[2:]
    assert [word for word in heading if word in MEASURES] == MEASURES[:measures], lines
    assert ("seeds" in heading) == strip
    for j, row in enumerate(rows):
        assert ("–" in row) == spreads, row  # 0.815–0.905
        assert (" ○○○○●" in row) == strip, row
        assert row.startswith(f"loss ns  lr_g {j + 1}e-04 ") == names_whole, row
        assert ("…" in row) == (not names_whole), row
    assert "6/10" in rows[0]  # the headline's good count stays to the last


def test_rows_beyond_the_height_are_counted() -> None:
    lines = draw(SweepView(report(sets=12)), 100, 8)
    assert len(lines) == 8
    assert lines[-1] == "… 7 more option sets"  # progress + heading + 5 rows + this line


ANSI = {1: "red", 2: "green"}  # the standard colours' numbers


def glyph_colours(line: str) -> list[tuple[str, str | None]]:
    """Each strip glyph of a drawn line with the colour it is drawn in (None: no colour)."""
    text, console = Text.from_ansi(line), Console()
    styles = [text.get_style_at_offset(console, i) for i in range(len(text.plain))]
    return [
        (char, None if style.color is None else ANSI.get(style.color.number or -1, "other"))
        for char, style in zip(text.plain, styles, strict=True)
        if char in "●○×"
    ]


def test_the_strip_is_coloured_and_readable_without_colour() -> None:
    coloured = draw(SweepView(report()), 120, 30, color=True)
    green, red = [("●", "green")] * 6, [("○", "red")] * 4
    assert glyph_colours(coloured[2]) == red + green  # seeds 1-4 not yet, 5-10 good
    assert glyph_colours(coloured[4]) == red + green[:5] + [("×", "red")]  # the NaN seed
    plain = draw(SweepView(report()), 120, 30)
    assert "\x1b" not in "".join(plain)
    assert "○○○○●●●●●●" in plain[2] and "○○○○●●●●●×" in plain[4]


def test_plain_lines_say_it_all_in_words() -> None:
    lines = plain_lines(report())
    assert lines[0].startswith("sweep-3  step 500/10000  30 members")
    assert "loss ns  lr_g 1e-04:  in_bounds 0.860 (0.815–0.905, 6/10 good)" in lines[1]


def test_counts_have_no_decimals_unless_a_median_falls_between_two() -> None:
    """digits' `classes` over 4 seeds (10, 9, 10, 9): median 9.5, kept as such, not rounded."""
    quality = [{"confident": 0.8, "classes": c, "fd": 1.0} for c in (10, 9, 10, 9, 10, 10)]
    members = [MemberResult(i + 1, i // 4, 1 + i % 4, q) for i, q in enumerate(quality[:4])]
    members += [MemberResult(5 + i, 1, 1 + i, q) for i, q in enumerate(quality[4:])]
    both = SweepReport("sweep-9", 100, 100, ["codes 10", "codes 0"], ["digits"] * 2, members, 0, 1)
    lines = plain_lines(both)
    assert "classes 9.5 (9–10, 2/4 good)" in lines[1], lines
    assert "classes 10 (10–10, 2/2 good)" in lines[2], lines
    console = Console(file=io.StringIO(), width=120, color_system=None)
    console.print(SweepView(both, final=True))
    table = console.file.getvalue()  # type: ignore[attr-defined]
    assert "9.5" in table and "10 2/2" in table and "10.000" not in table, table
