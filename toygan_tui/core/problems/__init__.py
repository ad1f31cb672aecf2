"""The problems toygan trains, by the name --problem takes. Adding one: a module in this
package holding one object that meets problems.base.Problem, and its line below.

Importing this package never imports torch (a torch-free reader lists measures from here).
"""

from __future__ import annotations

from collections.abc import Collection

from toygan_tui.core.errors import InputError, pick
from toygan_tui.core.problems.base import Measure, Problem
from toygan_tui.core.problems.cond_curves import COND_CURVES
from toygan_tui.core.problems.curves import CURVES
from toygan_tui.core.problems.digits import COND_DIGITS, DIGITS
from toygan_tui.core.problems.grid import GRID
from toygan_tui.core.problems.image_folder import IMAGES, for_folder
from toygan_tui.core.problems.ring import RING
from toygan_tui.core.problems.two import TWO

PROBLEMS: dict[str, Problem] = {
    p.name: p for p in (CURVES, RING, GRID, TWO, COND_CURVES, DIGITS, COND_DIGITS, IMAGES)
}
DEFAULT_PROBLEM = "curves"


class UnknownProblem(InputError):
    """--problem names no problem; the message is one line for the user."""


def get_problem(name: str) -> Problem:
    """The problem called `name`, else UnknownProblem naming the choices."""
    return pick(PROBLEMS, name, "--problem", UnknownProblem)


def problem_for(name: str, data: str = "", image_size: int = IMAGES.side) -> Problem:
    """The problem a run trains: `name`'s, with its folder and image size for `images`.
    Readers that have only the name use get_problem (the same measures and view)."""
    problem = get_problem(name)
    if problem is IMAGES:
        return for_folder(data, image_size)
    if data:
        raise UnknownProblem(f"--data applies to --problem images only, not {name}")
    return problem


def check_typed(name: str, typed: Collection[str]) -> None:
    """An option of the folder problem typed for another problem: one line (problem_for
    checks --data; a default --image-size is in every config, so only a typed one counts)."""
    if "image_size" in typed and get_problem(name) is not IMAGES:
        raise UnknownProblem(f"--image-size applies to --problem images only, not {name}")


__all__ = [
    "DEFAULT_PROBLEM", "PROBLEMS", "Measure", "Problem", "UnknownProblem", "check_typed",
    "get_problem", "problem_for",
]  # fmt: skip
