"""Checkpoints written behind the training: one write at a time, counted once on the disk,
failures heard on the training thread."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from toygan_tui.core.runfiles import saving as saver
from toygan_tui.core.runfiles.saving import CheckpointWriter, write_run


class HeldDisk:
    """atomic_write that waits for `release` before writing, and records what it wrote."""

    def __init__(self, fail: Path | None = None) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.written: list[tuple[str, bytes]] = []
        self.fail = fail

    def __call__(self, path: Path, data: bytes) -> None:
        self.entered.set()
        assert self.release.wait(30)
        if path == self.fail:
            raise OSError(28, "No space left on device")
        self.written.append((path.name, data))


def test_a_checkpoint_counts_only_once_written_and_writes_never_overlap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = HeldDisk()
    monkeypatch.setattr(saver, "atomic_write", disk)
    writer = CheckpointWriter(write_run(tmp_path / "last.pt"), on_error=print)
    writer.submit(100, [(tmp_path, b"a")])
    assert disk.entered.wait(30)
    assert writer.saved_step == -1 and disk.written == []  # in flight: not counted yet
    second = threading.Thread(target=writer.submit, args=(200, [(tmp_path, b"b")]))
    second.start()
    second.join(0.2)
    assert second.is_alive()  # the next save waits for the write in flight
    disk.release.set()
    second.join(30)
    writer.wait()
    assert writer.saved_step == 200
    assert disk.written == [
        ("ckpt.pt", b"a"),
        ("last.pt", b"a"),
        ("ckpt.pt", b"b"),
        ("last.pt", b"b"),
    ]


def test_a_failed_write_is_heard_on_wait_and_leaves_the_last_good_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = HeldDisk(fail=tmp_path / "ckpt.pt")
    disk.release.set()
    monkeypatch.setattr(saver, "atomic_write", disk)
    heard: list[tuple[str, int, str]] = []
    writer = CheckpointWriter(
        write_run(tmp_path / "last.pt"),
        on_error=lambda path, step, exc: heard.append((path.name, step, exc.strerror)),
    )
    writer.saved_step = 50
    writer.submit(100, [(tmp_path, b"a")])
    writer.wait()
    assert heard == [("ckpt.pt", 100, "No space left on device")]
    assert writer.saved_step == 50 and disk.written == []  # last.pt is not written past it
    writer.wait()
    assert len(heard) == 1  # heard once


def test_the_files_are_really_written(tmp_path: Path) -> None:
    writer = CheckpointWriter(write_run(tmp_path / "last.pt"), on_error=print)
    writer.submit(7, [(tmp_path, b"payload")])
    writer.wait()
    assert (tmp_path / "ckpt.pt").read_bytes() == (tmp_path / "last.pt").read_bytes() == b"payload"
    assert writer.saved_step == 7
