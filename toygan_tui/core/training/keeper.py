"""Keep the best: every run (and every sweep member) keeps best.pt beside ckpt.pt, G as it was at
the report with the best value of its problem's headline measures (core/problems/base.py:
rank; the EMA's measures where the run keeps an EMA of G, since `sample` draws from it).

- Decided where the report is built (training/reporter.py), in step order, from the players
  the report evaluated: exactly the weights at the report's step, even when the report is
  evaluated behind the training, and nothing more is copied at a report that is no better.
- best.pt holds G (and its EMA): what `toygan sample --best` needs. It is in the checkpoint
  format, marked "best", with no D, optimizer or random streams: it is no point to resume
  from (ckpt.pt is), and `train --resume` says so.
- Written behind the training by one thread, atomically (runfiles/best.py: best.pt, then
  best.json naming its step and measures); a better report arriving while one is written
  replaces the one waiting, so only the newest best is ever written next, and at most one is
  written a second (BEST_EVERY_S: early reports beat the last one almost every time, and a write
  is a pickle and four fsyncs that contend with the training). The run's end waits for the last,
  at once. A failed write is told and training goes on; a non-finite G is never written.
- A resumed run goes on from its best.json: a later report must beat it.
"""

from __future__ import annotations

import io
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from toygan_tui import __version__
from toygan_tui.core.config import TrainConfig
from toygan_tui.core.problems.base import rank
from toygan_tui.core.runfiles.best import BEST_FILE, read_best, write_best
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.training.checkpoint import FORMAT, FORMAT_VERSION
from toygan_tui.core.training.evaluator import Players

BEST_KIND = "best"  # the checkpoint's "kind": G at the best report, not a state to resume
BEST_EVERY_S = 1.0  # the least time between two writes of a run's best.pt


@dataclass(frozen=True)
class Candidate:
    data: dict[str, Any]  # the checkpoint, its tensors copied
    step: int
    quality: dict[str, float]
    ema: bool


class BestWriter:
    """Writes candidates behind the training, one at a time, the newest per directory."""

    def __init__(self, on_error: Callable[[Path, int, OSError], None]) -> None:
        self.on_error = on_error  # hears a failed write, on the caller's thread (tell, wait)
        self._cond = threading.Condition()
        self._waiting: dict[Path, Candidate] = {}
        self._thread: threading.Thread | None = None
        self._failures: list[tuple[Path, int, OSError]] = []
        self._written_at = -math.inf  # time.monotonic() of the last write
        self._flushing = False  # wait() is waiting: write what waits now

    def put(self, directory: Path, candidate: Candidate) -> None:
        with self._cond:
            self._waiting[directory] = candidate  # an older one still waiting is dropped
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="toygan-best", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                pause = self._written_at + BEST_EVERY_S - time.monotonic()
                self._cond.wait_for(lambda: self._flushing, timeout=max(0.0, pause))
                if not self._waiting:
                    self._thread = None
                    self._cond.notify_all()
                    return
                directory = next(iter(self._waiting))
                candidate = self._waiting.pop(directory)
            try:
                _write(directory, candidate)
            except OSError as exc:
                with self._cond:
                    self._failures.append((directory, candidate.step, exc))
            self._written_at = time.monotonic()

    def tell(self) -> None:
        """Report the writes that failed so far (on the caller's thread)."""
        with self._cond:
            failures, self._failures = self._failures, []
        for failure in failures:
            self.on_error(*failure)

    def wait(self) -> None:
        """Until every waiting candidate is on the disk; then tell what failed."""
        with self._cond:
            self._flushing = True
            self._cond.notify_all()
            while self._thread is not None:
                self._cond.wait()
            self._flushing = False
        self.tell()


def _write(directory: Path, candidate: Candidate) -> None:
    nets = [candidate.data["G"], candidate.data["G_ema"] or {}]
    if not all(t.isfinite().all() for net in nets for t in net.values() if t.is_floating_point()):
        return  # a report with finite measures and a non-finite weight: nothing to keep
    buffer = io.BytesIO()
    torch.save(candidate.data, buffer)
    write_best(directory, buffer.getvalue(), candidate.step, candidate.quality, candidate.ema)


def best_writer(warn: Callable[[str], None]) -> BestWriter:
    """A trainer's writer of best.pt files; a failed write is warned of, training goes on."""

    def failed(directory: Path, step: int, exc: OSError) -> None:
        warn(f"could not save {directory / BEST_FILE} at step {step} ({exc.strerror or exc}); "
             f"training goes on")  # fmt: skip

    return BestWriter(failed)


class MemberBest:
    """One member's best so far; called with each report and the players it evaluated."""

    def __init__(
        self, directory: Path, cfg: TrainConfig, run_id: str, writer: BestWriter, resumed: bool
    ) -> None:
        self.directory, self.run_id, self.writer = directory, run_id, writer
        self.problem, self.config = cfg.the_problem, cfg.to_dict()
        kept = read_best(directory) if resumed else None
        self.key = None if kept is None else rank(self.problem, kept["quality"])

    def __call__(self, snap: Snapshot, seen: Players) -> None:
        quality = snap.ema_quality or snap.quality
        key = rank(self.problem, quality)
        if key is None or (self.key is not None and key <= self.key):
            return
        self.key = key
        data = best_checkpoint(self.config, snap.step, seen.G, seen.G_ema, self.run_id)
        ema = bool(snap.ema_quality)
        self.writer.put(self.directory, Candidate(data, snap.step, dict(quality), ema))


def best_checkpoint(
    config: dict[str, Any], step: int, G: nn.Module, G_ema: nn.Module | None, run_id: str
) -> dict[str, Any]:
    """G (and its EMA) at `step` in the checkpoint format, their tensors copied."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": BEST_KIND,
        "toygan_version": __version__,
        "torch_version": str(torch.__version__),
        "run_id": run_id,
        "config": config,
        "step": step,
        "elapsed": 0.0,
        "G": _copied(G),
        "G_ema": None if G_ema is None else _copied(G_ema),
        "D": {},
        "opt_G": {},
        "opt_D": {},
        "rng": {},
    }


def _copied(net: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().to("cpu", copy=True) for k, v in net.state_dict().items()}
