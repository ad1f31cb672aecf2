"""`toygan sample`: samples from a checkpoint: curves and points as a chart, a table, csv, json
or npy; images as a terminal grid, a PNG grid, json or npy."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from toygan_tui.core.errors import UsageError
from toygan_tui.core.runfiles.rundir import CHECKPOINT_FILE
from toygan_tui.core.runfiles.sweeps import is_sweep, member_dir, run_or_member

if TYPE_CHECKING:
    from toygan_tui.core.runfiles.drawn import Samples

FORMATS = ("chart", "table", "csv", "json", "npy", "png")
BINARY = ("npy", "png")  # written to --out only
VECTOR_ONLY = ("table", "csv")  # rows of numbers: not for images
IMAGES_ONLY = ("png",)


def run_sample(
    *,
    ckpt: Path,
    num: int,
    seed: int,
    fmt: str,
    out: Path | None,
    label: int | None = None,
    code: int | None = None,
    raw: bool = False,
    member: int | None = None,
) -> None:
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt in BINARY and out is None:
        raise UsageError(f"--format {fmt} writes binary: give a file with --out")
    if out is not None and not out.parent.is_dir():
        raise UsageError(f"--out: directory {out.parent} does not exist")
    if member is not None or is_sweep(ckpt):  # a sweep's member: its own checkpoint
        ckpt = member_dir(run_or_member(ckpt, member), member or 0) / CHECKPOINT_FILE
    from toygan_tui.core.runfiles import drawn
    from toygan_tui.core.training.drawing import draw

    samples = draw(ckpt, num, seed, label, raw, code)
    _check_format(fmt, samples)
    if fmt in BINARY:
        assert out is not None
        (drawn.to_npy if fmt == "npy" else drawn.to_png)(samples, out)
    elif fmt in ("csv", "json"):
        text = drawn.to_csv(samples) if fmt == "csv" else drawn.to_json(samples) + "\n"
        _emit(text, out)
    else:
        _show(samples, fmt, out)


def _check_format(fmt: str, samples: Samples) -> None:
    """Formats by kind of sample: images have no rows of numbers, vectors no picture file."""
    from toygan_tui.core.runfiles.drawn import is_images

    view = samples.problem.view
    if is_images(samples) and fmt in VECTOR_ONLY:
        raise UsageError(f"--format {fmt}: {view} have no rows of numbers; use png, npy or json")
    if not is_images(samples) and fmt in IMAGES_ONLY:
        raise UsageError(f"--format {fmt}: {view} are no images; use chart, csv, json or npy")
    if fmt == "png" and importlib.util.find_spec("PIL") is None:
        raise UsageError('--format png needs Pillow: pip install "toygan[images]"')


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def _show(samples: Samples, fmt: str, out: Path | None) -> None:
    from toygan_tui.ui.samples import samples_view

    view = samples_view(samples, fmt)
    if out is None:
        Console().print(view)
        return
    with out.open("w", encoding="utf-8") as handle:
        Console(file=handle, width=100, no_color=True).print(view)
