"""Follow a run from its files: what changed since the last look, as Snapshots and metric rows.

Read-only and cheap enough to poll a few times a second: status.json is small, and
metrics.jsonl is read incrementally from where the last poll stopped. A half-written last line
waits for its newline; a damaged line is counted and skipped. Pure stdlib + numpy (no torch).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from toygan_tui.core.errors import InputError
from toygan_tui.core.runfiles.catalog import RunKind, run_kind
from toygan_tui.core.runfiles.diagnosis import Recent
from toygan_tui.core.runfiles.rundir import METRICS_FILE, parse_row
from toygan_tui.core.runfiles.runinfo import RunInfo, run_info
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.runfiles.status import STATUS_FILE, read_status, snapshot_from_status
from toygan_tui.core.runfiles.tail import FileTail


class MetricsTail(FileTail):
    """The complete rows appended to a metrics.jsonl since the previous poll."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.partial = b""  # the start of a line whose end has not been written yet
        self.damaged = 0  # lines that were not a metrics row

    def restart(self) -> None:
        self.partial, self.damaged = b"", 0

    def poll(self) -> tuple[list[dict[str, Any]], bool]:
        """(new rows, reset): reset means the file was replaced or shortened, so the rows are
        the whole file again and anything kept from before should be dropped."""
        data, reset = self.read_new()
        if not data:
            return [], reset
        self.offset += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        return [row for row in map(self._parse, lines) if row is not None], reset

    def _parse(self, line: bytes) -> dict[str, Any] | None:
        if not line.strip():
            return None
        row = parse_row(line)
        self.damaged += row is None
        return row


@dataclass
class Update:
    """One look at a run: its state, the frame to show, the metric rows that arrived."""

    info: RunInfo
    snapshot: Snapshot | None  # None before the first report
    rows: list[dict[str, Any]] = field(default_factory=list)
    reset: bool = False  # drop the history kept so far: rows holds the whole file again
    changed: bool = True  # anything a viewer shows differs from the previous look


class RunFollower:
    """Polls one run directory; each poll says what a viewer needs to redraw, if anything."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.tail = MetricsTail(self.path / METRICS_FILE)
        self.seen: tuple[Any, ...] | None = None
        self.last_row: dict[str, Any] = {}
        self.recent = Recent(None)  # the latest rows, for the diagnosis

    def poll(self) -> Update:
        rows, reset = self.tail.poll()
        if rows:
            self.last_row = rows[-1]
        status = read_status(self.path / STATUS_FILE)
        info = run_info(self.path, status=status)
        self.recent.kind = _kind(info)
        if reset:
            self.recent.clear()
        self.recent.extend(rows)
        extra = {"status": info.status}
        note = "; ".join(n for n in (info.note, status.problem, self._damage()) if n)
        if note:
            extra["note"] = note
        snap = None
        if status.data is not None:
            snap = snapshot_from_status(status.data, extra)
        if snap is None and self.last_row:
            snap = snapshot_from_row(self.last_row, info, extra)
        if snap is not None:
            snap = dataclasses.replace(snap, diagnosis=self.recent.diagnosis())
        key = (info.status, info.step, info.updated if snap is not None else None, note)
        changed = key != self.seen or bool(rows) or reset
        self.seen = key
        return Update(info, snap, rows, reset, changed)

    def _damage(self) -> str:
        n = self.tail.damaged
        return f"{n} damaged line{'s' if n != 1 else ''} in {METRICS_FILE} skipped" if n else ""


def _kind(info: RunInfo) -> RunKind | None:
    try:
        return run_kind(info.problem, info.loss)
    except InputError:  # a run of a kind this toygan does not know: no diagnosis
        return None


def snapshot_from_row(row: dict[str, Any], info: RunInfo, extra: dict[str, str]) -> Snapshot:
    """A Snapshot from a metrics row alone (no samples): for runs without a usable status.json.
    InputError if the run's problem or loss is one this toygan does not know."""
    kind = run_kind(info.problem, info.loss)
    return Snapshot.from_row(
        row,
        kind.names,
        total=info.total,
        samples=np.empty((0, *kind.problem.sample_shape)),
        x=kind.problem.x,
        problem=info.problem,
        loss=info.loss,
        pack=info.pack,
        run_id=info.run_id,
        device=info.device,
        engine=info.engine,
        extra=dict(extra),
    )
