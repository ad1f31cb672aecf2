"""Which engine `toygan train` runs, through the command line: the fast one for every problem
(at its default depth, labels too) with every hand-written loss; the reference where no fast
path exists, with one line and exit 2 for `--engine fast`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clikit import quick, toygan


def engine_of(runs: Path, name: str, *extra: object) -> str:
    result = toygan(*quick(runs, "--name", name, "--steps", 20, "--report-every", 10, *extra))
    assert result.code == 0, result.err
    return str(json.loads((runs / name / "status.json").read_text())["engine"])


@pytest.mark.parametrize(
    ("problem", "loss"), [("cond-curves", "minimax"), ("ring", "ns"), ("grid", "hinge")]
)
def test_auto_runs_the_fast_engine_on_every_problem_at_its_default_depth(
    tmp_path: Path, problem: str, loss: str
) -> None:
    extra = ("--problem", problem, "--loss", loss, "--batch-size", 32, "--hidden", 16)
    assert engine_of(tmp_path / "runs", "auto", *extra) == "fast"
    assert engine_of(tmp_path / "runs", "fast", *extra, "--engine", "fast") == "fast"


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        (("--loss", "wgan-gp"), "wgan-gp's gradient penalty needs autograd"),
        (("--loss", "ns", "--n-critic", 2), "the fast engines take one D step per G step"),
        (("--loss", "wgan-gp", "--n-critic", 1), "wgan-gp's gradient penalty needs autograd"),
    ],
)
def test_where_no_fast_path_exists_fast_says_why_and_auto_runs_the_reference(
    tmp_path: Path, extra: tuple[object, ...], why: str
) -> None:
    runs, small = tmp_path / "runs", ("--problem", "ring", "--batch-size", 32, "--hidden", 16)
    fast = toygan(*quick(runs, *small, *extra, "--engine", "fast", "--steps", 10))
    assert fast.code == 2
    assert len(fast.err.strip().splitlines()) == 1
    assert f"--engine fast: {why}" in fast.err and "use --engine auto or reference" in fast.err
    assert engine_of(runs, "auto", *small, *extra) == "reference"
