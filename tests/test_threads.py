"""torch's OpenMP workers wait passively unless the user says otherwise (toygan_tui/__init__.py
says why: spinning workers crawl beside any other busy process)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

READ_POLICY = "import toygan_tui, os; print(os.environ.get('OMP_WAIT_POLICY'))"


@pytest.mark.parametrize(("given", "expected"), [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_openmp_workers_wait_passively_unless_the_user_chose(
    given: str | None, expected: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given is not None:
        env["OMP_WAIT_POLICY"] = given
    done = subprocess.run(
        [sys.executable, "-c", READ_POLICY], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == expected
