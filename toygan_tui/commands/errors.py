"""One clear line on stderr and exit code 2 for every bad input; no traceback."""

from __future__ import annotations

import sys
from typing import NoReturn

from toygan_tui.core.errors import InputError

EXIT_BAD_INPUT = 2


class UsageError(InputError):
    """Bad input found by a command; the message is the whole line the user sees."""


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    print(f"toygan: error: {message}", file=sys.stderr)
    sys.exit(code)
