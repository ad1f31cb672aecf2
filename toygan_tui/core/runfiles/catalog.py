"""What a run reports, from the names of its problem and loss: the loss's stats and the
problem's measures, in metrics.jsonl's order. Torch-free, for every reader of run files.

Files written before problems and losses existed name neither: they are curves + minimax.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from toygan_tui.core.losses import DEFAULT_LOSS, Loss, get_loss
from toygan_tui.core.problems import DEFAULT_PROBLEM, Problem, get_problem
from toygan_tui.core.runfiles.snapshot import TIMING_KEYS


@dataclass(frozen=True)
class RunKind:
    problem: Problem
    loss: Loss

    @property
    def names(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(the loss's stat names, the problem's measure names): Snapshot.from_row's `names`."""
        return self.loss.stat_names, tuple(m.name for m in self.problem.measures)

    @property
    def metric_keys(self) -> tuple[str, ...]:
        """The keys of one metrics.jsonl line, in order."""
        stats, measures = self.names
        return ("step", *stats, *measures, *TIMING_KEYS)


def run_kind(problem: str = DEFAULT_PROBLEM, loss: str = DEFAULT_LOSS) -> RunKind:
    """The kind of run these names make; InputError (one line) for a name this toygan lacks."""
    return RunKind(get_problem(problem), get_loss(loss))


def kind_of(data: Mapping[str, Any]) -> RunKind:
    """The kind a config.json or status.json describes (no names: an older toygan's run)."""
    problem, loss = data.get("problem", DEFAULT_PROBLEM), data.get("loss", DEFAULT_LOSS)
    return run_kind(str(problem), str(loss))
