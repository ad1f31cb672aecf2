"""Folders of generated images for the folder problem's tests: no download, a few KB each."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from toygan_tui.core.problems import Problem, get_problem, problem_for

SIDE = 16  # the registry-wide tests train `images` at 16×16: small arrays, quick nets


def discs(folder: Path, count: int, seed: int = 0, sides: tuple[int, int] = (20, 40)) -> Path:
    """count images of 20-40 px a side (or `sides`): a bright disc or square on a dark
    background, of random size and colour, PNG and JPEG, in three subfolders."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        w, h = (int(v) for v in rng.integers(sides[0], sides[1] + 1, size=2))
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


FOLDER_PROBLEMS = ("images", "cond-images")  # their runs need --data (the `faces` fixture)


def runnable(name: str, folder: Path) -> Problem:
    """The problem as a run trains it: a folder problem needs its folder (the `faces` fixture),
    and cond-images the class names the folder gives."""
    if name not in FOLDER_PROBLEMS:
        return get_problem(name)
    return problem_for(name, str(folder), SIDE, **_classes(name, folder))


def data_options(name: str, folder: Path) -> dict[str, object]:
    """The TrainConfig fields a problem needs besides its name: a folder problem its folder."""
    if name not in FOLDER_PROBLEMS:
        return {}
    return {"data": str(folder), "image_size": SIDE, "channels": 3, **_classes(name, folder)}


def _classes(name: str, folder: Path) -> dict[str, str]:
    """cond-images' classes: the folder's subfolders (discs() makes part0, part1, part2)."""
    if name != "cond-images":
        return {}
    return {"classes": "/".join(sorted(p.name for p in folder.iterdir() if p.is_dir()))}


# Every extension a user's folder has, in the letter cases cameras and tools write them.
FORMATS = {
    "a.jpg": "JPEG", "b.JPG": "JPEG", "c.Jpeg": "JPEG", "d.png": "PNG", "e.PNG": "PNG",
    "f.webp": "WEBP", "g.WEBP": "WEBP", "h.bmp": "BMP", "i.BMP": "BMP", "j.gif": "GIF",
    "k.GIF": "GIF", "l.tif": "TIFF", "m.TIFF": "TIFF",
}  # fmt: skip


def messy_folder(root: Path) -> Path:
    """A folder as people have it: every format above in nested folders, some not square,
    RGBA, greyscale (8- and 16-bit), a palette GIF with transparency, an animated GIF; and
    what goes wrong: a truncated JPEG, a PNG of text, an empty file, a 1×1 icon, notes, a
    .heic, .DS_Store; links to a file, to a folder, back up (a loop), and to nothing.
    messy_counts() says what the loader must make of it (at 8×8)."""
    data = root / "messy"
    for n, (name, fmt) in enumerate(FORMATS.items()):
        folder = data / ("a" if n % 3 == 0 else "a/b" if n % 3 == 1 else "c")
        folder.mkdir(parents=True, exist_ok=True)
        size = (12, 20) if n % 2 else (16, 16)  # some portrait, some square
        Image.new("RGB", size, (20 * n, 100, 255 - 20 * n)).save(folder / name, format=fmt)
    extra = data / "c"
    rgba = Image.new("RGBA", (10, 10), (255, 0, 0, 255))
    rgba.paste((0, 0, 0, 0), (0, 0, 10, 5))  # the top half transparent
    rgba.save(extra / "clear.png")
    Image.new("L", (9, 14), 77).save(extra / "grey.jpg", quality=95)
    Image.new("LA", (10, 10), (200, 255)).save(extra / "grey-alpha.png")
    Image.fromarray(np.full((8, 8), 40000, np.uint16)).save(extra / "grey16.png")
    palette = Image.new("P", (10, 10), 1)
    palette.putpalette([0, 0, 0, 0, 200, 0] + [0] * 762)
    palette.save(extra / "palette.gif", transparency=0)
    frames = [Image.new("RGB", (10, 10), c) for c in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(extra / "moving.gif", save_all=True, append_images=frames[1:])
    good = (data / "a" / "a.jpg").read_bytes()
    (data / "a" / "truncated.jpg").write_bytes(good[: len(good) // 2])
    (data / "a" / "b" / "text.png").write_text("not a picture")
    (data / "a" / "b" / "empty.png").write_bytes(b"")
    Image.new("RGB", (1, 1)).save(data / "icon.png")
    (data / "notes.txt").write_text("where these came from")
    (data / "c" / "IMG_0001.heic").write_bytes(b"\0" * 64)
    (data / ".DS_Store").write_bytes(b"\0" * 16)
    (data / "c" / "same.png").symlink_to(extra / "clear.png")  # one file: counted once
    (data / "z-linked").symlink_to(data / "a")  # a folder already walked: once
    (data / "a" / "b" / "up").symlink_to(data)  # a loop
    (data / "gone.png").symlink_to(data / "nowhere.png")
    return data


def messy_counts() -> tuple[int, dict[str, int]]:
    """The images messy_folder's loader keeps, and the files it skips by reason."""
    kept = len(FORMATS) + 6  # and clear, grey, grey-alpha, grey16, palette, moving
    skipped = {"unreadable or truncated": 3, "empty": 1, "too small": 1, "not an image": 2,
               "unsupported extension": 1}  # fmt: skip
    return kept, skipped
