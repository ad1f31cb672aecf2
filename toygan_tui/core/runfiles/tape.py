"""A run's reports as it stored them, for `toygan replay`: metrics rows and the frames beside
them, read incrementally so a replay of a running run grows as the run reports, and what the
keys changed (events.jsonl): the learning rates in force at each report, and the events since
the report before.

Read-only and torch-free (stdlib + numpy), like every reader of runs/.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from toygan_tui.core.runfiles.catalog import run_kind
from toygan_tui.core.runfiles.diagnosis import WINDOW, diagnose
from toygan_tui.core.runfiles.events import Event, learning_rates, read_events
from toygan_tui.core.runfiles.follow import MetricsTail
from toygan_tui.core.runfiles.frames import FRAMES_FILE, Frame, FramesTail, view_fields
from toygan_tui.core.runfiles.rundir import CONFIG_FILE, METRICS_FILE
from toygan_tui.core.runfiles.runinfo import RunInfo, run_info
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.runfiles.sweeps import member_dir, member_run_id, rows_of

NO_FRAMES = "no frames stored (a run from an older toygan): numbers and history only"
# parse() counts damaged stretches of the file, not exactly records: the note says only that.
DAMAGED = "frames file damaged: reports whose record failed its checksum show no samples"


class Tape:
    """The reports of the run in `path`, in order; poll() reads what was appended since.
    With `member`, `path` is a sweep and the run is that member of it."""

    def __init__(self, path: Path, member: int | None = None) -> None:
        self.path = Path(path)
        self.member = member
        self.own = self.path if member is None else member_dir(self.path, member)
        self.metrics = MetricsTail(self.path / METRICS_FILE)
        self.frames_tail = FramesTail(self.own / FRAMES_FILE)
        self.rows: list[dict[str, Any]] = []
        self.frames: dict[int, Frame] = {}
        self.events: list[Event] = []
        self.info: RunInfo = self._info()
        self.start_rates = _configured_rates(self.own)
        self.poll()

    def _info(self) -> RunInfo:
        """The run's state; a member's: the sweep's progress, the member's id and kind."""
        info = run_info(self.path)
        if self.member is None:
            return info
        own = run_info(self.own)
        run_id = member_run_id(info.run_id, self.member)
        return replace(info, run_id=run_id, problem=own.problem, loss=own.loss, pack=own.pack)

    def __len__(self) -> int:
        return len(self.rows)

    def poll(self) -> bool:
        """Read what the run appended (a resumed run's rewrite starts over); True if the
        reports or the run's state changed."""
        rows, reset = self.metrics.poll()
        if self.member is not None:
            rows = rows_of(rows, self.member)
        frames, frames_reset = self.frames_tail.poll()
        if reset:
            self.rows = []
        if frames_reset:
            self.frames = {}
        last = self.rows[-1]["step"] if self.rows else -1
        for row in rows:  # steps only go forward; anything else is no report of this run
            if row["step"] > last:
                self.rows.append(row)
                last = row["step"]
        self.frames.update((frame.step, frame) for frame in frames)
        events, self.events = self.events, read_events(self.own)
        info, self.info = self.info, self._info()
        changed = bool(rows or reset or frames or frames_reset) or events != self.events
        return changed or info.status != self.info.status

    @property
    def has_frames(self) -> bool:
        return (self.own / FRAMES_FILE).exists()

    def index_at(self, step: int) -> int:
        """The report at or before `step` (the first one if `step` comes before all)."""
        return max(bisect.bisect_right([row["step"] for row in self.rows], step) - 1, 0)

    def events_before(self, i: int) -> list[Event]:
        """The events between report i - 1 and report i (an event at step s comes after the
        report of step s): what the keys changed that report i is the first to show."""
        step = self.rows[i]["step"]
        since = self.rows[i - 1]["step"] if i else -1
        return [e for e in self.events if since <= e.step < step]

    def snapshot(self, i: int, extra: dict[str, str]) -> Snapshot:
        """Report i as the dashboard showed it: its row, its frame where one was stored, and
        the diagnosis of the rows up to it."""
        row = self.rows[i]
        kind = run_kind(self.info.problem, self.info.loss)
        view = view_fields(self.frames.get(row["step"]))
        if view is None:
            view = {"x": kind.problem.x, "samples": np.empty((0, *kind.problem.sample_shape))}
            if not self.has_frames:
                extra = {**extra, "note": NO_FRAMES}
        if self.frames_tail.damaged:  # some reports lost their samples: say why
            extra = {**extra, "note": DAMAGED}
        return Snapshot.from_row(
            row,
            kind.names,
            problem=kind.problem.name,
            loss=kind.loss.name,
            pack=self.info.pack,
            total=self.info.total,
            run_id=self.info.run_id,
            device=self.info.device,
            engine=self.info.engine,
            extra=extra,
            lr=learning_rates(self.events, self.start_rates, row["step"])[0],
            diagnosis=diagnose(self.rows[max(0, i + 1 - WINDOW) : i + 1], kind),
            **view,
        )


def _configured_rates(run_dir: Path) -> dict[str, float]:
    """The learning rates a run started with, from its config.json ({} if unreadable)."""
    try:
        config = json.loads((run_dir / CONFIG_FILE).read_text(encoding="utf-8"))
        rates = {"G": float(config["lr_g"]), "D": float(config["lr_d"])}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return rates
