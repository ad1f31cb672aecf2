"""Checkpoints a user can trust: complete, atomic, never executed, never NaN, never half.

Covers what a checkpoint holds, loading only tensors and plain types (also against a pickle
payload with TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1), atomic writes and stale temp files, a disk
that fills up mid-run, and a run that diverges.
"""

from __future__ import annotations

import errno
import json
import os
import pickle
import stat
from pathlib import Path

import pytest
import torch
from clikit import ROOT, Payload, dead_pid, disk_full, metrics_rows, quick, toygan, toygan_process

from toygan_tui import __version__
from toygan_tui.core.config import TrainConfig
from toygan_tui.core.engines.autograd.reference import ReferenceEngine
from toygan_tui.core.runfiles import atomic
from toygan_tui.core.runfiles.atomic import atomic_write, check_writable, clean_stale_temps
from toygan_tui.core.training.checkpoint import (
    CheckpointError,
    read_checkpoint,
    restore_state,
    save_bytes,
)
from toygan_tui.core.training.state import TrainState, new_state

CPU = torch.device("cpu")


def trained_state(steps: int = 30) -> TrainState:
    state = new_state(TrainConfig(device="cpu", seed=2), CPU)
    ReferenceEngine(state).run(steps)
    return state


# -- what a checkpoint holds -------------------------------------------------------------------


def test_a_checkpoint_holds_versions_plain_config_and_every_training_stream(tmp_path: Path) -> None:
    path = tmp_path / "c.pt"
    atomic_write(path, save_bytes(trained_state(), "r1"))
    data = read_checkpoint(path)

    assert (data["toygan_version"], data["torch_version"]) == (__version__, torch.__version__)
    assert data["run_id"] == "r1" and data["step"] == 30
    assert json.loads(json.dumps(data["config"])) == data["config"]  # plain types only
    assert set(data["rng"]) == {"device_type", "noise", "data_numpy"}
    assert set(data["opt_G"]["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}


def test_a_restored_state_takes_the_same_next_steps_as_the_original(tmp_path: Path) -> None:
    original = trained_state()
    path = tmp_path / "c.pt"
    atomic_write(path, save_bytes(original))
    restored = restore_state(path, original.cfg, CPU)

    a, b = ReferenceEngine(original).run(20), ReferenceEngine(restored).run(20)

    assert torch.equal(a, b)
    for p, q in zip(original.G.parameters(), restored.G.parameters(), strict=True):
        assert torch.equal(p, q)


# -- loading never runs code -------------------------------------------------------------------


def payload_files(tmp_path: Path) -> dict[str, tuple[Path, Path]]:
    """(file to load, file its payload would create), as torch's zip format and raw pickle."""
    files = {}
    for kind in ("torch", "pickle"):
        target = tmp_path / f"pwned-{kind}"
        path = tmp_path / f"evil-{kind}.pt"
        if kind == "torch":
            torch.save({"format": "toygan-checkpoint", "G": Payload(target)}, path)
        else:
            path.write_bytes(pickle.dumps(Payload(target)))
        files[kind] = (path, target)
    return files


def test_the_payload_is_live_when_unpickled_plainly(tmp_path: Path) -> None:
    # Guards the tests below: the payload really would run if anything unpickled it.
    path, target = payload_files(tmp_path)["pickle"]
    pickle.loads(path.read_bytes()).close()
    assert target.exists()


@pytest.mark.parametrize("kind", ["torch", "pickle"])
@pytest.mark.parametrize("force", [None, "1"])
def test_a_pickle_payload_never_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, force: str | None
) -> None:
    if force:
        monkeypatch.setenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", force)
    path, target = payload_files(tmp_path)[kind]

    with pytest.raises(CheckpointError, match="not a toygan checkpoint"):
        read_checkpoint(path)

    assert not target.exists()
    assert os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD") == force  # left as it was


@pytest.mark.slow
def test_sample_refuses_a_payload_in_a_fresh_process_with_the_unsafe_variable_set(
    tmp_path: Path,
) -> None:
    path, target = payload_files(tmp_path)["torch"]
    env = {**os.environ, "TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"}

    result = toygan_process("sample", "--ckpt", path, "--format", "json", env=env)

    assert result.code == 2
    assert result.err.startswith(f"toygan: error: {path}: not a toygan checkpoint")
    assert "Traceback" not in result.err
    assert not target.exists()


# -- atomic writes and what a killed writer leaves -----------------------------------------------


def test_atomic_write_leaves_the_old_file_whole_when_the_write_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "last.pt"
    atomic_write(path, b"old")
    monkeypatch.setattr(atomic.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        atomic_write(path, b"new" * 1000)

    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["last.pt"]


def test_atomic_write_makes_files_as_readable_as_the_umask_allows(tmp_path: Path) -> None:
    path = tmp_path / "ckpt.pt"
    atomic_write(path, b"x")
    mask = os.umask(0o022)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_stale_temp_files_of_a_dead_writer_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    dead = dead_pid()
    stale = [tmp_path / f".last.pt.{dead}.x1y2.tmp", tmp_path / f".ckpt.pt.{dead}.ab_c.tmp"]
    live = [tmp_path / f".last.pt.{os.getpid()}.zz.tmp", tmp_path / ".ckpt.pt.1.qq.tmp"]
    other = [tmp_path / "notes.tmp", tmp_path / "last.pt", tmp_path / ".last.pt.tmp"]
    for path in stale + live + other:
        path.write_bytes(b"half")

    removed = clean_stale_temps(tmp_path)

    assert sorted(removed) == sorted(stale)
    assert all(p.exists() for p in live + other)


def test_a_new_run_cleans_what_a_killed_writer_left(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    runs.mkdir()
    stale = runs / f".last.pt.{dead_pid()}.k1ll.tmp"
    stale.write_bytes(b"half a checkpoint")

    assert toygan(*quick(runs, "--steps", 20, "--report-every", 10)).code == 0
    assert not stale.exists()
    assert not list(runs.rglob("*.tmp"))


def test_check_writable_reports_a_path_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "runs").write_text("not a directory")
    with pytest.raises(NotADirectoryError):
        check_writable(tmp_path / "runs", 100)
    check_writable(tmp_path / "fresh" / "runs", 100)
    assert os.listdir(tmp_path / "fresh" / "runs") == []


# -- a disk that fills up mid-run -------------------------------------------------------------


class FillingDisk:
    """Writing a file's data fails with ENOSPC from the `start`-th file synced to the
    `stop`-th (None: for ever). A run's start syncs 4 files (probe, config, ckpt, last),
    then 2 per save (1 when the run's ckpt.pt fails: last.pt is then left alone). best.pt and
    best.json are written by their own thread whenever a report is better (keeper.py): their
    syncs are not counted, or the count would depend on the thread's timing."""

    def __init__(self, start: int, stop: int | None = None) -> None:
        self.calls, self.start, self.stop = 0, start, stop
        self.real = os.fsync

    def __call__(self, fd: int) -> None:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return self.real(fd)  # a directory: only the rename's durability
        if _file_name(fd).startswith(".best."):
            return self.real(fd)  # best.pt's temp file, or best.json's
        self.calls += 1
        if self.calls >= self.start and (self.stop is None or self.calls < self.stop):
            raise OSError(errno.ENOSPC, "No space left on device")
        self.real(fd)


def _file_name(fd: int) -> str:
    """The name of the file open as `fd` (Linux's /proc; "" where there is none to read)."""
    try:
        return os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        return ""


def test_a_full_disk_mid_run_is_reported_training_goes_on_and_last_pt_stays_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = tmp_path / "runs"
    monkeypatch.setattr(atomic.os, "fsync", FillingDisk(start=7, stop=9))  # saves 80 and 120
    result = toygan(*quick(runs, "--name", "a", "--steps", 200, "--save-every", 40))

    assert result.code == 0, result.err
    assert "toygan: warning: could not save" in result.err
    assert "No space left on device" in result.err
    assert read_checkpoint(runs / "last.pt")["step"] == 200  # retried, and made it at the end
    assert not list(runs.rglob("*.tmp"))


def test_a_final_save_that_fails_exits_1_naming_the_last_good_checkpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = tmp_path / "runs"
    monkeypatch.setattr(atomic.os, "fsync", FillingDisk(start=7))  # from the save at 80 on
    result = toygan(*quick(runs, "--name", "a", "--steps", 100, "--save-every", 40))

    assert result.code == 1
    assert "could not save the checkpoint at step 100 (No space left on device)" in result.err
    assert f"the last good checkpoint is {runs / 'a' / 'ckpt.pt'} (step 40)" in result.err
    assert read_checkpoint(runs / "last.pt")["step"] == 40
    assert read_checkpoint(runs / "a" / "ckpt.pt")["step"] == 40
    assert not list(runs.rglob("*.tmp"))


# -- divergence -----------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ["reference", "auto"])
def test_a_diverging_run_stops_exits_1_and_keeps_the_last_good_checkpoint(
    tmp_path: Path, engine: str
) -> None:
    runs = tmp_path / "runs"
    huge = ["--lr-g", "1e12", "--lr-d", "1e12"]
    every = ["--report-every", 10, "--save-every", 10]
    result = toygan(*quick(runs, "--name", "a", "--steps", 200, *huge, *every, "--engine", engine))

    assert result.code == 1
    assert "training diverged at step 10 (d_loss is not finite)" in result.err
    assert f"last good checkpoint is {runs / 'a' / 'ckpt.pt'} (step 0)" in result.err
    assert read_checkpoint(runs / "a" / "ckpt.pt")["step"] == 0
    rows = metrics_rows(runs / "a")
    assert [r["step"] for r in rows] == [10] and rows[0]["d_loss"] is None  # kept, as null
    assert toygan("plot", runs / "a").code == 0  # the history still draws


def test_parameters_gone_bad_between_reports_are_never_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = ReferenceEngine.run

    def poisoned(self: ReferenceEngine, n: int) -> torch.Tensor:
        stats = run(self, n)
        if self.state.step > 130:
            with torch.no_grad():
                next(self.state.G.parameters())[0, 0] = float("nan")
        return stats

    monkeypatch.setattr(ReferenceEngine, "run", poisoned)
    runs = tmp_path / "runs"
    result = toygan(*quick(runs, "--name", "a", "--steps", 300, "--engine", "reference",
                           "--report-every", 50, "--save-every", 20))  # fmt: skip

    assert result.code == 1
    assert "diverged at step 140 (parameters are not finite)" in result.err
    assert "(step 120)" in result.err
    assert read_checkpoint(runs / "last.pt")["step"] == 120
    assert str(ROOT) not in result.err  # one line for the user, no traceback
