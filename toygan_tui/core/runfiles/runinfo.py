"""Which state a run is in, judged from its files alone; the run is never touched.

running · finished · interrupted · diverged · stalled. A trainer writes its state into
status.json and ends it with finished / interrupted / diverged; a run that was killed cannot,
so "running" is checked: its process gone (on this host) means interrupted, no update for a
long while means stalled. A run directory from before status.json, or whose status.json is
damaged, is judged from config.json and metrics.jsonl instead.

Pure stdlib + numpy (no torch): `toygan watch` and `toygan runs` import this.
"""

from __future__ import annotations

import json
import math
import os
import socket
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from toygan_tui.core.errors import InputError
from toygan_tui.core.runfiles.best import read_best
from toygan_tui.core.runfiles.catalog import run_kind
from toygan_tui.core.runfiles.diagnosis import WINDOW, diagnose
from toygan_tui.core.runfiles.process import process_alive
from toygan_tui.core.runfiles.rundir import CONFIG_FILE, METRICS_FILE, parse_row
from toygan_tui.core.runfiles.snapshot import Diagnosis
from toygan_tui.core.runfiles.status import (
    DIVERGED,
    ENDED,
    FINISHED,
    INTERRUPTED,
    PAUSED,
    RUNNING,
    STALLED,
    STATUS_FILE,
    StatusRead,
    read_status,
    speed_cap,
)
from toygan_tui.core.runfiles.sweeps import MEMBER_KEY

T = TypeVar("T")
STALL_AFTER_S = 60.0  # no update for this long (at least) and a run counts as stalled...
STALL_REPORTS = 10  # ...or for this many of its report intervals, if that is longer
TAIL_BYTES = 64 * 1024  # the last metrics row is in here (a row is ~300 bytes)
NOT_REPORTED = ("step", "steps_per_s", "time")  # in every metrics row, shown elsewhere


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    path: Path
    status: str  # running | finished | interrupted | diverged | stalled
    step: int
    total: int
    last: dict[str, Any] = field(default_factory=dict)  # latest metrics row; {} before one
    started: float | None = None  # wall-clock time the run started
    updated: float | None = None  # wall-clock time of the run's latest write
    device: str = ""
    engine: str = ""
    pid: int | None = None
    host: str = ""
    note: str = ""  # why the status is what it is, when it is not obvious
    problem: str = "curves"  # what the run learns, and with which loss (config.json says;
    loss: str = "minimax"  # a run from before problems and losses is curves + minimax)
    best: dict[str, Any] | None = None  # best.json: the step and measures of best.pt
    pack: int = 1  # --pack (config.json; a run from before packing has none: 1)
    diagnosis: Diagnosis | None = None  # where judged (with_diagnosis): the latest reports'

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    def to_dict(self) -> dict[str, Any]:
        """For `toygan runs --format json`: plain JSON, null where a value is unknown."""
        metrics = {k: _number(v) for k, v in self.last.items() if k not in NOT_REPORTED}
        return {
            "id": self.run_id,
            "status": self.status,
            "step": self.step,
            "total": self.total,
            "problem": self.problem,
            "loss": self.loss,
            **metrics,
            "started": _iso(self.started),
            "updated": _iso(self.updated),
            "device": self.device or None,
            "engine": self.engine or None,
            "pid": self.pid,
            "host": self.host or None,
            "path": str(self.path),
            "note": self.note or None,
            "diagnosis": self.diagnosis.to_dict() if self.diagnosis else None,
            "best": None
            if self.best is None
            else {
                "step": self.best["step"],
                **{k: _number(v) for k, v in self.best["quality"].items()},
            },
        }


def run_info(path: Path, now: float | None = None, status: StatusRead | None = None) -> RunInfo:
    """The state of the run in `path` now (`now`: wall-clock time, for tests; `status`: a read
    of its status.json the caller already made)."""
    path = Path(path)
    now = time.time() if now is None else now
    config = _read_json(path / CONFIG_FILE)
    status = status or read_status(path / STATUS_FILE)
    if status.data is not None:
        info = _from_status(path, status.data, config, now)
    else:
        info = _from_files(path, config, status.problem, now)
    names = config or (status.data or {})
    pack = names.get("pack", 1)
    return replace(
        info,
        problem=str(names.get("problem", "curves")),
        loss=str(names.get("loss", "minimax")),
        best=read_best(path),
        pack=pack if isinstance(pack, int) and not isinstance(pack, bool) and pack > 0 else 1,
    )


def with_diagnosis(info: RunInfo) -> RunInfo:
    """The run with the diagnosis of its latest reports (none for a sweep, whose rows are its
    members', nor for a run of a kind this toygan does not know)."""
    rows = tail_rows(info.path / METRICS_FILE, WINDOW)
    if not rows or MEMBER_KEY in rows[-1]:
        return info
    try:
        kind = run_kind(info.problem, info.loss)
    except InputError:
        return info
    return replace(info, diagnosis=diagnose(rows, kind))


def _from_status(path: Path, data: dict[str, Any], config: dict[str, Any], now: float) -> RunInfo:
    metrics = data.get("metrics")
    last = metrics if isinstance(metrics, dict) else last_row(path / METRICS_FILE)
    updated = _mtime(path / STATUS_FILE) or _number(data.get("updated"))
    state, note = str(data.get("state", RUNNING)), ""
    pid = data.get("pid") if isinstance(data.get("pid"), int) else None
    if state in (RUNNING, PAUSED):
        speed = _number(data.get("steps_per_s")) or 0.0
        speed = min(speed, speed_cap(data) or speed)  # a capped run reports less often
        state, note = _liveness(state, data, updated, _stall_after(config, speed), now)
    return RunInfo(
        run_id=str(data.get("run_id") or path.name),
        path=path,
        status=state,
        step=max(_int(data.get("step"), 0), _int(last.get("step"), 0)),
        total=_int(data.get("total"), _int(config.get("steps"), 0)),
        last=last,
        started=_number(data.get("started")),
        updated=updated,
        device=str(data.get("device") or config.get("device", "")),
        engine=str(data.get("engine", "")),
        pid=pid,
        host=str(data.get("host", "")),
        note=note,
    )


def _from_files(path: Path, config: dict[str, Any], problem: str, now: float) -> RunInfo:
    """No usable status.json: a run from an older toygan, or one whose status file is damaged."""
    metrics = path / METRICS_FILE
    last = last_row(metrics)
    total = _int(config.get("steps"), 0)
    step = _int(last.get("step"), 0)
    updated = _mtime(metrics) or _mtime(path / CONFIG_FILE)
    if last and total and step >= total:
        state = FINISHED
    elif last and not all(_is_finite(last.get(k)) for k in ("d_loss", "g_loss")):  # every loss
        state = DIVERGED
    elif updated is not None and now - updated < _stall_after(config, 0.0):
        state = RUNNING
    else:
        state = INTERRUPTED
    return RunInfo(
        run_id=path.name,
        path=path,
        status=state,
        step=step,
        total=total,
        last=last,
        started=_mtime(path / CONFIG_FILE),
        updated=updated,
        device=str(config.get("device", "")),
        note=problem or ("" if (path / CONFIG_FILE).exists() else "no config.json"),
    )


def _liveness(
    state: str, data: dict[str, Any], updated: float | None, stall_after: float, now: float
) -> tuple[str, str]:
    """A run that says "running" (or "paused"): is it? Its process gone here, or silent too
    long, says no."""
    pid, pid_start = data.get("pid"), data.get("pid_start")
    here = data.get("host") == socket.gethostname()
    if isinstance(pid, int) and here and not process_alive(pid, _int(pid_start, None)):
        return INTERRUPTED, "its process is gone"
    if updated is not None and now - updated > stall_after:
        # A fixed time, not "N s ago", so a viewer need not redraw every second to say it.
        return STALLED, time.strftime("no update since %H:%M:%S", time.localtime(updated))
    return state, ""


def _stall_after(config: dict[str, Any], steps_per_s: float) -> float:
    report_every = _int(config.get("report_every"), 0)
    if steps_per_s > 0 and report_every > 0:
        return max(STALL_AFTER_S, STALL_REPORTS * report_every / steps_per_s)
    return STALL_AFTER_S


def last_row(path: Path) -> dict[str, Any]:
    """The newest complete metrics row of a metrics.jsonl ({} if none), reading only its tail."""
    rows = tail_rows(path, 1)
    return rows[0] if rows else {}


def tail_rows(path: Path, n: int) -> list[dict[str, Any]]:
    """The newest n complete rows of a metrics.jsonl (fewer if its tail holds fewer), oldest
    first, reading only its tail."""
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, handle.seek(0, os.SEEK_END) - TAIL_BYTES))
            lines = handle.read().split(b"\n")
    except OSError:
        return []
    # A half-written or damaged line (or one cut by the seek) is no row.
    rows = [row for row in map(parse_row, lines) if row is not None]
    return rows[-n:] if n > 0 else []


def list_run_infos(runs_dir: Path, now: float | None = None) -> list[RunInfo]:
    """Every run in runs_dir, newest first (by start time, then id)."""
    infos = [run_info(path, now) for path in run_dirs(runs_dir)]
    return sorted(infos, key=lambda i: (i.started or 0.0, i.run_id), reverse=True)


def run_dirs(runs_dir: Path) -> list[Path]:
    """Directories holding a run: a config.json, or a status.json (a run still starting)."""
    if not runs_dir.is_dir():
        return []
    return [p for p in runs_dir.iterdir() if is_run_dir(p)]


def is_run_dir(path: Path) -> bool:
    return path.is_dir() and ((path / CONFIG_FILE).is_file() or (path / STATUS_FILE).is_file())


def find_run(run: Path | None, runs_dir: Path) -> Path:
    """The run directory RUN names (a path, or an id in runs_dir); the newest run if None."""
    if run is None:
        infos = list_run_infos(runs_dir)
        if not infos:
            raise InputError(f"no runs in {runs_dir}; start one with: toygan train")
        return infos[0].path
    for path in (run, runs_dir / run):
        if is_run_dir(path):
            return path
    raise InputError(f"{run}: no such run in {runs_dir} (list them with: toygan runs)")


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except OSError:
        return None


def _number(value: Any) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    return float(value) if ok and math.isfinite(value) else None


def _iso(when: float | None) -> str | None:
    """Local time with its UTC offset, e.g. 2026-11-27T17:56:03+01:00."""
    if when is None:
        return None
    return datetime.fromtimestamp(when).astimezone().isoformat(timespec="seconds")


def _int(value: Any, default: T) -> int | T:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _is_finite(value: Any) -> bool:
    return _number(value) is not None
