"""A report's write that fails mid-way (a full disk) is cut off, reported, and training goes
on (README: the run's files): metrics.jsonl and frames keep only whole records, the failed
report's row (or frame) is missing, every later one is there, and the run ends as usual."""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from clikit import metrics_rows, quick, toygan

from toygan_tui.core.runfiles import atomic, frames

STEPS = [20, 40, 60, 80]  # the run's reports; step 40's write fails


class FailsAtStep40:
    """A file whose write of step 40's report puts half its bytes on the disk, then fails as a
    full disk does; every other write, and everything else, is the real file's."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle

    def write(self, data: Any) -> int:
        text = data.decode("latin-1") if isinstance(data, bytes) else data
        if not re.search(r'"step": ?40\b', text):
            return int(self.handle.write(data))
        self.handle.write(data[: len(data) // 2])
        self.handle.flush()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)

    def __enter__(self) -> FailsAtStep40:
        return self

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


def failing(opener: Callable[..., Any], name: str) -> Callable[..., Any]:
    """`opener` (open) giving FailsAtStep40 files for a file called `name`."""

    def open_(file: Any, *args: Any, **kwargs: Any) -> Any:
        handle = opener(file, *args, **kwargs)
        return FailsAtStep40(handle) if Path(file).name == name else handle

    return open_


@pytest.mark.parametrize("name", ["metrics.jsonl", "frames"])
def test_a_failed_report_write_is_cut_off_reported_and_training_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # both logs append through runfiles/atomic.py's append_whole, which calls open()
    monkeypatch.setattr(atomic, "open", failing(open, name), raising=False)
    runs = tmp_path / "runs"
    result = toygan(*quick(runs, "--name", "r", "--steps", 80, "--report-every", 20))
    assert result.code == 0, result.err
    assert "done at step 80/80" in result.out  # training went on to its end
    warned = [line for line in result.err.splitlines() if "could not append to" in line]
    assert len(warned) == 1 and "No space left on device" in warned[0], result.err
    lost = {"metrics.jsonl": [40], "frames": []}[name]
    assert [row["step"] for row in metrics_rows(runs / "r")] == [s for s in STEPS if s not in lost]
    kept = frames.read_frames(runs / "r" / "frames")
    lost = {"metrics.jsonl": [], "frames": [40]}[name]
    assert [frame.step for frame in kept] == [s for s in STEPS if s not in lost]
    whole = sum(len(frames.encode(frame.step, frame.arrays)) for frame in kept)
    assert (runs / "r" / "frames").stat().st_size == whole  # no torn record left between
