"""What an option of a run is, and what is derived from its one entry (core/config.py).

Every option of a run is one field of TrainConfig, declared once with `option(...)`: its
default, its help line, and which parts of toygan read it (`Reads`). From those entries come,
with nothing listed by hand: the options of `toygan train` and `toygan sweep` and their help
(the command line, cli/), the checks of a config, the options a resumed run must keep, which
options a problem's, a loss's or a recipe's defaults may set, what a sweep's evaluator and its
batched engine key on, and the options tables of the docs. Adding a setting touches its entry,
the code that uses it, and its tests.

Torch-free: `--help` and the run-files readers use it.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


class Reads(enum.Flag):
    """Which parts of toygan read an option (an option may be read by several)."""

    NONE = 0
    MATH = enum.auto()  # it changes the numbers a run produces: a resumed run keeps it
    EVALUATOR = enum.auto()  # the reports read it: runs equal in these share one fixed noise batch
    SHAPE = enum.auto()  # it fixes a step's shapes: runs batched together (a sweep's) share it
    SWEEP = enum.auto()  # one value for a whole sweep: its members step and report in lockstep


# Where an option is listed in --help and the docs, in this order.
PANELS = ("The problem", "The nets and Adam", "How long, where, how fast", "Reports and saves")


@dataclass(frozen=True)
class Option:
    """One option's entry: the metadata of its TrainConfig field."""

    help: str  # one line for --help and the docs, without the choices and default notes
    panel: str  # which of PANELS lists it
    reads: Reads = Reads.NONE
    tuned: bool = False  # a problem's, a loss's or a recipe's defaults may set it
    flag: bool = True  # an option of `train` and `sweep` (else a config field only)
    positive: bool = False  # a whole number > 0
    choices: Callable[[], Iterable[str]] | None = None  # the values it takes, for --help
    path: bool = False  # a path on the command line (the config keeps it absolute, as text)
    sweep_default: Any = None  # a sweep's own default, where it differs from a run's
    check: Callable[[Any, Any], None] | None = None  # check(value, context): ConfigError


def option(default: Any, help: str, panel: str, **entry: Any) -> Any:
    """A TrainConfig field with its option entry (typed Any: the field's annotation types it)."""
    if panel not in PANELS:
        raise ValueError(f"unknown panel {panel!r}")
    return dataclasses.field(default=default, metadata={"option": Option(help, panel, **entry)})


@dataclass(frozen=True)
class Entry:
    """An option as the readers of the table see it: its field's name, type and default too."""

    name: str
    type: type
    default: Any
    spec: Option

    @property
    def flag_name(self) -> str:
        """How the command line spells it: --lr-g."""
        return "--" + self.name.replace("_", "-")


def entries(config_class: type) -> dict[str, Entry]:
    """The option table of a config dataclass whose fields were declared with `option()`."""
    types = {"int": int, "float": float, "str": str, "bool": bool}
    table = {}
    for f in dataclasses.fields(config_class):
        spec = f.metadata.get("option")
        if spec is None:
            raise TypeError(f"{config_class.__name__}.{f.name} has no option entry")
        table[f.name] = Entry(f.name, types[str(f.type)], f.default, spec)
    return table


def names(table: Mapping[str, Entry], reads: Reads) -> tuple[str, ...]:
    """The options that `reads` reads, in the table's order."""
    return tuple(name for name, e in table.items() if reads in e.spec.reads)


def flag(name: str) -> str:
    """A config field's option as typed: lr_g → --lr-g."""
    return "--" + name.replace("_", "-")
