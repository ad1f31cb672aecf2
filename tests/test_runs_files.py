"""metrics.jsonl rows: one parser for every reader (plot, watch, runs, resume), and a row read
back into a Snapshot is the Snapshot that wrote it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from snapshots import make_snapshot

from toygan_tui.core.runfiles.catalog import run_kind
from toygan_tui.core.runfiles.rundir import parse_row, read_metrics
from toygan_tui.core.runfiles.runinfo import last_row
from toygan_tui.core.runfiles.snapshot import Snapshot

GOOD = '{"step": 50, "d_loss": 1.38, "g_loss": null, "in_bounds": 0.9}'


@pytest.mark.parametrize(
    "line",
    [
        '{"step": 50, "d_loss": 1.3',  # half written
        "[1, 2, 3]",  # not an object
        '{"d_loss": 1.38}',  # no step
        '{"step": true, "d_loss": 1.38}',  # a bool is no step
        '{"step": 5.0, "d_loss": 1.38}',  # nor is a float
        '{"step": 50, "d_loss": "1.38"}',  # a value that is no number
        '{"step": 50, "d_loss": false}',
        b"\xff\xfe",  # not UTF-8
    ],
)
def test_a_damaged_line_is_no_row(line: str | bytes) -> None:
    assert parse_row(line) is None


def test_readers_keep_the_good_rows_and_skip_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "metrics.jsonl"
    path.write_text(GOOD + '\n{"step": 60, "d_loss": "x"}\n' + GOOD.replace("50", "70") + "\n{")
    assert [row["step"] for row in read_metrics(path)] == [50, 70]
    assert last_row(path)["step"] == 70
    assert parse_row(GOOD) == json.loads(GOOD)


def test_a_row_read_back_is_the_snapshot_that_wrote_it() -> None:
    snap = make_snapshot(step=300, total=1000)
    names = run_kind().names
    back = Snapshot.from_row(snap.metrics_row(), names, total=1000, samples=snap.samples, x=snap.x)
    assert back.metrics_row() == snap.metrics_row()
    nulls = Snapshot.from_row(
        {"step": 1, "d_loss": None}, names, total=1, samples=snap.samples, x=snap.x
    )
    assert math.isnan(nulls.stats["d_loss"]) and math.isnan(nulls.quality["a_w1"])
    with pytest.raises(TypeError):
        Snapshot.from_row(
            {"step": 1, "d_loss": "1.2"}, names, total=1, samples=snap.samples, x=snap.x
        )
