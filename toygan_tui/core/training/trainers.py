"""The trainers toygan builds: a run's (fresh or resumed, alone or leading a torchrun job), a
sweep's (fresh or resumed), and a torchrun follower's. Building one checks the device and the
disk (training/layouts.py: prepare), so bad input is found before the first step.
"""

from __future__ import annotations

from pathlib import Path

import torch

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.errors import ConfigError, InputError
from toygan_tui.core.runfiles.rundir import RunDir, check_run_id, new_run_id
from toygan_tui.core.runfiles.saving import read_saved, recover
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.runfiles.sweepreport import SweepReport
from toygan_tui.core.runfiles.sweeps import SweepDir, member_run_id
from toygan_tui.core.sweep_plan import SweepPlan
from toygan_tui.core.training.checkpoint import restore_state, save_bytes
from toygan_tui.core.training.layouts import Follower, RunLayout, SweepLayout
from toygan_tui.core.training.member import Member, MemberFiles
from toygan_tui.core.training.resume import ResumePoint
from toygan_tui.core.training.state import TrainState, new_state, resolve_device
from toygan_tui.core.training.trainer import Trainer
from toygan_tui.core.world import World

RunTrainer = Trainer[Snapshot, RunLayout]
SweepTrainer = Trainer[SweepReport, SweepLayout]


def run_trainer(
    cfg: TrainConfig,
    runs_dir: Path,
    run_id: str | None = None,
    *,
    resume: ResumePoint | None = None,
    world: World | None = None,
) -> RunTrainer:
    """A run in runs_dir/run_id (a new id when None), or the one `resume` continues. In a
    torchrun job this is rank 0: it joins the job and hands its state to the others."""
    device = resolve_device(cfg.device) if world is None else _join(world, cfg.device)
    if resume is None:
        run = _new_run(Path(runs_dir), run_id)
        state = new_state(cfg, device)
    else:
        run = resume.run
        state = restore_state(resume.checkpoint, cfg, device, resume.data)
    files = MemberFiles(run.path, run.metrics, run.run_id)
    trainer: RunTrainer = Trainer([Member(state, files)], RunLayout(run), resumed=bool(resume))
    if world is not None:
        from toygan_tui.core.training.handover import share_state

        state.world = world
        share_state(save_bytes(state, run.run_id))
    return trainer


def resumed_run_trainer(
    point: ResumePoint, cfg: TrainConfig, world: World | None = None
) -> RunTrainer:
    """Continue the run `point` names, in its own directory, under `cfg`."""
    return run_trainer(cfg, point.run.path.parent, point.run.run_id, resume=point, world=world)


def _new_run(runs_dir: Path, run_id: str | None) -> RunDir:
    if run_id is not None:
        check_run_id(run_id)
        # A directory without config.json is not a run yet: `train --detach` makes it first.
        if RunDir(runs_dir / run_id).config.exists():
            raise ConfigError(f"run {run_id!r} already exists in {runs_dir}; pick another --name")
    return RunDir(runs_dir / (run_id or new_run_id(runs_dir)))


def _join(world: World, device_name: str) -> torch.device:
    from toygan_tui.core.engines.data_parallel.collectives import join  # jobs only

    return join(world, device_name)


def sweep_trainer(plan: SweepPlan, path: Path, resume: bool = False) -> SweepTrainer:
    """The sweep in `path` (its config.json already written by the command), fresh, or
    continued from its last committed step."""
    files = SweepDir(Path(path))
    device = resolve_device(plan.first.cfg.device)
    dirs = [files.member(m.number) for m in plan.members]
    states, frozen = _restored(plan, files, dirs, device) if resume else (
        [new_state(m.cfg, device) for m in plan.members], {}
    )  # fmt: skip
    members = [
        Member(state, MemberFiles(directory, files.metrics, member_run_id(files.sweep_id, m.number),
               m.number), m.number, frozen_at=frozen.get(m.number))
        for m, state, directory in zip(plan.members, states, dirs, strict=True)
    ]  # fmt: skip
    return Trainer(members, SweepLayout(plan, files), resumed=resume)


def _restored(
    plan: SweepPlan, files: SweepDir, dirs: list[Path], device: torch.device
) -> tuple[list[TrainState], dict[int, int]]:
    """Every member's state at the committed step (a frozen one keeps its last good weights),
    and the frozen members with the step each diverged at."""
    step = recover(files.path, dirs)
    frozen = {int(k): v for k, v in read_saved(files.path).get("diverged", {}).items()}
    states = []
    for member, directory in zip(plan.members, dirs, strict=True):
        state = restore_state(directory / "ckpt.pt", member.cfg, device)
        if state.step != step and member.number not in frozen:
            raise InputError(f"{directory}: checkpoint at step {state.step}, not {step}")
        state.step = step
        states.append(state)
    return states, frozen


def follower_trainer(state: TrainState) -> Trainer[Snapshot, Follower]:
    """A torchrun job's rank 1…: the state rank 0 handed over, trained in step, quietly."""
    return Trainer([Member(state)], Follower())
