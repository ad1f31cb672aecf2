"""A sweep being trained: every member's TrainState, stepped in groups, reported and saved
together into runs/sweep-<n>/ (core/runfiles/sweeps.py says what is where).

Members step in lockstep: a chunk of steps never crosses a report or a save, as in train().
A member whose losses or parameters stop being finite is frozen at its last good checkpoint
(its measures read NaN from then on) while the others go on: one diverged learning rate must
not end a sweep over ten. Only a final save that could not be written raises SaveFailed.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import torch

from toygan_tui.core.engines.factory import make_groups
from toygan_tui.core.errors import InputError, SaveFailed
from toygan_tui.core.runfiles.atomic import check_writable, clean_stale_temps
from toygan_tui.core.runfiles.frames import append_frame, trim_frames, view_arrays
from toygan_tui.core.runfiles.rundir import RunDir, write_config
from toygan_tui.core.runfiles.sweepreport import MemberResult, SweepReport
from toygan_tui.core.runfiles.sweeps import MEMBER_KEY, SweepDir, member_run_id
from toygan_tui.core.sweep.grid import Member
from toygan_tui.core.sweep.plan import SweepPlan
from toygan_tui.core.sweep.saver import SweepSaver, read_saved, recover
from toygan_tui.core.sweep.status import SweepStatus
from toygan_tui.core.training.checkpoint import params_finite, restore_state, save_bytes
from toygan_tui.core.training.evaluator import Evaluator
from toygan_tui.core.training.loop import next_stop
from toygan_tui.core.training.reporter import ReportAt, report
from toygan_tui.core.training.resume import trim_metrics
from toygan_tui.core.training.state import TrainState, new_state, resolve_device


class SweepSession:
    def __init__(self, plan: SweepPlan, path: Path, resume: bool = False) -> None:
        self.plan, self.files = plan, SweepDir(Path(path))
        cfg = plan.first.cfg
        self.steps, self.device = cfg.steps, resolve_device(cfg.device)
        self.dirs = [self.files.member(m.number) for m in plan.members]
        self.diverged: dict[int, int] = {}  # member number → the step it diverged at
        self._warn: Callable[[str], None] = lambda message: None
        self.saver = SweepSaver(self.files.path, self._failed)
        self._save_error = ""
        if resume:
            self.states = self._restored()
        else:
            self.states = [new_state(m.cfg, self.device) for m in plan.members]
        self.step = self.states[0].step
        self._prepare_files(resume)
        self.status: SweepStatus | None = None

    def _restored(self) -> list[TrainState]:
        step = recover(self.files.path, self.dirs)
        self.diverged = {
            int(k): v for k, v in read_saved(self.files.path).get("diverged", {}).items()
        }
        states = []
        for member, directory in zip(self.plan.members, self.dirs, strict=True):
            state = restore_state(directory / "ckpt.pt", member.cfg, self.device)
            if state.step != step and member.number not in self.diverged:
                raise InputError(f"{directory}: checkpoint at step {state.step}, not {step}")
            state.step = step  # a frozen member keeps its last good weights
            states.append(state)
        return states

    def _prepare_files(self, resume: bool) -> None:
        """config.json and every member's files, and the first checkpoints: a disk problem is
        exit 2 here, before any step."""
        try:
            check_writable(self.files.path, 4 * len(save_bytes(self.states[0])))
            clean_stale_temps(self.files.path)
            self.plan.write_config(self.files.path, str(self.device))
            for member, directory in zip(self.plan.members, self.dirs, strict=True):
                directory.mkdir(parents=True, exist_ok=True)
                clean_stale_temps(directory)
                extra = {"run_id": member_run_id(self.files.sweep_id, member.number)}
                write_config(
                    RunDir(directory), member.cfg.to_dict(), {**extra, "device": str(self.device)}
                )
                if resume:
                    trim_frames(directory, self.step)
            if resume:
                trim_metrics(RunDir(self.files.path), self.step)  # no report twice
                self.saver.saved_step = self.step
            else:
                self.save()
                self.saver.wait()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise InputError(f"cannot write the sweep into {self.files.path}: {reason}") from None
        if self.saver.saved_step != self.step:
            raise InputError(f"cannot write the sweep into {self.files.path}: {self._save_error}")

    def snapshots(
        self,
        should_stop: Callable[[], bool] = lambda: False,
        on_warning: Callable[[str], None] | None = None,
    ) -> Iterator[SweepReport]:
        """Train to --steps, yielding a SweepReport at every report; save as train() does."""
        self._warn = on_warning or (lambda message: None)
        cfg = self.plan.first.cfg
        self.status = SweepStatus(self.files.path, self.files.sweep_id, self.steps, self.step,
                                  str(self.device))  # fmt: skip
        evaluators: dict[tuple, Evaluator] = {}
        threads = torch.get_num_threads()
        torch.set_num_threads(cfg.threads)
        started, last = time.monotonic(), (time.monotonic(), self.step)
        try:
            groups, grouped = self._groups(), set(self.diverged)
            while self.step < self.steps and not should_stop():
                if set(self.diverged) != grouped:  # a member diverged: the others go on
                    groups, grouped = self._groups(), set(self.diverged)
                report_at = next_stop(self.step, cfg.report_every)
                save_at = next_stop(self.step, cfg.save_every)
                n = min(report_at, save_at, self.steps) - self.step
                stats = self._run(groups, n)
                self.step += n
                if self.step in (report_at, self.steps):
                    now = time.monotonic()
                    speed = (self.step - last[1]) / max(now - last[0], 1e-9)
                    timing = (speed, self.states[0].elapsed + now - started)
                    report = self._report(stats, evaluators, timing)
                    self.status.report(report)
                    yield report
                    last = (time.monotonic(), self.step)
                if self.step == save_at and self.step < self.steps:
                    self.save()
            for state in self.states:
                state.elapsed += time.monotonic() - started
            self.save()
        finally:
            torch.set_num_threads(threads)
            self.saver.wait()
            self.status.end(self.saver.saved_step)
        if self.saver.saved_step != self.step:
            raise SaveFailed(
                f"could not save the sweep at step {self.step} ({self._save_error}); "
                f"its last good checkpoints are at step {self.saver.saved_step}"
            )

    def _groups(self) -> list:
        live = [i for i, m in enumerate(self.plan.members) if m.number not in self.diverged]
        groups = make_groups([self.states[i] for i in live])
        self.engine = ", ".join(sorted({group.name for _, group in groups})) or "none"
        return [([live[i] for i in members], group) for members, group in groups]

    def _run(self, groups: list, n: int) -> list[torch.Tensor | None]:
        stats: list[torch.Tensor | None] = [None] * len(self.states)
        for members, group in groups:
            for i, member_stats in zip(members, group.run(n), strict=True):
                stats[i] = member_stats
        for i, state in enumerate(self.states):
            if stats[i] is None:  # frozen: its state stays, its step follows the sweep's
                state.step += n
        return stats

    def _report(self, stats, evaluators, timing) -> SweepReport:
        results = []
        for member, state, directory, s in zip(
            self.plan.members, self.states, self.dirs, stats, strict=True
        ):
            quality: dict[str, float] = {}
            if s is not None:
                key = Evaluator.key(state.cfg)
                if key not in evaluators:  # one fixed noise batch per kind of member
                    evaluators[key] = Evaluator(state.cfg, self.device)
                evaluator = evaluators[key]
                at = ReportAt(state.step, self.engine, s, *timing)
                snap = report(state, evaluator, at, evaluator.players(state))
                self._append(member.number, directory, snap)
                # A member with --ema is judged by its EMA of G: what `sample` draws from it.
                quality = snap.ema_quality or snap.quality
                if not all(math.isfinite(v) for v in snap.stats.values()):
                    self._diverged(member, "its losses are")
                    quality = {k: math.nan for k in quality}
            results.append(MemberResult(member.number, member.set_index, member.seed, quality))
        return SweepReport(
            sweep_id=self.files.sweep_id, step=self.step, total=self.steps,
            labels=self.plan.labels, problems=self._problems(), members=results,
            steps_per_s=timing[0], elapsed=timing[1], engine=self.engine,
        )  # fmt: skip

    def _problems(self) -> list[str]:
        problems = [""] * len(self.plan.labels)
        for member in self.plan.members:
            problems[member.set_index] = member.cfg.problem
        return problems

    def _append(self, number: int, directory: Path, snap) -> None:
        row = {MEMBER_KEY: number, **snap.metrics_row()}
        line = json.dumps({k: (v if math.isfinite(v) else None) for k, v in row.items()})
        try:
            with self.files.metrics.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
            append_frame(directory, snap.step, view_arrays(snap))
        except OSError as exc:
            self._warn_once(f"could not append a report in {self.files.path} ({exc.strerror})")

    def save(self) -> None:
        """Every live member's checkpoint at this step, committed together (saver.py)."""
        files = []
        for member, state, directory in zip(self.plan.members, self.states, self.dirs, strict=True):
            if member.number in self.diverged:
                continue
            if not params_finite(state):
                self._diverged(member, "its parameters are")
                continue
            run_id = member_run_id(self.files.sweep_id, member.number)
            files.append((directory, save_bytes(state, run_id)))
        self.saver.submit(self.step, files, dict(self.diverged))

    def _diverged(self, member: Member, what: str) -> None:
        """Freeze a member whose numbers stopped being finite; the others go on."""
        self.diverged[member.number] = self.step
        label = self.plan.labels[member.set_index]
        self._warn(
            f"member {member.number} ({label}, seed {member.seed}) diverged at step {self.step} "
            f"({what} not finite); it stays at its last good checkpoint, the others go on"
        )

    def _failed(self, step: int, exc: OSError) -> None:
        self._save_error = exc.strerror or str(exc)
        self._warn_once(f"could not save the sweep at step {step} ({self._save_error}); "
                        f"training goes on and will retry at the next save")  # fmt: skip

    def _warn_once(self, message: str) -> None:
        self._warn(message)
