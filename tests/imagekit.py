"""Folders of generated images for the folder problem's tests: no download, a few KB each."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from toygan_tui.core.problems import Problem, get_problem, problem_for

SIDE = 16  # the registry-wide tests train `images` at 16×16: small arrays, quick nets


def discs(folder: Path, count: int, seed: int = 0) -> Path:
    """count images of 20-40 px a side: a bright disc or square on a dark background, of
    random size and colour, PNG and JPEG, in three subfolders."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        w, h = (int(v) for v in rng.integers(20, 41, size=2))
        image = Image.new("RGB", (w, h), tuple(int(c) for c in rng.integers(0, 80, 3)))
        r = int(rng.integers(5, min(w, h) // 2))
        box = (w // 2 - r, h // 2 - r, w // 2 + r, h // 2 + r)
        colour = tuple(int(c) for c in rng.integers(120, 256, 3))
        draw = ImageDraw.Draw(image)
        (draw.ellipse if i % 2 else draw.rectangle)(box, fill=colour)
        sub = folder / f"part{i % 3}"
        sub.mkdir(parents=True, exist_ok=True)
        image.save(sub / f"{i:04d}.{'png' if i % 4 else 'jpg'}")
    return folder


def runnable(name: str, folder: Path) -> Problem:
    """The problem as a run trains it: `images` needs its folder (the `faces` fixture)."""
    return problem_for(name, str(folder), SIDE) if name == "images" else get_problem(name)


def data_options(name: str, folder: Path) -> dict[str, object]:
    """The TrainConfig fields a problem needs besides its name: `images` its folder."""
    return {"data": str(folder), "image_size": SIDE} if name == "images" else {}
