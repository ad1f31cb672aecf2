"""The diagnosis' rules on hand-made rows: each state where its rule holds, and not where it
nearly does; their order; what they ask of the losses and problems (never their names)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from toygan_tui.core.losses import LOSSES, MINIMAX, saturates
from toygan_tui.core.problems import PROBLEMS
from toygan_tui.core.runfiles.catalog import run_kind
from toygan_tui.core.runfiles.diagnosis import (
    RECENT,
    STATE_NAMES,
    STATES,
    WINDOW,
    Recent,
    diagnose,
)
from toygan_tui.core.runfiles.trends import reversals

# Values of a curves run with nothing to say: the signals at equilibrium, the measures halfway.
CURVES = {"d_loss": 1.386, "g_loss": -0.693, "d_real": 0.5, "d_fake": 0.5,
          "in_bounds": 0.5, "a_w1": 0.2, "shape_rmse": 0.2, "coverage": 0.7}  # fmt: skip
RING = {"d_loss": 1.386, "g_loss": -0.693, "d_real": 0.5, "d_fake": 0.5,
        "modes": 4, "hq": 0.5, "rkl": 0.5, "js": 0.5}  # fmt: skip
GOOD_CURVES = {"in_bounds": 0.95, "a_w1": 0.03, "shape_rmse": 0.03, "coverage": 1.0}


def rows(n: int, base: dict[str, Any] = CURVES, **columns: Any) -> list[dict[str, Any]]:
    """n rows, 50 steps apart; a column given as a list varies row by row (its last n values),
    as a value stays the same."""
    made = []
    for i in range(n):
        row: dict[str, Any] = {"step": 50 * (i + 1), **base}
        for key, value in columns.items():
            row[key] = value[i - n] if isinstance(value, list) else value
        made.append(row)
    return made


def state(made: list[dict[str, Any]], problem: str = "curves", loss: str = "minimax") -> str:
    return diagnose(made, run_kind(problem, loss)).state


def test_every_state_is_one_entry_and_learning_comes_last() -> None:
    assert STATE_NAMES == (
        "diverged", "D is winning", "mode collapse", "converged", "oscillating", "stalled",
        "learning",
    )  # fmt: skip
    assert all(s.meaning and s.reasons for s in STATES)


def test_the_first_reports_are_too_early_to_tell() -> None:
    found = diagnose(rows(RECENT - 1, **GOOD_CURVES), run_kind())
    assert (found.state, found.text) == ("learning", f"too early to tell ({RECENT - 1} reports)")


def test_learning_quotes_the_measure_that_gained_most() -> None:
    rising = [0.1 + 0.04 * i for i in range(10)]
    found = diagnose(rows(10, in_bounds=rising), run_kind())
    assert found.state == "learning"
    assert found.text == "in_bounds 0.180 → 0.380 on average over 10 reports"


def test_a_loss_that_is_not_finite_has_diverged() -> None:
    made = rows(3)
    made[-1]["d_loss"] = None  # how metrics.jsonl writes NaN
    found = diagnose(made, run_kind())
    assert (found.state, found.text) == (
        "diverged",
        "d_loss is not finite: lower the learning rates",
    )
    assert found.tone == "bad"


def test_d_is_winning_where_d_is_sure_and_gs_gradient_fades() -> None:
    sure = rows(RECENT, d_real=0.9, d_fake=0.1)
    found = diagnose(sure, run_kind("curves", "minimax"))
    assert found.state == "D is winning"
    assert found.text == "D(real) 0.90, D(fake) 0.10: G's gradient fades; try --loss ns"
    # The mean of the recent reports decides, not one of them.
    assert state(rows(RECENT, d_real=0.9, d_fake=[0.1, 0.1, 0.1, 0.1, 0.5])) == "D is winning"
    assert state(rows(RECENT, d_real=0.9, d_fake=[0.1, 0.1, 0.1, 0.5, 0.5])) != "D is winning"
    # One report fewer, or only one of the two sure: not yet.
    assert state(rows(RECENT - 1, d_real=0.9, d_fake=0.1)) == "learning"
    assert state(rows(RECENT, d_real=0.6, d_fake=0.1)) != "D is winning"
    # Under ns G's gradient is steep where D rejects its samples: a sure D is no state.
    assert state(sure, loss="ns") != "D is winning"


def test_only_minimax_saturates_read_off_gs_formula() -> None:
    assert {name for name, loss in LOSSES.items() if saturates(loss)} == {"minimax"}
    d_real, d_fake = MINIMAX.stats[2:]
    assert d_real.is_sure(0.75) and not d_real.is_sure(0.74) and not d_real.is_sure(math.nan)
    assert d_fake.is_sure(0.25) and not d_fake.is_sure(0.26)


def test_mode_collapse_is_few_modes_of_good_samples_or_modes_lost() -> None:
    # One mode of eight, its points good (hq): collapse.
    found = diagnose(rows(RECENT, RING, modes=1, hq=0.95), run_kind("ring", "ns"))
    assert (found.state, found.text) == (
        "mode collapse",
        "modes 1 of 8: G draws few kinds of sample",
    )
    # Few modes, but G's points are nowhere near any yet: still learning.
    assert state(rows(RECENT, RING, modes=1, hq=0.2), "ring", "ns") == "learning"
    # Six modes fell to one: collapse, good points or not.
    fell = [6, 6, 6, 1, 1, 1, 1, 1]
    assert state(rows(len(fell), RING, modes=fell, hq=0.2), "ring", "ns") == "mode collapse"
    # Curves: coverage at half the bins while the curves are in bounds.
    good_curves = rows(RECENT, in_bounds=0.95, coverage=0.3)
    assert state(good_curves, loss="ns") == "mode collapse"


def test_every_problem_that_can_collapse_declares_its_level() -> None:
    collapsing = {
        name: m.name
        for name, p in PROBLEMS.items()
        for m in p.measures
        if not math.isnan(m.collapsed)
    }
    assert collapsing == {"curves": "coverage", "ring": "modes", "grid": "modes", "two": "modes",
                          "digits": "classes", "cond-digits": "classes"}  # fmt: skip


def test_converged_is_every_measure_good_for_the_recent_reports() -> None:
    found = diagnose(rows(RECENT, **GOOD_CURVES), run_kind())
    assert (found.state, found.tone) == ("converged", "good")
    assert found.text == f"every measure good for {RECENT} reports: you can stop"
    one_off = rows(RECENT, **{**GOOD_CURVES, "coverage": [1.0, 1.0, 0.8, 1.0, 1.0]})
    assert state(one_off) != "converged"


def test_a_run_with_an_ema_is_judged_by_its_ema() -> None:
    ema = {f"ema_{k}": v for k, v in GOOD_CURVES.items()}
    assert state(rows(RECENT, **ema)) == "converged"  # G's own are only halfway
    bad_ema = {f"ema_{k}": v for k, v in CURVES.items() if k in GOOD_CURVES}
    assert state(rows(RECENT, **GOOD_CURVES, **bad_ema)) != "converged"


def test_oscillating_is_d_swinging_back_and_forth() -> None:
    swinging = [0.2, 0.6] * 5
    found = diagnose(rows(10, d_fake=swinging), run_kind("curves", "ns"))
    assert found.state == "oscillating"
    assert found.text == "D(fake) swings 0.20–0.60: try lower learning rates"
    assert state(rows(10, d_fake=[0.45, 0.55] * 5), loss="ns") != "oscillating"  # noise
    assert state(rows(10, d_fake=[0.2, 0.6] * 2 + [0.5] * 6), loss="ns") != "oscillating"


def test_reversals_count_whole_swings_only() -> None:
    assert reversals([0.5, 0.2, 0.6, 0.2, 0.6, 0.2], 0.2) == 4
    assert reversals([0.5, 0.6, 0.4, 0.5, 0.58], 0.2) == 0
    assert reversals([0.0, 0.1, 0.25, 0.4, 0.1], 0.2) == 1
    assert reversals([math.nan, 0.0, math.nan, 0.3, 0.0], 0.2) == 1


def test_stalled_is_a_window_with_no_measure_better_than_before() -> None:
    found = diagnose(rows(WINDOW), run_kind())
    half = WINDOW // 2
    assert (found.state, found.text) == (
        "stalled",
        f"no measure better in {half} reports than in the {half} before",
    )
    assert state(rows(WINDOW - 1)) == "learning"  # not a whole window yet
    late_gain = [0.5] * (WINDOW - 3) + [0.6] * 3
    assert state(rows(WINDOW, in_bounds=late_gain)) == "learning"
    counts = [4] * half + [5] * half  # one more mode: a count moves by one
    assert state(rows(WINDOW, RING, modes=counts), "ring") == "learning"


def test_the_first_state_whose_rule_holds_wins() -> None:
    # D sure under minimax, one mode of good points: D is winning is the cause.
    both = rows(RECENT, RING, d_real=0.9, d_fake=0.1, modes=1, hq=0.95)
    assert state(both, "ring", "minimax") == "D is winning"
    assert state(both, "ring", "ns") == "mode collapse"


def test_only_the_window_counts_and_recent_keeps_it() -> None:
    early = rows(WINDOW + 10, d_real=[0.9] * 10 + [0.5] * WINDOW, d_fake=0.1)
    assert state(early) == state(early[-WINDOW:])
    recent = Recent(run_kind())
    for row in rows(WINDOW + 5):
        found = recent.add(row)
    assert len(recent.rows) == WINDOW and found is not None and found.state == "stalled"
    assert Recent(None, rows(3)).diagnosis() is None  # a kind this toygan does not know
    assert Recent(run_kind()).diagnosis() is None  # nothing reported yet


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_problem_and_loss_is_diagnosed_from_rows_with_nulls(problem: str, loss: str) -> None:
    kind = run_kind(problem, loss)
    names = [s.name for s in kind.loss.stats] + [m.name for m in kind.problem.measures]
    made = [{"step": 50 * i, **{n: (None if i % 3 else 0.5) for n in names}} for i in range(WINDOW)]
    assert diagnose(made, kind).state in STATE_NAMES
