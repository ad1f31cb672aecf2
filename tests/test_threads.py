"""torch's OpenMP workers spin for a bounded while unless the user says otherwise
(toygan_tui/__init__.py says why)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

READ = "import toygan_tui, os; print(os.environ.get('GOMP_SPINCOUNT'))"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, "10000"),
        ({"GOMP_SPINCOUNT": "500"}, "500"),
        ({"OMP_WAIT_POLICY": "PASSIVE"}, "None"),  # the user's policy: its own spin count
    ],
)
def test_openmp_workers_spin_a_bounded_while_unless_the_user_chose(
    given: dict[str, str], expected: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    done = subprocess.run(
        [sys.executable, "-c", READ], env={**env, **given}, capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    assert done.stdout.strip() == expected
