"""A run's best checkpoint: best.pt beside ckpt.pt, and best.json saying which report it is.

best.pt is the checkpoint (the same format as ckpt.pt) of the report with the best value of the
problem's headline measures so far; best.json holds that report's step and measures:

    {"step": 6500, "quality": {"swd": 0.41, ..., "swd_x": 0.91}, "generator": "G"}

("ema" where the run keeps an EMA of G: the EMA's measures rank the reports, as `sample` draws
from it). Each is written atomically (temp file, fsync, rename), best.pt first: a best.json is
only ever beside the best.pt it describes or a newer one. Torch-free: `toygan runs` reads it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from toygan_tui.core.runfiles.atomic import atomic_write

BEST_FILE = "best.pt"
BEST_INFO = "best.json"


def write_best(directory: Path, data: bytes, step: int, quality: dict[str, float], ema: bool):
    """best.pt (the checkpoint's bytes), then best.json; OSError if either failed."""
    atomic_write(Path(directory) / BEST_FILE, data)
    info = {
        "step": step,
        "quality": {k: v if math.isfinite(v) else None for k, v in quality.items()},
        "generator": "ema" if ema else "G",
    }
    atomic_write(Path(directory) / BEST_INFO, json.dumps(info).encode())


def read_best(directory: Path) -> dict[str, Any] | None:
    """best.json as written ({"step", "quality", "generator"}), or None: absent (a run from
    before best.pt, or without a report yet), unreadable or damaged."""
    try:
        data = json.loads((Path(directory) / BEST_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(data, dict) and isinstance(data.get("step"), int)
    if not ok or not isinstance(data.get("quality"), dict):
        return None
    quality = {str(k): float(v) if isinstance(v, (int, float)) else math.nan
               for k, v in data["quality"].items()}  # fmt: skip
    return {"step": data["step"], "quality": quality, "generator": str(data.get("generator", "G"))}
