"""status.json: what a run looks like right now, for viewers that only read files (`toygan watch`).

The trainer rewrites runs/<id>/status.json at the report rate: the step, the speed (the
engine's, and the cap `--speed` or the keys set, if any: the run goes at the lower), the latest
metrics row, the fixed-noise curves the chart draws (with G's manifold and the arrows where the
view has them), the learning rates in force, and who is training (pid, host) and in which
state (running, then finished / interrupted / diverged). Readers never write, so any
number of viewers can follow a run without disturbing it or each other.

Pure stdlib + numpy: a viewer builds Snapshots from this file without importing torch.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from toygan_tui.core.errors import InputError
from toygan_tui.core.runfiles import pixels
from toygan_tui.core.runfiles.atomic import atomic_write
from toygan_tui.core.runfiles.catalog import kind_of
from toygan_tui.core.runfiles.process import process_start
from toygan_tui.core.runfiles.snapshot import Snapshot, json_number

R = TypeVar("R")

STATUS_FILE = "status.json"
FORMAT = "toygan-status"
VERSION = 1  # bump only for an incompatible change; new fields do not need a bump

RUNNING, FINISHED, INTERRUPTED, DIVERGED, STALLED = (
    "running", "finished", "interrupted", "diverged", "stalled",
)  # fmt: skip
ENDED = (FINISHED, INTERRUPTED, DIVERGED)  # states a trainer writes last
PAUSED = "paused"  # held at the dashboard (space): alive, and not stalled while it says so

# At most this many status writes a second. Reports can come ~150 times a second on a fast
# engine; a viewer redraws at most ~4 times a second, so more writes would be pure cost.
MIN_WRITE_INTERVAL_S = 0.25


def write_status_file(path: Path, payload: dict[str, Any]) -> None:
    """Replace the file atomically (temp file + os.replace): a reader sees the old or new whole.

    No fsync, unlike checkpoints: status.json is a view rewritten several times a second, the
    metrics and checkpoints are the record. After a power loss an old, empty or missing file is
    possible, and every reader falls back to metrics.jsonl; an fsync per write would put a disk
    flush in the training loop for nothing.
    """
    data = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()
    atomic_write(path, data, durable=False)


class StatusWriter:
    """The trainer's side: a throttled report() per report and a final end(), never skipped.

    `fields(report)` is what a report adds to the file: a run's snapshot (`snapshot_fields`,
    the default), or a sweep's table (sweepreport.status_fields); the header, the state and
    the speed cap are every status.json's."""

    def __init__(
        self,
        run_dir: Path,
        run_id: str,
        total: int,
        step: int,
        device: str,
        fields: Callable[[Any], dict[str, Any]] | None = None,
    ) -> None:
        self.path = Path(run_dir) / STATUS_FILE
        self.base = status_header(self.path, run_id, os.getpid(), total, device)
        self.step = step
        self.fields = fields or snapshot_fields
        self.last: Any = None  # the latest report (a Snapshot, a SweepReport)
        self.paused = False
        self.cap: float | None = None  # steps/s the run is held to (--speed, the keys)
        self._write(RUNNING)
        self.written_at = -math.inf  # the first report is written at once, whatever the throttle

    def report(self, report: Any) -> None:
        """Record a report; written now unless one was written less than 0.25 s ago (the
        skipped one is not lost: the next write or end() carries the latest report)."""
        self.last, self.step = report, report.step
        if self.paused or time.monotonic() - self.written_at >= MIN_WRITE_INTERVAL_S:
            self._write(PAUSED if self.paused else RUNNING)  # a step taken while paused: now

    def pause(self, paused: bool) -> None:
        """Say now that the run is paused (or going again)."""
        self.paused = paused
        self.heartbeat()

    def limit(self, cap: float | None) -> None:
        """Say the run is held to `cap` steps/s (None: full speed); written now if it changed."""
        if cap != self.cap:
            self.cap = cap
            self.heartbeat()

    def heartbeat(self) -> None:
        """Rewrite the current state: a run held for long (paused, or slowed to a crawl) is
        still alive, and viewers must not call it stalled."""
        self._write(PAUSED if self.paused else RUNNING)

    def end(self, step: int, diverged: bool | None = None) -> None:
        """The final status: diverged (by default: a run's last losses were not finite), else
        finished at the last step, else interrupted. Written whatever the throttle says."""
        if diverged is None:
            last = self.last
            diverged = isinstance(last, Snapshot) and not _finite(*last.stats.values())
        self.step = max(self.step, step)
        finished = self.step >= self.base["total"]
        self._write(DIVERGED if diverged else FINISHED if finished else INTERRUPTED)

    def _write(self, state: str) -> None:
        payload = {**self.base, "state": state, "updated": time.time(), "step": self.step}
        if self.last is not None:
            payload.update(self.fields(self.last))
        payload["speed_cap"] = self.cap
        try:
            write_status_file(self.path, payload)
        except OSError:
            # status.json is only a view: a full disk must not stop training over it.
            return
        self.written_at = time.monotonic()


def status_header(path: Path, run_id: str, pid: int, total: int, device: str) -> dict[str, Any]:
    """Who trains the run and since when. A run resumed (or started by `train --detach`, whose
    parent writes the first status) keeps the start time already in `path`."""
    started = (read_status(path).data or {}).get("started")
    return {
        "format": FORMAT,
        "version": VERSION,
        "run_id": run_id,
        "pid": pid,
        "pid_start": process_start(pid),  # with the pid, names the process even if pids wrap
        "host": socket.gethostname(),
        "started": started if isinstance(started, (int, float)) else time.time(),
        "device": device,
        "total": total,
    }


def write_starting(
    run_dir: Path, run_id: str, pid: int, step: int, total: int, device: str
) -> None:
    """status.json for a run whose process `pid` has just been started elsewhere."""
    path = Path(run_dir) / STATUS_FILE
    header = status_header(path, run_id, pid, total, device)
    write_status_file(path, {**header, "state": RUNNING, "updated": time.time(), "step": step})


def _samples(samples: np.ndarray) -> dict[str, Any]:
    """Vectors as "curves" (a list per sample); images as "images", 8-bit pixels in base64."""
    if samples.ndim > 2:
        return {"curves": [], "images": pixels.to_json(samples)}
    return {"curves": [[_num(v) for v in row] for row in np.asarray(samples).tolist()]}


def snapshot_fields(snap: Snapshot) -> dict[str, Any]:
    """What a viewer needs to rebuild the Snapshot; non-finite numbers become null."""
    return {
        "step": snap.step,
        "engine": snap.engine,
        "steps_per_s": _num(snap.steps_per_s),
        "elapsed": _num(snap.elapsed),
        "metrics": {k: _num(v) for k, v in snap.metrics_row().items()},
        "problem": snap.problem,
        "loss": snap.loss,
        "pack": snap.pack,
        "x": [_num(v) for v in np.asarray(snap.x, dtype=np.float64).tolist()],
        **_samples(snap.samples),
        "labels": None if snap.labels is None else [int(c) for c in snap.labels],
        "heat": None if snap.heat is None else [[_num(v) for v in r] for r in snap.heat.tolist()],
        "manifold": _nested(snap.manifold),
        "arrows": _nested(snap.arrows),
        "lr": {k: _num(v) for k, v in snap.lr.items()},
        "diagnosis": None if snap.diagnosis is None else snap.diagnosis.to_dict(),
    }


def _nested(array: np.ndarray | None) -> Any:
    """An array as nested lists of numbers (non-finite as null), or None."""
    return None if array is None else _lists(np.asarray(array, dtype=np.float64).tolist())


def _lists(value: Any) -> Any:
    return [_lists(v) for v in value] if isinstance(value, list) else _num(value)


@dataclass(frozen=True)
class StatusRead:
    """A read of status.json: data is None when missing or unusable; problem says which."""

    data: dict[str, Any] | None
    problem: str = ""  # "" when fine or simply absent (a run from before status.json)


def read_status(path: Path) -> StatusRead:
    """Read status.json without ever raising: a damaged file is reported, not fatal."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return StatusRead(None)
    except OSError as exc:
        return StatusRead(None, f"{STATUS_FILE} unreadable ({exc.strerror})")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return StatusRead(None, f"{STATUS_FILE} is damaged")
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return StatusRead(None, f"{STATUS_FILE} is not a toygan status")
    if not isinstance(data.get("version"), int) or data["version"] > VERSION:
        return StatusRead(
            None, f"{STATUS_FILE} version {data.get('version')} is newer than this toygan"
        )
    return StatusRead(data)


def snapshot_from_status(
    data: dict[str, Any], extra: dict[str, str] | None = None
) -> Snapshot | None:
    """The Snapshot a status holds, or None before the first report (or if it is malformed,
    or names a problem or loss this toygan does not know)."""
    try:
        kind = kind_of(data)
        x = np.asarray([json_number(v) for v in data["x"]], dtype=np.float64)
        samples = _samples_of(data, kind.problem.sample_shape)
        if samples is None:
            return None
        snap = Snapshot.from_row(
            {**data["metrics"], "step": data["step"]},
            kind.names,
            total=int(data["total"]),
            samples=samples,
            x=x,
            run_id=str(data.get("run_id", "")),
            device=str(data.get("device", "")),
            engine=str(data.get("engine", "")),
            extra=dict(extra or {}),
            problem=kind.problem.name,
            loss=kind.loss.name,
            labels=_array(data.get("labels"), np.int64),
            heat=_array(data.get("heat"), np.float64),
            manifold=_nested_array(data.get("manifold"), 3),
            arrows=_nested_array(data.get("arrows"), 2),
            lr=_rates(data.get("lr")),
            pack=_pack(data.get("pack", 1)),
        )
        return at_speed(snap, speed_cap(data))
    except (KeyError, TypeError, ValueError, AttributeError, InputError):
        return None


def _samples_of(data: dict[str, Any], shape: tuple[int, ...]) -> np.ndarray | None:
    """The samples snapshot_fields wrote, if they have the problem's sample shape."""
    if data.get("images") is not None:
        samples = pixels.from_json(data["images"])
    else:
        samples = np.asarray([[json_number(v) for v in row] for row in data["curves"]], np.float64)
    if samples.size == 0:
        samples = np.empty((0, *shape))
    if len(shape) == 3 and samples.ndim == 4 and samples.shape[1] == shape[0]:
        return samples  # images of the problem's channels at the run's size (--image-size)
    return samples if samples.shape[1:] == shape else None


def _pack(value: Any) -> int:
    """--pack as a status or config holds it (absent before packing: 1)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"not a pack: {value!r}")
    return value


def _array(value: Any, dtype: type) -> np.ndarray | None:
    """A JSON list (of lists) as an array; null as None, and null entries as NaN."""
    if value is None:
        return None
    if dtype is np.float64:
        return np.asarray([[json_number(v) for v in row] for row in value], dtype=np.float64)
    return np.asarray(value, dtype=dtype)


def _nested_array(value: Any, ndim: int) -> np.ndarray | None:
    """Nested lists of numbers (null as NaN) as an array of `ndim` dimensions, else None."""
    if value is None:
        return None
    array = np.asarray(value, dtype=object)
    if array.ndim != ndim:
        return None
    return np.vectorize(json_number, otypes=[np.float64])(array) if array.size else None


def _rates(value: Any) -> dict[str, float]:
    """The learning rates a status holds ({} before they were written, or if damaged)."""
    if not isinstance(value, dict):
        return {}
    return {str(k): json_number(v) for k, v in value.items()}


def speed_cap(data: dict[str, Any]) -> float | None:
    """The cap a status holds (None: none, or a status from before caps were written)."""
    cap = data.get("speed_cap")
    return float(cap) if isinstance(cap, (int, float)) and not isinstance(cap, bool) else None


def at_speed(report: R, cap: float | None) -> R:
    """The report (a run's Snapshot, a sweep's report: a dataclass with steps_per_s) at the
    speed the run really goes: under a cap of `cap` steps/s (None or NaN: none) the lower of
    the cap and the engine's speed, and the ETA with it. metrics.jsonl keeps the engine's
    speed: what the engine can do, whatever the cap."""
    speed = report.steps_per_s  # type: ignore[attr-defined]
    if cap is None or not math.isfinite(cap) or cap <= 0 or not cap < speed:
        return report
    return dataclasses.replace(report, steps_per_s=cap)  # type: ignore[type-var]


def _num(value: float) -> float | None:
    if isinstance(value, int):
        return value  # a step stays a whole number
    value = float(value)
    return value if math.isfinite(value) else None


def _finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)
