"""Shared by every test: torch on one thread, as `toygan train` runs it (--threads 1).

A model this small runs fastest and steadiest on one thread; two OpenMP threads on a busy
2-core machine spin against each other and crawl.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True, scope="session")
def fresh_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A cache of this session's own (the digits classifier is trained once per session, in
    every CLI subprocess too): no test reads a user's cache, stale or not."""
    import os

    before = os.environ.get("TOYGAN_CACHE_DIR")
    os.environ["TOYGAN_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        del os.environ["TOYGAN_CACHE_DIR"]
    else:
        os.environ["TOYGAN_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def faces(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of 60 generated images for `--problem images` (tests/imagekit.py)."""
    from imagekit import discs

    return discs(tmp_path_factory.mktemp("folder") / "faces", 60)


@pytest.fixture(autouse=True, scope="session")
def english_environment() -> Iterator[None]:
    """The tests read English words: a developer whose LANG says Chinese (zh) runs them in a
    neutral locale (every CLI subprocess inherits it); tests/test_i18n.py asks for Chinese."""
    import os

    saved = {name: os.environ.get(name) for name in ("LC_ALL", "LC_MESSAGES", "LANG")}
    for name, value in saved.items():
        if value and value.lower().startswith("zh"):
            os.environ[name] = "C.UTF-8"
    yield
    for name, value in saved.items():
        if value is not None:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Every test starts and ends in English, whatever a test before it asked for."""
    from toygan_tui.ui.i18n import use

    use("en")
    yield
    use("en")
