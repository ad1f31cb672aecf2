"""Recipes: named sets of option defaults, the one home of "which settings train well".

A recipe sits between the loss's published settings and the options the user types
(config.resolve): problem defaults < loss defaults < recipe < typed options. A recipe that
picks a loss brings that loss's defaults in under its own values. `tutorial` sets nothing, so
the default run stays the tutorial's, bit for bit.

A recipe is offered only where it was measured (`problems`): on any other problem it is
refused with one line, since its values were chosen on one problem's measures and nothing
says they help (or even train) elsewhere. Torch-free: `--help` and config files read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from toygan_tui.core.errors import InputError, pick


class RecipeError(InputError):
    """A recipe that does not exist, or does not apply to the run; one line for the user."""


@dataclass(frozen=True)
class Recipe:
    name: str
    summary: str  # one line for --help and the README
    options: Mapping[str, Any] = field(default_factory=dict)  # option defaults, by field name
    problems: tuple[str, ...] | None = None  # where it was measured; None: every problem

    def describe(self) -> str:
        """'tuned (loss=ns, lr_g=0.0004, ...)': the values, as --help lists them."""
        values = ", ".join(f"{k}={v}" for k, v in self.options.items())
        return f"{self.name} ({values or 'no overrides'})"


TUTORIAL = Recipe("tutorial", "the tutorial's settings (the default)")

# Measured over seeds 1–10 at 10 000 steps from 1 000 sampled curves (README, bench/recipes):
# the non-saturating loss with 4× the tutorial's learning rate and β1 0.5.
TUNED = Recipe(
    "tuned",
    "non-saturating loss, Adam lr 4e-4 for both, betas (0.5, 0.999)",
    {"loss": "ns", "lr_g": 4e-4, "lr_d": 4e-4, "beta1": 0.5, "beta2": 0.999},
    problems=("curves",),
)

RECIPES: dict[str, Recipe] = {r.name: r for r in (TUTORIAL, TUNED)}


def get_recipe(name: str) -> Recipe:
    return pick(RECIPES, name, "--recipe", RecipeError)


def check_recipe(name: str, problem: str) -> Recipe:
    """The recipe `name`, if it applies to `problem`; else RecipeError with one line."""
    recipe = get_recipe(name)
    if recipe.problems is not None and problem not in recipe.problems:
        where = ", ".join(recipe.problems)
        raise RecipeError(
            f"--recipe {name} was tuned on --problem {where} only, not {problem}; "
            f"use --recipe tutorial and type the options you want"
        )
    return recipe
