"""A sweep's status.json: the header every run's has (who trains it, since when, which step of
how many, in which state), so `toygan runs` lists a sweep like a run, plus the latest report
under "sweep", which `toygan watch` draws. Written at most 4 times a second, and at the end."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

from toygan_tui.core.runfiles.status import (
    FINISHED,
    INTERRUPTED,
    MIN_WRITE_INTERVAL_S,
    RUNNING,
    STATUS_FILE,
    status_header,
    write_status_file,
)
from toygan_tui.core.runfiles.sweepreport import SweepReport, medians, to_dict


class SweepStatus:
    def __init__(self, sweep_dir: Path, sweep_id: str, total: int, step: int, device: str) -> None:
        self.path = Path(sweep_dir) / STATUS_FILE
        self.base = status_header(self.path, sweep_id, os.getpid(), total, device)
        self.step = step
        self.last: SweepReport | None = None
        self._write(RUNNING)
        self.written_at = -math.inf

    def report(self, report: SweepReport) -> None:
        self.last, self.step = report, report.step
        if time.monotonic() - self.written_at >= MIN_WRITE_INTERVAL_S:
            self._write(RUNNING)

    def end(self, step: int) -> None:
        """Finished at the last step, else interrupted; written whatever the throttle."""
        self.step = max(self.step, step)
        self._write(FINISHED if self.step >= self.base["total"] else INTERRUPTED)

    def _write(self, state: str) -> None:
        payload = {**self.base, "state": state, "updated": time.time(), "step": self.step}
        payload["metrics"] = {}  # a sweep has no one row: `runs` shows the members' medians
        if self.last is not None:
            payload["metrics"] = medians(self.last)
            payload["sweep"] = to_dict(self.last)
            payload["engine"] = self.last.engine
            payload["steps_per_s"] = (
                self.last.steps_per_s if math.isfinite(self.last.steps_per_s) else None
            )
        try:
            write_status_file(self.path, payload)
        except OSError:
            return  # a view only: a full disk must not stop training over it
        self.written_at = time.monotonic()
