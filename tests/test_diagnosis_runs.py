"""The diagnosis on real runs made to show each state (short: seconds each on a CPU): what the
trainer writes in status.json and the plain lines is what `toygan runs` reads off the files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clikit import toygan

from toygan_tui.core.runfiles.runinfo import run_info, with_diagnosis
from toygan_tui.core.runfiles.status import STATUS_FILE

RUNS = {
    # The tutorial's first reports: its measures on their way.
    "learning": ["--steps", "600"],
    # Minimax with D's Adam 20× the ring's: D is sure of both, and G's gradient fades.
    "D is winning": [
        "--problem",
        "ring",
        "--lr-d",
        "2e-3",
        "--steps",
        "700",
        "--report-every",
        "100",
    ],
    # The same D under ns: G keeps a gradient, and chases D into one mode of eight.
    "mode collapse": [
        "--problem",
        "ring",
        "--loss",
        "ns",
        "--lr-d",
        "2e-3",
        "--steps",
        "1000",
        "--report-every",
        "100",
    ],
    # The tuned recipe's EMA of G: every measure good from about step 5 000 on.
    "converged": ["--recipe", "tuned", "--steps", "6000", "--report-every", "100"],
    # ns with D's Adam 100× the tutorial's: D(real) and D(fake) swing, and G with them.
    "oscillating": ["--loss", "ns", "--lr-d", "1e-2", "--steps", "2500", "--report-every", "100"],
    # Both learning rates 1e-7: nothing moves.
    "stalled": ["--lr-g", "1e-7", "--lr-d", "1e-7", "--steps", "1100"],
}


@pytest.mark.parametrize("expected", sorted(RUNS))
def test_a_run_made_to_show_a_state_shows_it(expected: str, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    result = toygan("train", *RUNS[expected], "--runs-dir", runs, "--name", "r", "--no-live")
    assert result.code == 0, result.err
    last_line = result.out.splitlines()[-2]  # the last report's, above the "done" line
    assert f"diagnosis: {expected} (" in last_line, result.out
    written = json.loads((runs / "r" / STATUS_FILE).read_text())["diagnosis"]
    assert written["state"] == expected
    # Read off the files alone, as `toygan runs` does: the same state and reason.
    found = with_diagnosis(run_info(runs / "r")).diagnosis
    assert found is not None and found.to_dict() == written


def test_a_diverged_run_says_so(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    result = toygan("train", "--lr-g", "1e15", "--steps", "200", "--runs-dir", runs,
                    "--name", "r", "--no-live")  # fmt: skip
    assert result.code == 1
    written = json.loads((runs / "r" / STATUS_FILE).read_text())["diagnosis"]
    assert written["state"] == "diverged" and "not finite" in written["reason"]


def test_a_resumed_run_is_judged_with_the_reports_before_it(tmp_path: Path) -> None:
    """The window reaches back past the resume: no "too early to tell" on the first report."""
    runs = tmp_path / "runs"
    first = toygan("train", "--steps", "600", "--save-every", "500", "--runs-dir", runs,
                   "--name", "r", "--no-live")  # fmt: skip
    assert first.code == 0, first.err
    resumed = toygan("train", "--resume", runs / "r", "--steps", "700", "--no-live")
    assert resumed.code == 0, resumed.err
    first_report = next(line for line in resumed.out.splitlines() if line.startswith("step 650"))
    assert "too early" not in first_report and "diagnosis: " in first_report
