"""The frames file: what the view drew at each report, append-only, readable without torch.

A torn last record (a writer killed mid-write) is ignored, a damaged one is skipped, a
resumed run drops the records past its checkpoint as it drops metrics rows, and a real run
writes one record per metrics row, small.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from clikit import quick, toygan
from snapshots import make_snapshot

from toygan_tui.core.runfiles.frames import (
    FRAMES_FILE,
    MAGIC,
    FramesTail,
    append_frame,
    encode,
    parse,
    read_frames,
    trim_frames,
    view_arrays,
    view_fields,
)
from toygan_tui.core.runfiles.rundir import read_metrics


def arrays(step: int) -> dict[str, np.ndarray]:
    return view_arrays(make_snapshot(step=step))


def write_frames(run_dir: Path, steps: list[int]) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    for step in steps:
        append_frame(run_dir, step, arrays(step))
    return run_dir / FRAMES_FILE


def test_a_frame_reads_back_as_written_in_float32(tmp_path: Path) -> None:
    path = write_frames(tmp_path, [50, 100])
    frames = read_frames(path)
    assert [f.step for f in frames] == [50, 100]
    written = arrays(100)
    for name in ("x", "curves"):
        assert frames[1].arrays[name].dtype == np.float32
        assert frames[1].arrays[name].shape == written[name].shape
        np.testing.assert_array_equal(frames[1].arrays[name], written[name].astype(np.float32))
    view = view_fields(frames[1])
    assert view is not None and view["samples"].dtype == np.float64


def test_any_named_arrays_fit_a_record() -> None:
    # Other views (2-D points, an image grid) store their own arrays in the same format.
    stored = {"points": np.arange(12.0).reshape(6, 2), "grid": np.zeros((2, 8, 8))}
    frames, used, damaged = parse(encode(7, stored))
    assert (len(frames), damaged) == (1, 0)
    assert frames[0].step == 7 and used == len(encode(7, stored))
    assert frames[0].arrays["grid"].shape == (2, 8, 8)
    np.testing.assert_array_equal(frames[0].arrays["points"], stored["points"])
    assert view_fields(frames[0]) is None  # not the curve view's arrays


def test_a_torn_last_record_is_ignored_wherever_it_was_cut(tmp_path: Path) -> None:
    path = write_frames(tmp_path, [50, 100, 150])
    whole = path.read_bytes()
    last = whole.rindex(MAGIC)
    for cut in range(last + 1, len(whole)):  # every byte the killed writer may have reached
        frames, used, _ = parse(whole[:cut])
        assert [f.step for f in frames] == [50, 100] and used <= last, cut
    path.write_bytes(whole[: last + 300])  # and as a file on disk
    assert [f.step for f in read_frames(path)] == [50, 100]


def test_a_damaged_record_is_skipped_and_the_next_one_found(tmp_path: Path) -> None:
    path = write_frames(tmp_path, [50, 100, 150])
    data = bytearray(path.read_bytes())
    second = data.index(MAGIC, 1)
    data[second + 40] ^= 0xFF  # one flipped byte in the second record's body
    frames, _, damaged = parse(bytes(data))
    assert [f.step for f in frames] == [50, 150]
    assert damaged >= 1


def test_the_tail_waits_for_a_record_being_written(tmp_path: Path) -> None:
    path = write_frames(tmp_path, [50])
    tail = FramesTail(path)
    assert [f.step for f in tail.poll()[0]] == [50]
    record = encode(100, arrays(100))
    with path.open("ab") as handle:
        handle.write(record[:30])  # half a record: not yet
    assert tail.poll() == ([], False)
    with path.open("ab") as handle:
        handle.write(record[30:])
    frames, reset = tail.poll()
    assert [f.step for f in frames] == [100] and not reset


def test_trim_keeps_the_records_up_to_the_checkpoint_and_drops_a_torn_tail(
    tmp_path: Path,
) -> None:
    path = write_frames(tmp_path, [50, 100, 150, 200])
    with path.open("ab") as handle:
        handle.write(encode(250, arrays(250))[:-7])
    assert trim_frames(tmp_path, 100) == 2
    data = path.read_bytes()
    frames, used, damaged = parse(data)
    assert [f.step for f in frames] == [50, 100]
    assert (used, damaged) == (len(data), 0)  # nothing torn is left for the next append


def test_a_failed_append_is_an_oserror(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    (tmp_path / FRAMES_FILE).symlink_to("/dev/full")
    with pytest.raises(OSError):
        append_frame(tmp_path, 50, arrays(50))


def test_a_run_writes_one_small_frame_per_report_and_resume_trims_them(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    args = quick(runs, "--name", "f", "--steps", 200, "--report-every", 50, "--save-every", 100)
    assert toygan(*args).code == 0
    run = runs / "f"
    frames = read_frames(run / FRAMES_FILE)
    assert [f.step for f in frames] == [row["step"] for row in read_metrics(run / "metrics.jsonl")]
    status = json.loads((run / "status.json").read_text())
    np.testing.assert_allclose(frames[-1].arrays["curves"], status["curves"], rtol=1e-6)
    per_report = (run / FRAMES_FILE).stat().st_size / len(frames)
    assert per_report < 1024  # 8 curves × 15 points in float32, and a little header
    # A killed run left records past its last checkpoint (step 200), one of them torn.
    with (run / FRAMES_FILE).open("ab") as handle:
        handle.write(encode(250, arrays(250)) + encode(300, arrays(300))[:100])
    assert toygan("train", "--resume", run, "--steps", 300, "--no-live").code == 0
    steps = [f.step for f in read_frames(run / FRAMES_FILE)]
    assert steps == [50, 100, 150, 200, 250, 300]
    assert steps == [row["step"] for row in read_metrics(run / "metrics.jsonl")]
    assert parse((run / FRAMES_FILE).read_bytes())[2] == 0


def test_a_report_appends_its_record_and_leaves_the_earlier_bytes_alone(tmp_path: Path) -> None:
    path = write_frames(tmp_path, [50])
    before = path.read_bytes()
    written = append_frame(tmp_path, 100, arrays(100))
    assert path.read_bytes() == before + encode(100, arrays(100))
    assert written == os.path.getsize(path) - len(before)
