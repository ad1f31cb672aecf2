"""What a run's files say about it: status.json as the trainer writes it, and the state a viewer
reads back (running / finished / interrupted / diverged / stalled), from any run directory."""

from __future__ import annotations

import errno
import json
import math
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from snapshots import make_snapshot
from watchkit import dead_pid, edit_status, make_run

from toygan_tui.core.runfiles import status as status_module
from toygan_tui.core.runfiles.follow import MetricsTail, RunFollower
from toygan_tui.core.runfiles.process import process_alive, process_start
from toygan_tui.core.runfiles.runinfo import find_run, list_run_infos, run_info
from toygan_tui.core.runfiles.status import (
    STATUS_FILE,
    StatusWriter,
    read_status,
    snapshot_from_status,
)

# -- the writer ---------------------------------------------------------------------------------


def test_status_holds_what_the_dashboard_draws(tmp_path: Path) -> None:
    writer = StatusWriter(tmp_path, "r1", 1000, 0, "cpu")
    snap = make_snapshot(step=300, total=1000, run_id="r1")
    writer.report(snap)
    data = read_status(tmp_path / STATUS_FILE).data
    assert data is not None
    assert (data["state"], data["step"], data["pid"]) == ("running", 300, os.getpid())
    assert data["host"] == socket.gethostname()
    umask = os.umask(0o022)
    os.umask(umask)
    assert (tmp_path / STATUS_FILE).stat().st_mode & 0o777 == 0o666 & ~umask  # others may watch
    back = snapshot_from_status(data)
    assert back is not None
    np.testing.assert_allclose(back.samples, snap.samples)
    np.testing.assert_allclose(back.x, snap.x)
    assert (back.step, back.total, back.stats["d_real"], back.quality) == (
        300,
        1000,
        snap.stats["d_real"],
        snap.quality,
    )
    assert (back.steps_per_s, back.engine, back.run_id) == (snap.steps_per_s, "fast", "r1")


def test_reports_are_written_at_most_four_times_a_second_but_the_end_always(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [100.0]
    monkeypatch.setattr(status_module.time, "monotonic", lambda: now[0])
    writer = StatusWriter(tmp_path, "r1", 1000, 0, "cpu")

    def written_step() -> int:
        return json.loads((tmp_path / STATUS_FILE).read_text())["step"]

    writer.report(make_snapshot(step=10, total=1000))
    assert written_step() == 10  # the first report at once
    now[0] += 0.1
    writer.report(make_snapshot(step=20, total=1000))
    assert written_step() == 10  # 0.1 s later: skipped
    now[0] += 0.2
    writer.report(make_snapshot(step=30, total=1000))
    assert written_step() == 30
    now[0] += 0.01
    writer.report(make_snapshot(step=40, total=1000))
    writer.end(40)
    data = json.loads((tmp_path / STATUS_FILE).read_text())
    assert (data["step"], data["state"]) == (40, "interrupted")


@pytest.mark.parametrize(
    ("step", "d_loss", "state"),
    [(1000, 1.38, "finished"), (400, 1.38, "interrupted"), (400, math.nan, "diverged")],
)
def test_the_final_state_says_how_the_run_ended(
    tmp_path: Path, step: int, d_loss: float, state: str
) -> None:
    writer = StatusWriter(tmp_path, "r1", 1000, 0, "cpu")
    writer.report(make_snapshot(step=step, total=1000, d_loss=d_loss))
    writer.end(step)
    data = read_status(tmp_path / STATUS_FILE).data
    assert data is not None and data["state"] == state
    assert run_info(tmp_path).status == state


def test_non_finite_numbers_are_written_as_valid_json(tmp_path: Path) -> None:
    writer = StatusWriter(tmp_path, "r1", 1000, 0, "cpu")
    curves = make_snapshot().samples.copy()
    curves[0, 3] = np.inf
    writer.report(make_snapshot(d_loss=math.nan, samples=curves))
    data = json.loads((tmp_path / STATUS_FILE).read_text())  # strict JSON: no NaN tokens
    assert data["metrics"]["d_loss"] is None and data["curves"][0][3] is None
    back = snapshot_from_status(data)
    assert back is not None and math.isnan(back.stats["d_loss"]) and math.isnan(back.samples[0, 3])


def test_a_resumed_run_keeps_its_start_time(tmp_path: Path) -> None:
    StatusWriter(tmp_path, "r1", 1000, 0, "cpu").end(200)
    first = json.loads((tmp_path / STATUS_FILE).read_text())["started"]
    time.sleep(0.01)
    StatusWriter(tmp_path, "r1", 1000, 200, "cpu")
    assert json.loads((tmp_path / STATUS_FILE).read_text())["started"] == first


def test_a_full_disk_does_not_stop_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = StatusWriter(tmp_path, "r1", 1000, 0, "cpu")

    def disk_full(path: Path, payload: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(status_module, "write_status_file", disk_full)
    writer.report(make_snapshot())  # cannot write: no exception
    writer.end(1000)
    assert read_status(tmp_path / STATUS_FILE).data["step"] == 0  # the last write that worked


# -- reading a run's state ----------------------------------------------------------------------


def test_a_run_whose_process_is_gone_reads_interrupted(tmp_path: Path) -> None:
    run = make_run(tmp_path, "r1", [50, 100])
    assert run_info(run).status == "running"  # this process wrote it and is alive
    edit_status(run, pid=dead_pid())
    info = run_info(run)
    assert (info.status, info.step) == ("interrupted", 100)
    assert "gone" in info.note


def test_a_reused_pid_is_not_the_run(tmp_path: Path) -> None:
    run = make_run(tmp_path, "r1", [50])
    assert process_start(os.getpid()) is not None
    edit_status(run, pid_start=process_start(os.getpid()) - 1)  # same pid, another process
    assert run_info(run).status == "interrupted"


def test_a_zombie_is_not_alive() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # it exits; still not reaped
        assert not process_alive(child.pid)
    finally:
        child.wait()
    assert process_alive(os.getpid(), process_start(os.getpid()))


def test_a_silent_run_reads_stalled_even_with_its_process_alive(tmp_path: Path) -> None:
    run = make_run(tmp_path, "r1", [50])
    later = time.time() + 3600
    info = run_info(run, now=later)
    assert info.status == "stalled" and "no update since" in info.note
    edit_status(run, host="another-machine", pid=dead_pid())  # a pid there means nothing here
    assert run_info(run).status == "running"
    assert run_info(run, now=later).status == "stalled"


@pytest.mark.parametrize(
    ("steps_per_s", "limit"),
    [(884.0, 60.0), (5.0, 100.0)],  # 10 reports of 50 steps: 0.6 s, or 100 s at 5 steps/s
    ids=["a-minute", "ten-reports"],
)
def test_stalled_means_silent_for_over_a_minute_or_ten_report_intervals(
    tmp_path: Path, steps_per_s: float, limit: float
) -> None:
    run = make_run(tmp_path, "r1", [50], steps_per_s=steps_per_s)  # report_every 50, alive
    updated = (run / STATUS_FILE).stat().st_mtime
    assert run_info(run, now=updated + limit - 1).status == "running"
    assert run_info(run, now=updated + limit).status == "running"
    info = run_info(run, now=updated + limit + 1)
    assert info.status == "stalled"
    assert info.note == time.strftime("no update since %H:%M:%S", time.localtime(updated))


def test_a_run_from_before_status_json_is_judged_from_its_metrics(tmp_path: Path) -> None:
    done = make_run(tmp_path, "done", [500, 1000], total=1000, status=False)
    cut = make_run(tmp_path, "cut", [500], total=1000, status=False)
    nan = make_run(tmp_path, "nan", [500], total=1000, status=False, g_loss=math.nan)
    assert run_info(done).status == "finished"
    assert run_info(cut).status == "running"  # written just now
    assert run_info(cut, now=time.time() + 3600).status == "interrupted"
    assert run_info(nan, now=time.time() + 3600).status == "diverged"
    assert run_info(done).last["step"] == 1000 and run_info(done).device == "cpu"


@pytest.mark.parametrize("damage", ["", "{", '{"format": "toygan-status", "version": 99}', "[1]"])
def test_a_damaged_status_json_falls_back_to_the_metrics(tmp_path: Path, damage: str) -> None:
    run = make_run(tmp_path, "r1", [500, 1000], total=1000, end="finished")
    (run / STATUS_FILE).write_text(damage)
    info = run_info(run)
    assert (info.status, info.step) == ("finished", 1000)
    assert info.note  # says why
    update = RunFollower(run).poll()
    assert update.snapshot is not None and update.snapshot.step == 1000
    assert "status.json" in update.snapshot.extra["note"]


def test_runs_are_listed_newest_first_and_found_by_id_or_path(tmp_path: Path) -> None:
    old = make_run(tmp_path, "old", [10])
    new = make_run(tmp_path, "new", [10])
    now = time.time()  # by start time, not by name ("old" sorts after "new")
    edit_status(old, started=now - 60)
    edit_status(new, started=now)
    (tmp_path / "not-a-run").mkdir()
    assert [i.run_id for i in list_run_infos(tmp_path)] == ["new", "old"]
    assert find_run(None, tmp_path) == new
    assert find_run(Path("old"), tmp_path) == old
    assert find_run(old, tmp_path) == old
    with pytest.raises(ValueError, match="no such run"):
        find_run(Path("not-a-run"), tmp_path)


# -- following the metrics file -----------------------------------------------------------------


def test_the_tail_waits_for_a_half_written_line_and_skips_damaged_ones(tmp_path: Path) -> None:
    path = tmp_path / "metrics.jsonl"
    tail = MetricsTail(path)
    assert tail.poll() == ([], False)  # no file yet
    path.write_text('{"step": 1}\n{"step": 2, "d_lo')
    rows, reset = tail.poll()
    assert [r["step"] for r in rows] == [1] and not reset
    with path.open("a") as handle:
        handle.write('ss": 1.0}\nnot json\n\x00\x00\n{"step": 3}\n')
    rows, reset = tail.poll()
    assert [r["step"] for r in rows] == [2, 3]
    assert tail.damaged == 2
    assert tail.poll() == ([], False)  # nothing new


def test_the_tail_starts_over_when_the_file_is_replaced_or_truncated(tmp_path: Path) -> None:
    path = tmp_path / "metrics.jsonl"
    path.write_text('{"step": 1}\n{"step": 2}\n')
    tail = MetricsTail(path)
    assert len(tail.poll()[0]) == 2
    path.write_text('{"step": 9}\n')  # shorter: truncated and rewritten
    rows, reset = tail.poll()
    assert reset and [r["step"] for r in rows] == [9]


def test_the_follower_reports_a_change_only_when_there_is_one(tmp_path: Path) -> None:
    run = make_run(tmp_path, "r1", [50])
    follower = RunFollower(run)
    first = follower.poll()
    assert first.changed and [r["step"] for r in first.rows] == [50]
    assert first.snapshot is not None and first.snapshot.extra["status"] == "running"
    assert not follower.poll().changed
    edit_status(run, pid=dead_pid())
    update = follower.poll()
    assert update.changed and update.info.status == "interrupted"
    assert update.snapshot is not None and update.snapshot.extra["status"] == "interrupted"
