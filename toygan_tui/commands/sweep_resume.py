"""`toygan sweep --resume PATH`: the same sweep, continued from its last committed step, with
the members' own configs; only options that cannot change the numbers may be typed again."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toygan_tui.core.config import ConfigError, TrainConfig
from toygan_tui.core.errors import UsageError
from toygan_tui.core.runfiles.sweeps import is_sweep, read_sweep_config
from toygan_tui.core.sweep.grid import Member

if TYPE_CHECKING:
    from toygan_tui.core.sweep.plan import SweepPlan


def resumed_plan(path: Path, typed: dict[str, Any]) -> tuple[SweepPlan | None, Path]:
    """The plan that continues the sweep in `path` (None, said, when it already finished)."""
    from toygan_tui.core.sweep.plan import SweepPlan
    from toygan_tui.core.sweep.saver import read_saved

    if not is_sweep(path):
        raise UsageError(f"{path}: not a sweep directory (list them with: toygan runs)")
    config = read_sweep_config(path)
    try:
        found = [
            Member(int(m["member"]), int(m["set"]), int(m["seed"]),
                   dataclasses.replace(TrainConfig.from_dict(m["config"]), **typed))
            for m in config["members"]
        ]  # fmt: skip
        plan = SweepPlan(found, [str(s) for s in config["sets"]], dict(config["grid"]))
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise UsageError(f"{path}: damaged sweep config.json ({exc})") from None
    step = read_saved(path).get("step")
    if not isinstance(step, int):
        raise UsageError(f"{path}: the sweep saved no checkpoint yet; start it again")
    if step >= plan.first.cfg.steps:
        print(
            f"sweep {path.name} already finished: step {step} of {plan.first.cfg.steps}. "
            f"To train further: toygan sweep --resume {path} --steps N"
        )
        return None, path
    return plan, path
