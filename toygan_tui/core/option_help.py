"""An option's help line, derived from its entry and the registries: its text, the values it
takes, and, for an option a problem, a loss or a recipe sets, whose value it takes unless typed
(read off the problems' defaults, the losses' settings and the recipes, never written by hand).
`--help` and the docs' options tables both print these. Torch-free.
"""

from __future__ import annotations

from typing import Any

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.losses import LOSSES
from toygan_tui.core.options import Entry
from toygan_tui.core.problems import PROBLEMS
from toygan_tui.core.recipes import RECIPES


def help_text(entry: Entry) -> str:
    """The option's help: its line, its choices, and where its default comes from."""
    text = entry.spec.help
    if entry.spec.choices is not None:
        text += " One of: " + " | ".join(entry.spec.choices()) + "."
    if entry.spec.tuned:
        text += " Unless typed: " + default_note(entry.name) + "."
    return text


def default_note(name: str) -> str:
    """'curves, cond-curves: 64; ring, grid, two: 256; ...; wgan-gp: 5; --recipe tuned: 0.5':
    the value each problem gives `name`, then the losses' and the recipes' that override it."""
    table_default = getattr(TrainConfig, name)
    by_problem = {p.name: _problem_value(p, name, table_default) for p in PROBLEMS.values()}
    parts = [_grouped(by_problem)]
    for loss in LOSSES.values():
        value = _loss_value(loss, name)
        if value is not None:
            parts.append(f"--loss {loss.name}: {_shown(value)}")
    for recipe in RECIPES.values():
        if name in recipe.options:
            parts.append(f"--recipe {recipe.name}: {_shown(recipe.options[name])}")
    return "; ".join(parts)


def _problem_value(problem: Any, name: str, table_default: Any) -> Any:
    value = getattr(problem.defaults, name, table_default)
    return table_default if value is None else value  # a problem's loss None: the tutorial's


def _loss_value(loss: Any, name: str) -> Any:
    """The value a loss sets for `name` (None: it leaves it to the problem)."""
    if name in loss.defaults:
        return loss.defaults[name]
    if name in ("n_critic", "gp_weight") and getattr(loss, name) != getattr(TrainConfig, name):
        return getattr(loss, name)
    return None


def _grouped(values: dict[str, Any]) -> str:
    """Problems with the same value together, in the registry's order."""
    groups: dict[str, list[str]] = {}
    for problem, value in values.items():
        groups.setdefault(_shown(value), []).append(problem)
    if len(groups) == 1:
        return f"{next(iter(groups))} for every problem"
    return "; ".join(f"{', '.join(problems)}: {value}" for value, problems in groups.items())


def _shown(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
