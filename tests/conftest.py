"""Shared by every test: one environment whatever the caller's shell holds, and torch on one
thread, as `toygan train` runs it (--threads 1).

A model this small runs fastest and steadiest on one thread; two OpenMP threads on a busy
2-core machine spin against each other and crawl.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

# What the terminal libraries (rich, plotext, shutil), Python's encodings and torchrun read
# from the environment: none of it may come from the shell pytest was started in. Without
# COLUMNS and LINES an in-process command (its output captured, so no terminal) draws at rich's
# 80 × 25, and a child in a pseudo-terminal reads the size of its pty; a test that wants
# another size, colour or TERM sets it for its own child.
UNSET = (
    "COLUMNS", "LINES", "JUPYTER_COLUMNS", "JUPYTER_LINES",
    "NO_COLOR", "FORCE_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "COLORTERM",
    "TTY_COMPATIBLE", "TTY_INTERACTIVE",
    "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "PYTHONIOENCODING",
    "PYTHONWARNINGS",
    "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK", "ROLE_RANK",
    "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RUN_ID",
    "TOYGAN_CACHE_DIR", "XDG_CACHE_HOME",
)  # fmt: skip
PINNED = {
    "TERM": "xterm-256color",  # a child on a pty is a colour terminal unless its test says not
    "PYTHONUTF8": "1",  # UTF-8 stdio and files in every child, whatever the locale
    "TZ": "UTC",  # the runs table's start times
}


# A shell that starts pytest in the background (`cmd &` in a script, nohup) leaves SIGINT,
# SIGQUIT or SIGHUP ignored, and every child would inherit that: the Ctrl-C and hang-up tests
# would wait for exits that never come. The tests start from the defaults, as a terminal's do.
DEFAULT_HANDLERS = {
    "SIGINT": signal.default_int_handler, "SIGQUIT": signal.SIG_DFL, "SIGHUP": signal.SIG_DFL,
    "SIGTERM": signal.SIG_DFL, "SIGTSTP": signal.SIG_DFL, "SIGTTIN": signal.SIG_DFL,
    "SIGTTOU": signal.SIG_DFL,
}  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    """Before collection, so module-level code sees the pinned environment too."""
    for name in UNSET:
        os.environ.pop(name, None)
    os.environ.update(PINNED)
    if hasattr(time, "tzset"):
        time.tzset()
    for name, handler in DEFAULT_HANDLERS.items():
        signum = getattr(signal, name, None)  # not every one exists on every platform
        if signum is not None and signal.getsignal(signum) == signal.SIG_IGN:
            signal.signal(signum, handler)


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True, scope="session")
def fresh_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A cache of this session's own (the digits classifier is trained once per session, in
    every CLI subprocess too): no test reads a user's cache, stale or not."""
    cache = tmp_path_factory.mktemp("cache")
    os.environ["TOYGAN_CACHE_DIR"] = str(cache)
    yield cache
    del os.environ["TOYGAN_CACHE_DIR"]


@pytest.fixture
def no_tf32(monkeypatch: pytest.MonkeyPatch) -> None:
    """Full float32 matmuls on a GPU: TF32 (a user may turn it on) moves results by ~1e-3."""
    monkeypatch.setattr(torch.backends.cuda.matmul, "allow_tf32", False)
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)


@pytest.fixture(scope="session")
def digits_classifier(fresh_cache: Path) -> Path:
    """The digits classifier, trained once for the session and cached in its cache: the path
    of the cached file. Tests of the image problems that measure digits ask for it, so none
    depends on an earlier test having trained it (and CLI children find it cached)."""
    from toygan_tui.core.problems import digit_measures

    digit_measures.classifier()
    path = digit_measures.cache_file()
    assert path.exists()
    return path


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
