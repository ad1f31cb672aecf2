"""The exceptions the command line turns into one line on stderr: bad input (exit code 2), and
a run that could not go on (exit code 1). Torch-free, so a command catches them before torch
has loaded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")

EXIT_BAD_INPUT = 2  # the exit code of every InputError: one line on stderr, no traceback


class InputError(ValueError):
    """Bad input (an option, a value, a file) the user can fix; str(exc) is the whole message."""


class ConfigError(InputError):
    """An option has a value training cannot use; the message is one line for the user."""


class UsageError(InputError):
    """Bad input found by a command; the message is the whole line the user sees."""


class DeviceError(InputError):
    """The asked-for device is not usable here; the message is one line for the user."""


def pick(registry: Mapping[str, T], name: str, option: str, error: type[InputError]) -> T:
    """registry[name], else `error` saying which names `option` takes (one line for the user)."""
    try:
        return registry[name]
    except KeyError:
        choices = ", ".join(registry)
        raise error(f"{option} must be one of {choices}, got {name!r}") from None


class Diverged(RuntimeError):
    """Losses or parameters stopped being finite at `step`; nothing from it was saved.
    `what` says which ('d_loss is'), `last_good` where the last good checkpoint is."""

    def __init__(self, step: int, what: str, last_good: str, last_good_step: int) -> None:
        super().__init__(
            f"training diverged at step {step} ({what} not finite); stopped without saving it. "
            f"The last good {last_good} (step {last_good_step})"
        )
        self.step = step


class SaveFailed(RuntimeError):
    """The run ended (finished or stopped) but its final state could not be written."""


class JobLost(RuntimeError):
    """A torchrun job lost one of its processes (a collective failed): this one cannot go on."""
