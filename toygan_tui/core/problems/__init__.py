"""The problems toygan trains, by the name --problem takes. Adding one: a module in this
package holding one object that meets problems.base.Problem, and its line below.

Importing this package never imports torch (a torch-free reader lists measures from here).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from toygan_tui.core.errors import InputError, pick
from toygan_tui.core.problems.base import Measure, Problem
from toygan_tui.core.problems.cond_curves import COND_CURVES
from toygan_tui.core.problems.curves import CURVES
from toygan_tui.core.problems.digits import COND_DIGITS, DIGITS
from toygan_tui.core.problems.grid import GRID
from toygan_tui.core.problems.image_folder import COND_IMAGES, IMAGES, ImageFolder
from toygan_tui.core.problems.ring import RING
from toygan_tui.core.problems.two import TWO

PROBLEMS: dict[str, Problem] = {
    p.name: p
    for p in (CURVES, RING, GRID, TWO, COND_CURVES, DIGITS, COND_DIGITS, IMAGES, COND_IMAGES)
}
DEFAULT_PROBLEM = "curves"


class UnknownProblem(InputError):
    """--problem names no problem; the message is one line for the user."""


def get_problem(name: str) -> Problem:
    """The problem called `name`, else UnknownProblem naming the choices."""
    return pick(PROBLEMS, name, "--problem", UnknownProblem)


# The options only a problem that reads a folder takes (config.json holds them for every run).
FOLDER_OPTIONS = ("data", "image_size", "channels", "fit", "background")


def problem_for(name: str, data: str = "", image_size: int = IMAGES.side, **folder: Any) -> Problem:
    """The problem a run trains: `name`'s, with its folder and how it is read (image size,
    `folder`: channels, fit, background, classes) for a folder problem. Readers that have
    only the name use get_problem (the same measures and view)."""
    problem = get_problem(name)
    if isinstance(problem, ImageFolder):
        return problem.for_run(data, image_size, **folder)
    if data:
        raise UnknownProblem(f"--data applies to the folder problems only, not {name}")
    return problem


def check_typed(name: str, typed: Collection[str]) -> None:
    """An option of the folder problems typed for another problem: one line (a default value
    is in every config, so only a typed one counts)."""
    if not isinstance(get_problem(name), ImageFolder):
        for option in FOLDER_OPTIONS:
            if option in typed:
                flag = "--" + option.replace("_", "-")
                raise UnknownProblem(
                    f"{flag} applies to the folder problems (images, cond-images) only, not {name}"
                )


__all__ = [
    "DEFAULT_PROBLEM", "FOLDER_OPTIONS", "PROBLEMS", "Measure", "Problem", "UnknownProblem",
    "check_typed", "get_problem", "problem_for",
]  # fmt: skip
