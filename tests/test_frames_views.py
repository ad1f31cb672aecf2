"""A report's picture survives the frames file for every view: curves with their classes, and
2-D points with D's heatmap (what replay draws)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from snapshots import make_snapshot

from toygan_tui.core.runfiles.frames import append_frame, read_frames, view_arrays, view_fields
from toygan_tui.core.runfiles.snapshot import Snapshot


def round_trip(tmp_path: Path, snap: Snapshot) -> dict[str, Any] | None:
    append_frame(tmp_path, snap.step, view_arrays(snap))
    (frame,) = read_frames(tmp_path / "frames")
    return view_fields(frame)


def test_points_and_heat_come_back(tmp_path: Path) -> None:
    points = np.random.RandomState(0).normal(size=(500, 2))
    heat = np.linspace(0, 1, 1600).reshape(40, 40)
    snap = make_snapshot(problem="ring", samples=points, x=np.empty(0), heat=heat)
    back = round_trip(tmp_path, snap)
    assert back is not None and back["samples"].shape == (500, 2) and len(back["x"]) == 0
    np.testing.assert_allclose(back["samples"], points, rtol=1e-6)
    np.testing.assert_allclose(back["heat"], heat, rtol=1e-6)
    assert "labels" not in back


def test_curves_keep_their_classes(tmp_path: Path) -> None:
    snap = make_snapshot(problem="cond-curves", labels=np.array([0, 1] * 4))
    back = round_trip(tmp_path, snap)
    assert back is not None and back["labels"].tolist() == [0, 1] * 4
    assert back["samples"].shape == (8, 15) and "heat" not in back
