"""The number blocks come from the loss's and the problem's specs: every stat and measure,
its equilibrium mark or target, and green only once good."""

from __future__ import annotations

import math

import pytest
from rich.text import Text

from toygan_tui.core.losses import LOSSES, get_loss
from toygan_tui.core.problems import PROBLEMS, get_problem
from toygan_tui.ui.readouts import measures_text, stats_text


def styles_of(text: Text, word: str, after: str = "") -> set[str]:
    """The styles on the first `word` that follows `after`."""
    start = text.plain.index(word, text.plain.index(after))
    return {
        str(span.style)
        for span in text.spans
        if span.start <= start < span.end or start <= span.start < start + len(word)
    }


def test_minimax_shows_the_tutorials_signals_and_marks() -> None:
    values = {"d_loss": 1.381, "g_loss": -0.695, "d_real": 0.504, "d_fake": 0.501}
    lines = stats_text(get_loss("minimax").stats, values).plain.splitlines()
    assert lines[1:] == [
        "D loss        1.381  → 1.386",
        "G loss       -0.695  → -0.693",
        "D(real)       0.504  → 0.5",
        "D(fake)       0.501  → 0.5",
    ]


def test_wgan_gp_shows_critic_scores_and_the_gap_not_probabilities() -> None:
    values = {
        "d_loss": -0.2,
        "g_loss": 0.1,
        "critic_real": 0.4,
        "critic_fake": 0.1,
        "critic_gap": 0.3,
    }
    plain = stats_text(get_loss("wgan-gp").stats, values).plain
    assert "D(real)" not in plain and f"{'critic gap':<11}{'0.300':>8}  → 0" in plain
    assert f"{'critic real':<11}{'0.400':>8}  \n" in plain  # a score has no equilibrium mark


@pytest.mark.parametrize("name", list(LOSSES))
def test_every_loss_stat_has_a_line_and_a_missing_value_reads_as_a_dash(name: str) -> None:
    stats = get_loss(name).stats
    lines = stats_text(stats, None).plain.splitlines()
    assert len(lines) == 1 + len(stats)
    for stat, line in zip(stats, lines[1:], strict=True):
        assert line.startswith(stat.label) and line[11:19].strip() == "-"
        assert ("→" in line) == (stat.reference is not None)


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_every_measure_has_a_line_green_once_good_and_yellow_before(name: str) -> None:
    measures = get_problem(name).measures
    leveled = [m for m in measures if m.has_level]
    unleveled = {m.name: 0.25 + i for i, m in enumerate(measures) if not m.has_level}
    good = {**{m.name: m.good for m in leveled}, **unleveled}
    bad = {**{m.name: m.good - 1 if m.higher_is_better else m.good + 1 for m in leveled}}
    for values, colour in ((good, "green"), ({**bad, **unleveled}, "yellow")):
        text = measures_text(measures, values)
        assert len(text.plain.splitlines()) == 1 + len(measures)
        for m in leveled:
            value = f"{values[m.name]:.{m.decimals}f}"
            assert colour in styles_of(text, value, after=f"\n{m.name} "), m.name
        for name, value in unleveled.items():  # no level of its own: never coloured
            assert not styles_of(text, f"{value:.3f}") & {"green", "yellow"}, name


def test_measures_show_their_direction_and_target() -> None:
    lines = measures_text(get_problem("ring").measures, {"modes": 8, "hq": math.nan}).plain
    assert (
        f"{'modes':<11}{'8':>8}  ↑ 8" in lines
    )  # a count, without decimals and f"{'hq':<11}{'-':>8}  ↑ 1" in lines
