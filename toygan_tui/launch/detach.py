"""`toygan train --detach` and `toygan sweep --detach`: the same training, in the background,
surviving the end of the session.

The parent checks what it can first, so bad input still fails here with exit 2; then it picks
the id, creates the directory and its train.log, and starts
`python -m toygan_tui train|sweep <the same options> --name <id> --no-live` in a session of its
own (setsid): with no controlling terminal, logging out sends it no SIGHUP and Ctrl-C here never
reaches it. stdin is /dev/null; stdout and stderr go to train.log.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Collection
from pathlib import Path
from typing import Any

from toygan_tui.core.errors import UsageError
from toygan_tui.core.runfiles.rundir import claim_run_dir
from toygan_tui.core.runfiles.saving import read_saved
from toygan_tui.core.sweep_plan import SweepPlan
from toygan_tui.core.world import world_from_env
from toygan_tui.launch.start import already_finished, check_device

LOG_FILE = "train.log"


def detach_train(
    options: dict[str, Any], typed: Collection[str], own: dict[str, Any], args: list[str]
) -> None:
    """Validate, start the child, say where it is and how to watch it. `options` are the
    table's values, `own` train's own ones (runs_dir, name, resume...), `typed` the names of
    those the user typed, `args` the command line that gives the child those again (so a
    resumed run keeps its own options, as in the foreground)."""
    if world_from_env() is not None:
        raise UsageError(
            "--detach: not under torchrun (start torchrun itself in the background, "
            "e.g. under nohup, and follow the run with toygan watch)"
        )
    runs_dir = Path(own["runs_dir"])
    if own.get("resume") is not None:
        given = {k: v for k, v in {**options, **own}.items() if k in typed}
        point, cfg = _checked_resume(Path(own["resume"]), given)
        if already_finished(point, cfg):  # as in the foreground: said, and exit 0
            return
        run_dir, step = point.run.path, point.step
    else:
        cfg, step = _checked_config(options, typed), 0
        run_dir = claim_run_dir(runs_dir, own.get("name"))
        args = [*args, "--name", run_dir.name]
    _start(args, run_dir, step, cfg, "train")


def detach_sweep(plan: SweepPlan, path: Path, args: list[str], resumed: bool) -> None:
    """A sweep whose config.json is written (checked, claimed), in the background."""
    args = args if resumed else [*args, "--name", path.name]
    step = int(read_saved(path).get("step", 0)) if resumed else 0
    _start(args, path, step, plan.first.cfg, "sweep")


def _start(args: list[str], directory: Path, step: int, cfg: Any, verb: str) -> None:
    """Start the child, give it a first status.json, and say where it is."""
    pid = spawn(args + ["--no-live"], directory / LOG_FILE, verb)
    note_start(directory, pid, step, cfg.steps, cfg.device)
    noun = "run" if verb == "train" else "sweep"
    target = directory.name if directory.parent == Path("runs") else str(directory)
    print(f"{noun} {directory.name} started in the background (pid {pid})")
    print(f"  directory: {directory}  (its output: {directory / LOG_FILE})")
    print(f"  watch it:  toygan watch {target}")


def _checked_config(options: dict[str, Any], typed: Collection[str]) -> Any:
    """The run's config, checked as the child would: a ConfigError here is exit 2 here."""
    from toygan_tui.core.config import resolve

    cfg = resolve(options, typed)
    check_device(cfg.device)
    return cfg


def _checked_resume(path: Path, given: dict[str, Any]) -> Any:
    """The ResumePoint and config a detached --resume continues, checked as `train` does."""
    from toygan_tui.core.training.resume import plan

    point, cfg = plan(path, given)
    check_device(cfg.device)
    return point, cfg


def spawn(args: list[str], log: Path, verb: str = "train") -> int:
    """`python -m toygan_tui VERB ARGS` in a session of its own, its output into `log`."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # the log fills as the run goes
    with open(os.devnull, "rb") as stdin, open(log, "ab") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "toygan_tui", verb, *args],
            stdin=stdin,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
            env=env,
        )
    # The child is meant to outlive this process: mark it as handled, so Popen's destructor
    # does not warn that it is still running.
    child.returncode = 0
    return child.pid


def note_start(run_dir: Path, pid: int, step: int, total: int, device: str) -> None:
    """A first status.json, so `watch` and `runs` see the run while the child imports torch.

    The child rewrites the file (keeping its start time) before its first report; it needs a
    second or more to get there, so this write comes first.
    """
    from toygan_tui.core.runfiles.status import write_starting

    write_starting(run_dir, run_dir.name, pid, step, total, device)
