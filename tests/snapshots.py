"""A factory of Snapshots for the UI tests: no torch, no training, numbers chosen to be findable."""

from __future__ import annotations

import io
import re
from typing import Any

import numpy as np
from rich.console import Console
from rich.text import Text

from toygan_tui.core.problems.curve_data import x_grid
from toygan_tui.core.runfiles.snapshot import Snapshot


def make_snapshot(step: int = 1000, total: int = 10_000, **overrides: Any) -> Snapshot:
    """A plausible mid-run report: 8 curves inside the bounds, distinctive metric values."""
    x = x_grid(15)
    a = np.linspace(1.1, 1.9, 8) + 0.05 * np.sin(step / 500)  # the curves move as steps pass
    fields: dict[str, Any] = {
        "step": step,
        "total": total,
        "d_loss": 1.365,
        "g_loss": -0.611,
        "d_real": 0.470,
        "d_fake": 0.457,
        "quality": {"in_bounds": 0.678, "a_w1": 0.132, "shape_rmse": 0.174, "coverage": 0.8},
        "samples": a[:, None] * x[None, :] ** 2 + (a[:, None] - 1),
        "x": x,
        "steps_per_s": 884.0,
        "elapsed": 1.2,
        "run_id": "20261127-175600-s1",
        "device": "cpu",
        "engine": "fast",
    }
    fields.update(overrides)
    # The minimax loss's stats may be given one by one (d_real=...), as the tests read best.
    stats = {k: fields.pop(k) for k in ("d_loss", "g_loss", "d_real", "d_fake")}
    fields.setdefault("stats", stats)
    return Snapshot(**fields)


def make_stream(n: int, total: int | None = None, every: int = 50) -> list[Snapshot]:
    """n reports of one run, every `every` steps, with D(real) wobbling towards 0.5."""
    total = total or n * every
    return [
        make_snapshot(
            step=(i + 1) * every,
            total=total,
            d_real=0.5 + 0.1 * np.exp(-i / 30) * np.cos(i / 3),
            d_fake=0.5 - 0.1 * np.exp(-i / 30) * np.cos(i / 4),
            quality={
                "in_bounds": min(0.9, i / n),
                "a_w1": 0.5 / (1 + i),
                "shape_rmse": 0.3 / (1 + i),
                "coverage": 0.1 * (i % 11),
            },
        )
        for i in range(n)
    ]


def draw(renderable: object, width: int, height: int, **console_args: Any) -> str:
    """What a terminal of width × height receives when the renderable is printed (with ANSI)."""
    console = Console(
        file=io.StringIO(), width=width, height=height, force_terminal=True, **console_args
    )
    console.print(renderable, end="")
    return console.file.getvalue()  # type: ignore[attr-defined]


def visible(ansi: str) -> list[str]:
    """The lines a person sees: escape codes removed, trailing blanks kept off."""
    return [line.rstrip() for line in Text.from_ansi(ansi).plain.split("\n")]


def braille_cells(text: str) -> int:
    """How many braille characters (chart dots) are on screen."""
    return sum(0x2800 < ord(ch) <= 0x28FF for ch in text)


def colour_codes(ansi: str) -> list[str]:
    """The SGR escape parameters in the text that set a colour (foreground or background)."""
    found = []
    for params in re.findall(r"\x1b\[([0-9;]*)m", ansi):
        codes = [int(p) for p in params.split(";") if p.isdigit()]
        if any(30 <= c <= 49 or 90 <= c <= 107 for c in codes):
            found.append(params)
    return found
