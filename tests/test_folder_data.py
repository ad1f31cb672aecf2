"""The folder loader on a folder the test makes: nested directories, a corrupt and a truncated
file, a non-image file, grayscale and RGBA inputs; the cache reused, then invalidated."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from toygan_tui.core.problems import folder_data
from toygan_tui.core.problems.folder_data import FolderError, load_folder

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def make_folder(root: Path) -> Path:
    """6 good images (two nested levels, PNG and JPEG, RGB, L, RGBA) and 3 files that are not."""
    data = root / "faces"
    (data / "a" / "b").mkdir(parents=True)
    wide = Image.new("RGB", (90, 30), RED)  # thirds: red | green | blue
    wide.paste(GREEN, (30, 0, 60, 30))
    wide.paste(BLUE, (60, 0, 90, 30))
    wide.save(data / "wide.png")
    Image.new("RGB", (40, 40), GREEN).save(data / "a" / "green.jpg", quality=95)
    Image.new("L", (20, 20), 200).save(data / "a" / "gray.png")
    Image.new("RGBA", (32, 48), (10, 20, 30, 0)).save(data / "a" / "b" / "clear.png")
    Image.new("RGB", (64, 64), BLUE).save(data / "a" / "b" / "UPPER.PNG")
    Image.new("RGB", (16, 16), RED).save(data / "a" / "b" / "red.jpeg")
    (data / "broken.png").write_bytes(b"not a png at all" * 10)
    good = (data / "wide.png").read_bytes()
    (data / "a" / "truncated.png").write_bytes(good[: len(good) // 2])
    (data / "notes.txt").write_text("a file that is no image")
    return data


def test_the_loader_finds_decodes_crops_and_counts_the_unreadable(tmp_path: Path) -> None:
    data = make_folder(tmp_path)
    loaded = load_folder(data, 8, tmp_path / "cache")
    assert loaded.images.shape == (6, 3, 8, 8) and loaded.images.dtype == np.uint8
    assert loaded.skipped == 2 and not loaded.from_cache  # broken.png, truncated.png
    files = folder_data.image_files(data)
    names = [p.relative_to(data).as_posix() for p in files]
    assert "notes.txt" not in names and "a/b/UPPER.PNG" in names and len(names) == 8
    one = {name: folder_data.decode(path, 8) for name, path in zip(names, files, strict=True)}
    assert one["broken.png"] is None and one["a/truncated.png"] is None
    kept = [image for image in one.values() if image is not None]
    assert np.array_equal(loaded.images, np.stack(kept))  # in sorted order of the paths
    centre = one["wide.png"]  # the wide image's centre square is its green third
    assert (centre[1] > 200).all() and (centre[0] < 60).all() and (centre[2] < 60).all()
    gray = one["a/gray.png"]
    assert (gray == 200).all()  # three equal channels
    clear = one["a/b/clear.png"]
    assert clear.shape == (3, 8, 8) and tuple(clear[:, 0, 0]) == (10, 20, 30)  # alpha dropped


def test_the_cache_is_reused_until_the_folder_changes(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    data, cache = make_folder(tmp_path), tmp_path / "cache"
    first = load_folder(data, 8, cache)
    decoded: list[Path] = []
    real_decode = folder_data.decode
    monkeypatch.setattr(folder_data, "decode", lambda p, s: decoded.append(p) or real_decode(p, s))
    again = load_folder(data, 8, cache)
    assert again.from_cache and not decoded  # nothing decoded the second time
    assert np.array_equal(again.images, first.images) and again.skipped == 2
    assert len(list((cache / "folders").glob("*.npy"))) == 1

    touched = data / "a" / "gray.png"
    stat = touched.stat()
    os.utime(touched, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # same bytes, new mtime
    assert not load_folder(data, 8, cache).from_cache and len(decoded) == 8
    assert load_folder(data, 8, cache).from_cache

    Image.new("RGB", (8, 8), RED).save(data / "a" / "new.png")  # one more image
    grown = load_folder(data, 8, cache)
    assert not grown.from_cache and len(grown.images) == 7
    assert not load_folder(data, 16, cache).from_cache  # another size: its own entry
    assert load_folder(data, 8, cache).from_cache  # ...beside this one
    assert len(list((cache / "folders").glob("*.npy"))) == 2


def test_a_damaged_cache_is_decoded_again(tmp_path: Path) -> None:
    data, cache = make_folder(tmp_path), tmp_path / "cache"
    load_folder(data, 8, cache)
    (array,) = (cache / "folders").glob("*.npy")
    array.write_bytes(b"garbage")
    reloaded = load_folder(data, 8, cache)
    assert not reloaded.from_cache and reloaded.images.shape == (6, 3, 8, 8)


def test_an_unwritable_cache_still_loads(tmp_path: Path) -> None:
    data = make_folder(tmp_path)
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("")
    assert load_folder(data, 8, blocker).images.shape == (6, 3, 8, 8)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "no such folder"),
        (lambda d: d.write_text("x"), "not a folder"),
        (lambda d: d.mkdir(), "no PNG or JPEG images in it"),
        (lambda d: (d.mkdir(), (d / "readme.txt").write_text("x")), "no PNG or JPEG images"),
        (lambda d: (d.mkdir(), (d / "bad.jpg").write_bytes(b"x")), "none of its 1 image files"),
    ],
)
def test_a_folder_without_images_is_one_line(tmp_path: Path, setup, message: str) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "data"
    setup(folder)
    with pytest.raises(FolderError, match=message) as caught:
        load_folder(folder, 8, tmp_path / "cache")
    assert "\n" not in str(caught.value) and str(folder) in str(caught.value)
