"""A sweep's plan: its grid (seeds as ranges and lists, every other option a comma list), its
members (the grid of the options' values × the seeds, numbered 1, 2, ...), and the config.json
that records them. Torch-free: the command writes config.json as soon as it has claimed the
sweep's directory, so `watch` and `runs` know it for a sweep while torch loads (or a detached
child starts), and `sweep --resume` reads the plan back from it.

Each member's config is what `toygan train` with those options would resolve (config.resolve):
a value train refuses is refused here, and a new option of the table is a sweep option for free.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toygan_tui.core.config import OPTIONS, ConfigError, TrainConfig, resolve
from toygan_tui.core.errors import UsageError
from toygan_tui.core.runfiles.atomic import atomic_write
from toygan_tui.core.runfiles.sweeps import KIND, SweepDir, is_sweep, read_sweep_config

MAX_MEMBERS = 10_000  # a bigger grid is a typo, not a sweep (files, memory, time)


@dataclass(frozen=True)
class PlannedMember:
    number: int  # 1, 2, ... in grid order: the option sets in turn, each over the seeds
    set_index: int  # which option set (0-based), the row of the sweep's table
    seed: int
    cfg: TrainConfig


@dataclass(frozen=True)
class Grid:
    axes: dict[str, list[Any]]  # option name → its values, in the order given
    seeds: list[int]

    @property
    def sets(self) -> list[dict[str, Any]]:
        """Every combination of the options' values (the last option varies fastest)."""
        names = list(self.axes)
        combos = itertools.product(*self.axes.values())
        return [dict(zip(names, combo, strict=True)) for combo in combos]

    def spec(self) -> dict[str, Any]:
        """The grid as config.json records it."""
        return {"options": self.axes, "seeds": self.seeds}


def parse_seeds(text: str) -> list[int]:
    """'1-10', '1,3,5', '1-3,7' → the seeds in order; ConfigError for anything else."""
    seeds: list[int] = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if match is None:
            raise ConfigError(f"--seeds: {part.strip()!r} is not a seed or a range like 1-10")
        low = int(match[1])
        high = int(match[2]) if match[2] is not None else low
        if high < low:
            raise ConfigError(f"--seeds: the range {low}-{high} is empty (write {high}-{low})")
        if high - low >= MAX_MEMBERS:
            raise ConfigError(f"--seeds: {low}-{high} is more than {MAX_MEMBERS} seeds")
        seeds += range(low, high + 1)
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"--seeds {text}: a seed is given twice")
    return seeds


def split_list(flag: str, text: str, convert: Callable[[str], Any]) -> list[Any]:
    """'a,b' → [convert('a'), convert('b')]; an empty item is refused."""
    items = [item.strip() for item in text.split(",")]
    if any(not item for item in items):
        raise ConfigError(f"{flag} {text!r}: an empty value in the list")
    values = [convert(item) for item in items]
    if len(set(map(repr, values))) != len(values):
        raise ConfigError(f"{flag} {text!r}: a value is given twice")
    return values


def members(grid: Grid, fixed: Mapping[str, Any], typed: Collection[str]) -> list[PlannedMember]:
    """Every member's resolved config: `fixed` holds the options that are the same for all
    (by field name), `typed` names every option the user typed (grid axes included)."""
    count = len(grid.seeds) * _product(len(v) for v in grid.axes.values())
    if count > MAX_MEMBERS:
        raise ConfigError(f"the sweep has {count} members; at most {MAX_MEMBERS} are allowed")
    found: list[PlannedMember] = []
    for set_index, options in enumerate(grid.sets):
        for seed in grid.seeds:
            cfg = resolve({**fixed, **options, "seed": seed}, {*typed, "seed"})
            found.append(PlannedMember(len(found) + 1, set_index, seed, cfg))
    return found


def grid_of(lists: Mapping[str, list[Any]], seeds: list[int]) -> tuple[Grid, dict[str, Any]]:
    """(the grid: the options given several values, and the seeds; the options given one)."""
    axes = {name: values for name, values in lists.items() if len(values) > 1}
    single = {name: values[0] for name, values in lists.items() if len(values) == 1}
    return Grid(axes, seeds), single


def sweep_defaults() -> dict[str, Any]:
    """The options whose default differs in a sweep (it reports less often than a run)."""
    return {n: e.spec.sweep_default for n, e in OPTIONS.items() if e.spec.sweep_default is not None}


def set_label(options: Mapping[str, Any]) -> str:
    """An option set as the table's row names it: 'loss ns  lr_g 0.0004' ('all' when none)."""
    return "  ".join(f"{name} {value:g}" if isinstance(value, float) else f"{name} {value}"
                     for name, value in options.items()) or "all"  # fmt: skip


def _product(sizes: Sequence[int] | Any) -> int:
    total = 1
    for size in sizes:
        total *= size
    return total


@dataclass(frozen=True)
class SweepPlan:
    members: list[PlannedMember]
    labels: list[str]  # each option set's row name
    grid: dict[str, Any]  # the grid as given

    @property
    def first(self) -> PlannedMember:
        return self.members[0]

    def problems(self) -> list[str]:
        """Each option set's problem (its measures, its good levels), by set."""
        problems = [""] * len(self.labels)
        for member in self.members:
            problems[member.set_index] = member.cfg.problem
        return problems

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


def read_plan(path: Path, typed: Mapping[str, Any]) -> SweepPlan:
    """The plan of the sweep in `path`, from its config.json, with the options `typed` (those
    that cannot change a member's numbers) over every member's own."""
    if not is_sweep(path):
        raise UsageError(f"{path}: not a sweep directory (list them with: toygan runs)")
    config = read_sweep_config(path)
    try:
        found = [
            PlannedMember(int(m["member"]), int(m["set"]), int(m["seed"]),
                          dataclasses.replace(TrainConfig.from_dict(m["config"]), **typed))
            for m in config["members"]
        ]  # fmt: skip
        return SweepPlan(found, [str(s) for s in config["sets"]], dict(config["grid"]))
    except ConfigError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{path}: damaged sweep config.json ({exc})") from None
