"""A sweep's plan: its members and option sets, and the config.json that records them.
Torch-free: the command writes config.json as soon as it has claimed the sweep's directory, so
`watch` and `runs` know it for a sweep while torch loads (or a detached child starts)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toygan_tui.core.runfiles.atomic import atomic_write
from toygan_tui.core.runfiles.sweeps import KIND, SweepDir
from toygan_tui.core.sweep.grid import Member


@dataclass(frozen=True)
class SweepPlan:
    members: list[Member]
    labels: list[str]  # each option set's row name
    grid: dict[str, Any]  # the grid as given

    @property
    def first(self) -> Member:
        return self.members[0]

    def config(self, sweep_id: str, device: str) -> dict[str, Any]:
        """config.json: the grid, the option sets, and every member's resolved config."""
        first = self.first.cfg
        return {
            "kind": KIND,
            "sweep_id": sweep_id,
            "problem": ",".join(dict.fromkeys(m.cfg.problem for m in self.members)),
            "loss": ",".join(dict.fromkeys(m.cfg.loss for m in self.members)),
            "steps": first.steps,
            "report_every": first.report_every,
            "save_every": first.save_every,
            "device": device,
            "grid": self.grid,
            "sets": self.labels,
            "members": [
                {"member": m.number, "set": m.set_index, "seed": m.seed, "config": m.cfg.to_dict()}
                for m in self.members
            ],
        }

    def write_config(self, path: Path, device: str) -> None:
        files = SweepDir(Path(path))
        text = json.dumps(self.config(files.sweep_id, device), indent=2) + "\n"
        atomic_write(files.config, text.encode())
