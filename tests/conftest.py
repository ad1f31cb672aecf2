"""Shared by every test: torch on one thread, as `toygan train` runs it (--threads 1).

A model this small runs fastest and steadiest on one thread; two OpenMP threads on a busy
2-core machine spin against each other and crawl.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
