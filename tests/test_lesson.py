"""`toygan lesson`: the lessons are data (one TOML file each), listed and run through the same
path as `toygan train`; a lesson's pauses come at a step or when a diagnosis state first shows;
a bad lesson file is one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clikit import toygan
from snapshots import make_snapshot

from toygan_tui.core.lessons import Lesson, Part, Pause, lessons, paragraphs
from toygan_tui.core.runfiles.diagnosis import STATE_NAMES
from toygan_tui.core.runfiles.snapshot import Diagnosis
from toygan_tui.ui.lesson_view import Guide

TINY = """
title = "A tiny lesson"
summary = "Two short parts."

[[parts]]
title = "first"
options = { steps = 200, report_every = 50 }
intro = "Watch the curves."

[[parts.pauses]]
at = 100
text = '''
At step 100: in_bounds
is rising.

A second paragraph.'''

[[parts.pauses]]
when = "learning"
text = "The diagnosis says learning."

[[parts]]
title = "second"
options = { loss = "ns", steps = 100, report_every = 50 }
intro = "Now with ns."
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_lessons_are_five_and_each_part_is_a_run_toygan_can_train() -> None:
    found = lessons()
    assert [lesson.number for lesson in found] == [1, 2, 3, 4, 5]
    for lesson in found:
        for part in lesson.parts:
            cfg = part.config()  # every option resolves and checks, every pause is in the run
            assert part.pauses and part.intro
            assert all(p.at is None or p.at <= cfg.steps for p in part.pauses)
            assert all(p.when is None or p.when in STATE_NAMES for p in part.pauses)
    # The curriculum the issue asks for, by what each run is.
    configs = [[part.config() for part in lesson.parts] for lesson in found]
    assert configs[0][0].problem == "curves" and configs[0][0].loss == "minimax"
    assert [c.loss for c in configs[1]] == ["minimax", "ns"]
    assert configs[1][0].lr_d == configs[1][1].lr_d == 100 * configs[1][0].lr_g
    assert configs[2][0].problem == "ring"
    assert any(p.when == "mode collapse" for p in found[2].parts[0].pauses)
    assert configs[3][0].loss == "wgan-gp" and configs[4][0].problem == "cond-curves"


def test_the_list_names_each_lesson(capsys: pytest.CaptureFixture[str]) -> None:
    result = toygan("lesson")
    assert result.code == 0
    for n, title in enumerate([lesson.title for lesson in lessons()], 1):
        assert f"{n}  {title}" in result.out


def test_a_lesson_runs_its_parts_as_runs_with_its_texts_between_the_reports(
    tmp_path: Path,
) -> None:
    runs = tmp_path / "runs"
    result = toygan("lesson", write(tmp_path, TINY), "--runs-dir", runs, "--no-live")
    assert result.code == 0, result.err
    out = result.out
    # The intro, then the pauses in order: "learning" shows first at step 50 (too early to
    # tell), so it comes before step 100's; each text once.
    order = [
        "Watch the curves.", "step 50/200", "The diagnosis says learning.",
        "At step 100: in_bounds is rising.\n\nA second paragraph.", "Now with ns.",
    ]  # fmt: skip
    places = [out.index(text) for text in order]
    assert places == sorted(places) and out.count("The diagnosis says learning.") == 1
    assert "== Lesson · part 1 of 2: first" in out and "done at step 200/200" in out
    made = sorted(p for p in runs.iterdir() if p.is_dir())
    assert len(made) == 2  # one run per part, as toygan train makes them
    assert [json.loads((r / "config.json").read_text())["loss"] for r in made] == ["minimax", "ns"]


def test_the_shipped_lesson_2_pauses_when_d_wins(tmp_path: Path) -> None:
    """Part 1's pause comes with the state it waits for (the run is made to show it); --speed
    lifts the lesson's own cap."""
    result = toygan("lesson", "2", "--runs-dir", tmp_path, "--no-live", "--speed", "1e9")
    assert result.code == 0, result.err
    said = result.out.index("D(real) → 1 and D(fake) → 0")
    report = result.out.rindex("step ", 0, said)
    assert "diagnosis: D is winning" in result.out[report:said]


def test_the_guide_pauses_once_per_moment_one_a_report() -> None:
    part = Part("", {}, "intro", (Pause("a", at=100), Pause("b", when="converged")))
    guide = Guide(Lesson(0, "t", "s", (part,), Path("x")), 0)
    good = Diagnosis("converged", "")
    assert guide.see(make_snapshot(step=50)) is None and guide.text == "intro"
    both = guide.see(make_snapshot(step=100, diagnosis=good))
    assert both is not None and both.text == "a" and guide.due is both
    assert guide.see(make_snapshot(step=150, diagnosis=good)).text == "b"  # type: ignore[union-attr]
    assert guide.see(make_snapshot(step=200, diagnosis=good)) is None  # each once


def test_texts_are_paragraphs() -> None:
    assert paragraphs("  one\n two \n\n\n three\n") == "one two\n\nthree"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (("title = ", "titel = "), "has no 'titel'"),
        (("steps = 200", "stepz = 200"), "'stepz' is no option of toygan train"),
        (('when = "learning"', 'when = "bored"'), "`when` must be one of diverged, D is winning"),
        (("at = 100", "at = 1000"), "a pause at step 1000 comes after the run's 200 steps"),
        (('intro = "Now with ns."', 'intro = ""'), "intro must be some text"),
        (('loss = "ns"', 'loss = "nsx"'), "--loss must be one of"),
        (("[[parts]]\ntitle", "[[parts]\ntitle"), "cannot read it"),
    ],
)
def test_a_bad_lesson_file_is_one_line_and_exit_2(
    tmp_path: Path, change: tuple[str, str], says: str
) -> None:
    path = write(tmp_path, TINY.replace(*change, 1))
    result = toygan("lesson", path, "--runs-dir", tmp_path / "runs", "--no-live")
    assert result.code == 2 and says in result.err and result.err.count("\n") == 1, result.err
    assert not (tmp_path / "runs").exists()  # every part is checked before the first trains


def test_no_such_lesson(tmp_path: Path) -> None:
    result = toygan("lesson", "9")
    assert (
        result.code == 2 and result.err == "toygan: error: no lesson 9: there are 1, 2, 3, 4, 5\n"
    )
    missing = toygan("lesson", tmp_path / "none.toml")
    assert missing.code == 2 and "no such lesson number or file" in missing.err
