"""`toygan sample`: samples from a checkpoint (its best.pt with --best): curves and points as a
chart, a table, csv, json or npy; images as a terminal grid, a PNG grid or one PNG each, json or
npy; or, with --interpolate, walks through G's noise space as a GIF or PNG frames."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from toygan_tui.core.errors import UsageError
from toygan_tui.core.runfiles.best import BEST_FILE
from toygan_tui.core.runfiles.rundir import CHECKPOINT_FILE, LAST_CHECKPOINT
from toygan_tui.core.runfiles.sweeps import is_sweep, member_dir, run_or_member

if TYPE_CHECKING:
    from toygan_tui.core.runfiles.drawn import Samples

FORMATS = ("chart", "table", "csv", "json", "npy", "png")
BINARY = ("npy", "png")  # written to --out only
VECTOR_ONLY = ("table", "csv")  # rows of numbers: not for images
IMAGES_ONLY = ("png",)
# An --out file's ending names its format: `--out grid.png` alone writes a PNG, not the
# terminal's chart in a file called grid.png.
BY_SUFFIX = {f".{fmt}": fmt for fmt in ("png", "npy", "json", "csv")}


def run_sample(
    *,
    ckpt: Path,
    num: int,
    seed: int,
    fmt: str | None,
    out: Path | None,
    label: str | None = None,
    code: int | None = None,
    raw: bool = False,
    member: int | None = None,
    best: bool = False,
    interpolate: int | None = None,
) -> None:
    fmt = chosen_format(fmt, out)
    if interpolate is not None and out is None:
        raise UsageError("--interpolate writes pictures: give --out FILE.gif or --out DIR")
    if fmt in BINARY and out is None:
        raise UsageError(f"--format {fmt} writes binary: give a file with --out")
    if out is not None and not out.parent.is_dir():
        raise UsageError(f"--out: directory {out.parent} does not exist")
    if member is not None or is_sweep(ckpt):  # a sweep's member: its own checkpoint
        ckpt = member_dir(run_or_member(ckpt, member), member or 0) / CHECKPOINT_FILE
    if best:
        ckpt = best_of(ckpt)
    if interpolate is not None:
        assert out is not None
        return _walk(ckpt, interpolate, num, seed, label, raw, code, out)
    from toygan_tui.core.runfiles import drawn
    from toygan_tui.core.training.drawing import draw

    samples = draw(ckpt, num, seed, label, raw, code)
    _check_format(fmt, samples)
    if fmt in BINARY:
        assert out is not None
        if fmt == "npy":
            drawn.to_npy(samples, out)
        elif out.suffix.lower() == ".png":
            drawn.to_png(samples, out)
        else:
            print(f"wrote {len(drawn.to_pngs(samples, out))} images into {out}")
    elif fmt in ("csv", "json"):
        text = drawn.to_csv(samples) if fmt == "csv" else drawn.to_json(samples) + "\n"
        _emit(text, out)
    else:
        _show(samples, fmt, out)


def best_of(ckpt: Path) -> Path:
    """The best.pt of the run `ckpt` names: a run directory, a checkpoint in one, or
    runs/last.pt (the run that wrote it last)."""
    if ckpt.is_dir():
        directory = ckpt
    elif ckpt.name == LAST_CHECKPOINT and ckpt.is_file():
        from toygan_tui.core.training.checkpoint import read_checkpoint

        directory = ckpt.parent / str(read_checkpoint(ckpt).get("run_id") or ".")
    else:
        directory = ckpt.parent
    path = directory / BEST_FILE
    if not path.is_file():
        raise UsageError(
            f"--best: no {BEST_FILE} in {directory} (a run keeps one from its first report; "
            f"runs from before best.pt have none)"
        )
    return path


def _walk(ckpt: Path, points: int, num: int, seed: int, label: str | None, raw: bool,
          code: int | None, out: Path) -> None:  # fmt: skip
    if importlib.util.find_spec("PIL") is None:
        raise UsageError('--interpolate needs Pillow: pip install "toygan[images]"')
    from toygan_tui.core.runfiles import drawn
    from toygan_tui.core.training.drawing import walk

    found = walk(ckpt, points, num, seed, label, raw, code)
    if out.suffix.lower() == ".gif":
        drawn.to_gif(found, out)
        print(f"wrote {out}: {len(found.frames)} frames, {points} points")
    else:
        print(f"wrote {len(drawn.to_frames(found, out))} frames into {out}")


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


def chosen_format(fmt: str | None, out: Path | None) -> str:
    """--format; without it, what --out's ending names, else chart. A --format that an --out
    file's ending contradicts (`--format chart --out grid.png`) is refused."""
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    named = BY_SUFFIX.get(out.suffix.lower()) if out is not None else None
    if fmt is None:
        return named or "chart"
    if named is not None and named != fmt:
        raise UsageError(f"--out {out} is a .{named} file but --format is {fmt}: drop one of them")
    return fmt


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
