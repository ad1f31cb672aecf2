"""The dashboard frame as a person sees it at common terminal sizes, and the History behind it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rich.cells import cell_len
from rich.console import Console
from snapshots import braille_cells, draw, make_snapshot, make_stream, visible

from toygan_tui.core.runfiles.snapshot import Starting, eager_engine, engine_label
from toygan_tui.ui.dashboard import render
from toygan_tui.ui.format import duration, plain_line, rate, starting_line
from toygan_tui.ui.history import History

SIZES = [(60, 20), (80, 24), (200, 50)]
NUMBERS = ["1.365", "-0.611", "0.470", "0.457", "0.678", "0.132", "0.174", "0.800"]
REFERENCES = ["1.386", "-0.693", "→ 0.5"]


def frame(width: int, height: int, snapshot=None, history: History | None = None) -> list[str]:
    """The frame's visible lines at width × height (one mid-run snapshot, 20 reports so far)."""
    if history is None:
        history = History()
        for snap in make_stream(20, total=10_000):
            history.add(snap)
    lines = visible(draw(render(snapshot, history), width, height))
    return lines[:-1] if lines and lines[-1] == "" else lines


@pytest.mark.parametrize("width, height", SIZES)
def test_frame_fits_the_terminal_and_shows_the_numbers(width: int, height: int) -> None:
    lines = frame(width, height, make_snapshot())
    text = "\n".join(lines)
    assert len(lines) <= height
    assert all(cell_len(line) <= width for line in lines)
    assert "20261127-175600-s1" in lines[0]  # the run id, in the header
    assert "step 1,000/10,000" in text and "10%" in text
    assert "884 steps/s" in text and "ETA 0:10" in text
    for shown in NUMBERS + REFERENCES:
        assert shown in text, shown
    for hint in ("↑ ~0.9", "↓ ~0.04"):  # which way is good, for the quality measures
        assert hint in text
    assert "bounds x², 2x²+1" in text and braille_cells(text) > 100  # the curves chart


@pytest.mark.parametrize("width, height", SIZES[1:])
def test_big_enough_terminals_use_their_height(width: int, height: int) -> None:
    lines = frame(width, height, make_snapshot())
    assert len(lines) == height  # the frame fills the terminal, nothing more
    assert any("D(real)" in line and "0.5" in line for line in lines)  # the history legend


def test_the_largest_layout_also_charts_quality_over_time() -> None:
    assert any("in_bounds" in line and "a_w1" in line for line in frame(200, 50, make_snapshot()))


def test_small_terminals_drop_the_history_then_the_curves() -> None:
    at_60 = "\n".join(frame(60, 20, make_snapshot()))
    assert "━ D(real)" not in at_60 and "bounds x²" in at_60
    at_40 = "\n".join(frame(40, 14, make_snapshot()))
    assert braille_cells(at_40) == 0 and "1.365" in at_40


@pytest.mark.parametrize("width, height", [(40, 12), (30, 8), (20, 5), (10, 3), (1, 1)])
def test_tiny_terminals_never_crash_or_wrap(width: int, height: int) -> None:
    for snapshot in (None, make_snapshot()):
        lines = frame(width, height, snapshot)
        assert len(lines) <= height
        assert all(cell_len(line) <= width for line in lines)


def test_starting_frame_before_the_first_snapshot() -> None:
    lines = frame(80, 24, None, History())
    text = "\n".join(lines)
    assert "starting" in lines[0]
    assert len(lines) == 24
    assert "bounds x², 2x²+1" in text and braille_cells(text) > 40  # the bounds, no curves yet
    assert "1.365" not in text


def test_extra_status_is_shown_in_the_header() -> None:
    lines = frame(80, 24, make_snapshot(extra={"status": "running", "pid": "4242"}))
    assert "status running" in lines[0] and "pid 4242" in lines[0]


def test_non_finite_numbers_are_shown_not_fatal() -> None:
    curves = make_snapshot().samples.copy()
    curves[0, :] = np.nan
    snap = make_snapshot(
        d_loss=math.nan,
        g_loss=math.inf,
        steps_per_s=0.0,
        samples=curves,
        quality={"in_bounds": math.nan, "a_w1": math.inf, "shape_rmse": 0.1, "coverage": 0.5},
    )
    lines = frame(80, 24, snap)
    text = "\n".join(lines)
    shown = {name: cell(lines, name) for name in ("D loss", "G loss", "in_bounds", "a_w1")}
    assert shown == {"D loss": "-", "G loss": "inf", "in_bounds": "-", "a_w1": "inf"}
    assert (cell(lines, "D(real)"), cell(lines, "shape_rmse")) == ("0.470", "0.100")  # finite
    assert "ETA --:--" in text and "-- steps/s" in text
    assert braille_cells(text) > 100


def cell(lines: list[str], name: str) -> str:
    """The value shown on the numbers' row of `name` ("D loss", "a_w1"...)."""
    row = next(line for line in lines if line.startswith(f"{name} "))
    return row[len(name) :].split()[0]


def test_minus_infinity_is_shown_with_its_sign() -> None:
    lines = frame(80, 24, make_snapshot(d_real=-math.inf, d_fake=math.nan))
    assert (cell(lines, "D(real)"), cell(lines, "D(fake)")) == ("-inf", "-")


def test_the_side_by_side_layout_starts_at_72_columns() -> None:
    wide, narrow = frame(72, 24, make_snapshot()), frame(71, 24, make_snapshot())
    # 72: the curves' legend on the numbers' first line, the history chart under the numbers.
    assert wide[2].startswith("GAN signals") and "━ G's curves" in wide[2]
    assert any(line.startswith("╌ 0.5  ━ D(real)") for line in wide)
    assert wide[7].startswith("quality")  # the quality table under the signals
    # 71: the two tables side by side on top, the curves' chart under them, no history.
    assert narrow[2].startswith("GAN signals") and "quality" in narrow[2]
    assert narrow[7].startswith("━ G's curves")
    assert not any("D(real)  ━ D(fake)" in line for line in narrow)


def colour_of(value: str, quality: dict[str, float]) -> str | None:
    """The colour the frame gives the shown `value` of a quality measure."""
    console = Console(width=80, height=24, force_terminal=True, color_system="standard")
    frame = render(make_snapshot(quality=quality), History())
    segments = console.render(frame, console.options.update(height=24))
    styles = [seg.style for seg in segments if seg.text.strip() == value]
    assert len(styles) == 1, (value, styles)
    return styles[0].color.name if styles[0] and styles[0].color else None


GOOD = {"in_bounds": 0.95, "a_w1": 0.04, "shape_rmse": 0.03, "coverage": 1.0}


@pytest.mark.parametrize(
    ("name", "good", "not_yet"),
    [("in_bounds", 0.85, 0.849), ("a_w1", 0.06, 0.061), ("shape_rmse", 0.05, 0.051),
     ("coverage", 0.9, 0.8)],
)  # fmt: skip
def test_a_value_turns_green_at_its_good_level(name: str, good: float, not_yet: float) -> None:
    others = {k: v for k, v in GOOD.items() if k != name}
    shown = {good: f"{good:.3f}", not_yet: f"{not_yet:.3f}"}
    assert colour_of(shown[good], {**others, name: good}) == "green"
    assert colour_of(shown[not_yet], {**others, name: not_yet}) == "yellow"


def test_the_frame_keeps_the_data_it_was_made_from() -> None:
    history = History()
    for snap in make_stream(10, total=2000):
        history.add(snap)
    made = render(make_snapshot(step=500, total=2000), history)
    before = draw(made, 80, 24)
    for snap in make_stream(30, total=2000)[10:]:
        history.add(snap)
    assert draw(made, 80, 24) == before  # render() is pure: drawing later shows the same


def test_history_keeps_bounded_memory_and_the_whole_run() -> None:
    history = History(max_points=100)
    for step in range(1, 10_001):
        history.add_row({"step": step, "d_real": 0.5, "a_w1": 1 / step})
    assert 50 <= len(history) <= 100
    assert history.steps[0] == 1 and history.steps[-1] == 10_000
    assert history.steps == sorted(history.steps)
    assert len(history.series("a_w1")) == len(history)
    assert all(math.isnan(v) for v in history.series("never seen"))


def test_history_rows_with_new_or_missing_keys_stay_aligned() -> None:
    history = History()
    history.add_row({"step": 1, "d_real": 0.4})
    history.add_row({"step": 2, "d_real": 0.5, "in_bounds": 0.7})
    history.add_row({"step": 3})
    assert history.series("d_real")[:2] == [0.4, 0.5] and math.isnan(history.series("d_real")[2])
    assert math.isnan(history.series("in_bounds")[0]) and history.series("in_bounds")[1] == 0.7


def test_plain_line_reads_like_the_log_it_is() -> None:
    assert plain_line(make_snapshot()) == (
        "step 1000/10000  d_loss 1.365  g_loss -0.611  D(real) 0.470  D(fake) 0.457  "
        "in_bounds 0.678  a_w1 0.132  shape_rmse 0.174  coverage 0.800  884 steps/s"
    )
    assert plain_line(make_snapshot(extra={"status": "done"})).endswith("  status done")


def test_plain_line_writes_counts_without_decimals() -> None:
    quality = {"modes": 7.0, "hq": 0.8123, "rkl": 0.05, "js": 0.1}
    line = plain_line(make_snapshot(problem="ring", quality=quality, ema_quality=quality))
    assert "  modes 7  hq 0.812  " in line and "  ema_modes 7  ema_hq 0.812  " in line


def test_durations_and_rates() -> None:
    assert [duration(s) for s in (7, 754, 3723, math.inf, math.nan)] == [
        "0:07",
        "12:34",
        "1:02:03",
        "--:--",
        "--:--",
    ]
    assert [rate(r) for r in (884.4, 12.46, 0.0)] == ["884 steps/s", "12.5 steps/s", "-- steps/s"]


@pytest.mark.parametrize("width, height", SIZES)
def test_the_starting_frame_names_the_run_and_where_it_starts(width: int, height: int) -> None:
    # A resumed run at step 4 350 of 10 000, before its first report: the history axes already
    # span the whole run, so the first report lands where it belongs.
    starting = Starting("remote-1", 4350, 10_000)
    lines = visible(draw(render(None, History(), starting), width, height))
    assert lines[0].startswith("toygan run remote-1  starting…"), lines
    assert lines[1].startswith("step 4,350/10,000  waiting for the first report"), lines
    assert all(cell_len(line) <= width for line in lines)
    if height >= 50:  # the history charts are drawn: their x axis ends at the run's total
        assert any("10k" in line for line in lines), lines


def test_the_starting_plain_line() -> None:
    assert starting_line(Starting("demo", 0, 10_000)) == "run demo: starting at step 0/10000"


LONG_EAGER = "fast (eager: CUDA graph capture failed: CUDA error: operation not permitted)"


@pytest.mark.parametrize("engine", ["fast (CUDA graph)", LONG_EAGER])
@pytest.mark.parametrize(
    "extra, shown",
    [
        ({"speed": "1×", "status": "PAUSED"}, "status PAUSED"),  # train's live keys
        ({"status": "running"}, "status running"),  # watch
        ({"replay": "12/40", "play": "⏸ paused"}, "play ⏸ paused"),  # replay's player
    ],
)
def test_the_runs_state_survives_a_long_engine_name_at_80_columns(
    engine: str, extra: dict[str, str], shown: str
) -> None:
    snap = make_snapshot(device="cuda:0", engine=engine, extra=extra)
    head = frame(80, 24, snap)[0]
    assert shown in head
    assert all(f"{key} {value}" in head for key, value in extra.items())


def test_the_header_names_the_eager_fallback_without_its_reason() -> None:
    head = frame(120, 30, make_snapshot(device="cuda:0", engine=LONG_EAGER))[0]
    assert head.rstrip().endswith("engine fast (eager)")
    assert "capture failed" not in head


def test_the_eager_engine_name_keeps_its_reason_and_one_short_form() -> None:
    name = eager_engine("CUDA graph capture failed: old driver")
    assert name == "fast (eager: CUDA graph capture failed: old driver)"
    assert engine_label(name) == "fast (eager)"
    assert engine_label("fast (CUDA graph)") == "fast (CUDA graph)"
    assert engine_label("reference") == "reference"
