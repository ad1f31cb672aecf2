"""The folder loader on folders the tests make with Pillow: every format in any letter case,
nested, linked; transparency, greyscale, odd shapes; every way a file can fail, counted by
reason and named; the cache reused, then invalidated; an empty result one line."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from imagekit import FORMATS, messy_counts, messy_folder
from PIL import Image

from toygan_tui.core.problems import folder_data
from toygan_tui.core.problems.folder_data import FolderError, load_folder
from toygan_tui.core.problems.folder_decode import Decoding, decode

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)
AT8 = Decoding(8)


def test_every_format_in_any_case_is_found_and_every_other_file_is_named(tmp_path: Path) -> None:
    data = messy_folder(tmp_path)
    loaded = load_folder(data, AT8, tmp_path / "cache")
    kept, skipped = messy_counts()
    assert loaded.images.shape == (kept, 3, 8, 8) and loaded.images.dtype == np.uint8
    assert loaded.skipped.counts == skipped
    names = {Path(p).name for p in loaded.paths}
    assert set(FORMATS) <= names  # .JPG .Jpeg .PNG .WEBP .BMP .GIF .TIFF too
    assert {"truncated.jpg", "text.png", "gone.png", "icon.png"}.isdisjoint(names)
    assert loaded.skipped.names["unreadable or truncated"] == [
        "a/b/text.png", "a/truncated.jpg", "gone.png"
    ]  # fmt: skip
    assert loaded.skipped.names["unsupported extension"] == ["c/IMG_0001.heic"]
    assert loaded.skipped.names["not an image"] == [".DS_Store", "notes.txt"]
    # A link to a file or folder already walked, and the loop back up, add nothing.
    assert len(loaded.paths) == len(set(loaded.paths)) == kept
    assert not any(p.startswith("z-linked/") or "/up/" in p for p in loaded.paths)
    described = loaded.skipped.describe()
    assert described.startswith("3 unreadable or truncated (a/b/text.png, a/truncated.jpg, ")
    assert "1 unsupported extension (c/IMG_0001.heic)" in described


def test_pictures_are_read_as_they_are(tmp_path: Path) -> None:
    """Transparency over the background, greys kept grey, the first frame of a GIF, 16-bit
    greys scaled, EXIF orientation applied, crop or pad, small images upscaled and counted."""
    clear = tmp_path / "clear.png"
    rgba = Image.new("RGBA", (8, 8), (255, 0, 0, 255))
    rgba.paste((0, 0, 0, 0), (0, 0, 8, 4))  # the top half transparent
    rgba.save(clear)
    white, _, _ = decode(clear, Decoding(8, background="white"))
    black, _, _ = decode(clear, Decoding(8, background="black"))
    assert white is not None and black is not None
    assert tuple(white[:, 0, 0]) == (255, 255, 255) and tuple(black[:, 0, 0]) == (0, 0, 0)
    assert tuple(white[:, 7, 0]) == RED == tuple(black[:, 7, 0])

    frames = [Image.new("RGB", (8, 8), c) for c in (GREEN, BLUE)]
    frames[0].save(tmp_path / "moving.gif", save_all=True, append_images=frames[1:])
    first, _, _ = decode(tmp_path / "moving.gif", AT8)
    assert first is not None and tuple(first[:, 4, 4]) == GREEN

    Image.fromarray(np.full((8, 8), 65535, np.uint16)).save(tmp_path / "deep.png")
    deep, _, _ = decode(tmp_path / "deep.png", AT8)
    assert deep is not None and (deep == 255).all()  # 16-bit white is white, not clipped noise

    wide = Image.new("RGB", (24, 8), RED)  # thirds: red | green | blue
    wide.paste(GREEN, (8, 0, 16, 8))
    wide.paste(BLUE, (16, 0, 24, 8))
    wide.save(tmp_path / "wide.png")
    cropped, _, _ = decode(tmp_path / "wide.png", Decoding(8, fit="crop"))
    padded, _, small = decode(tmp_path / "wide.png", Decoding(8, fit="pad", background="black"))
    assert cropped is not None and (cropped[1] > 200).all() and (cropped[0] < 60).all()
    assert padded is not None and not small
    assert (padded[:, 0] == 0).all() and (padded[:, 7] == 0).all()  # bars above and below
    assert padded[0, 4, 0] > 200 and padded[2, 4, 7] > 200  # the whole width: red … blue

    upright = Image.new("RGB", (16, 8), RED)  # stored on its side: left red, right blue
    upright.paste(BLUE, (8, 0, 16, 8))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show it
    upright.save(tmp_path / "phone.jpg", exif=exif, quality=95)
    shown, _, _ = decode(tmp_path / "phone.jpg", AT8)
    assert shown is not None and shown[0, 0, 0] > 200 and shown[2, 7, 0] > 200  # red over blue

    Image.new("RGB", (5, 6), GREEN).save(tmp_path / "little.png")
    grown, reason, upscaled = decode(tmp_path / "little.png", Decoding(16))
    assert grown is not None and reason == "" and upscaled
    assert decode(tmp_path / "little.png", Decoding(32))[:2] == (None, "too small")  # 4× at most


def test_a_grey_folder_is_known_as_grey(tmp_path: Path) -> None:
    data = tmp_path / "grey"
    data.mkdir()
    Image.new("L", (8, 8), 30).save(data / "a.png")
    Image.new("RGB", (8, 8), (90, 90, 90)).save(data / "b.jpg", quality=100)  # grey as RGB
    Image.new("LA", (8, 8), (200, 128)).save(data / "c.png")
    assert load_folder(data, AT8, tmp_path / "cache").grey
    Image.new("RGB", (8, 8), RED).save(data / "d.png")
    assert not load_folder(data, AT8, tmp_path / "cache").grey


def test_the_cache_is_reused_until_the_folder_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, cache = messy_folder(tmp_path), tmp_path / "cache"
    first = load_folder(data, AT8, cache)
    decoded: list[Path] = []
    real_decode = folder_data.decode
    monkeypatch.setattr(folder_data, "decode", lambda p, d: decoded.append(p) or real_decode(p, d))
    again = load_folder(data, AT8, cache)
    assert again.from_cache and not decoded  # nothing decoded the second time
    assert np.array_equal(again.images, first.images) and again.paths == first.paths
    assert again.skipped.counts == first.skipped.counts  # the reasons come from the cache too
    assert len(list((cache / "folders").glob("*.npy"))) == 1

    touched = data / "c" / "grey.jpg"
    stat = touched.stat()
    os.utime(touched, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # same bytes, new mtime
    assert not load_folder(data, AT8, cache).from_cache and decoded
    assert load_folder(data, AT8, cache).from_cache
    (data / "another.txt").write_text("no image: the cache still holds")
    assert load_folder(data, AT8, cache).from_cache

    Image.new("RGB", (8, 8), RED).save(data / "a" / "new.png")  # one more image
    grown = load_folder(data, AT8, cache)
    assert not grown.from_cache and len(grown.images) == len(first.images) + 1
    for other in (Decoding(16), Decoding(8, fit="pad"), Decoding(8, background="black")):
        assert not load_folder(data, other, cache).from_cache  # its own entry...
    assert load_folder(data, AT8, cache).from_cache  # ...beside this one
    assert len(list((cache / "folders").glob("*.npy"))) == 4


def test_a_damaged_cache_is_decoded_again(tmp_path: Path) -> None:
    data, cache = messy_folder(tmp_path), tmp_path / "cache"
    load_folder(data, AT8, cache)
    (array,) = (cache / "folders").glob("*.npy")
    array.write_bytes(b"garbage")
    reloaded = load_folder(data, AT8, cache)
    assert not reloaded.from_cache and len(reloaded.images) == messy_counts()[0]


def test_an_unwritable_cache_still_loads(tmp_path: Path) -> None:
    data = messy_folder(tmp_path)
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("")
    assert len(load_folder(data, AT8, blocker).images) == messy_counts()[0]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "no such folder"),
        (lambda d: d.write_text("x"), "not a folder"),
        (lambda d: d.mkdir(), "no image to train on in it or its subfolders (searched for .jpg"),
        (lambda d: d.mkdir(), "; it holds no files"),
        (lambda d: (d.mkdir(), (d / "readme.txt").write_text("x")),
         "; skipped 1 file: 1 not an image (readme.txt)"),
        (lambda d: (d.mkdir(), (d / "bad.jpg").write_bytes(b"x"), (d / "p.heic").write_text("")),
         "; skipped 2 files: 1 unreadable or truncated (bad.jpg), 1 unsupported extension"),
        (lambda d: (d.mkdir(), Image.new("RGB", (1, 1)).save(d / "dot.png")),
         "1 too small (dot.png); a picture needs 2 pixels a side at --image-size 8: try a "
         "smaller one"),
    ],
)  # fmt: skip
def test_a_folder_without_images_is_one_line(tmp_path: Path, setup, message: str) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "data"
    setup(folder)
    with pytest.raises(FolderError) as caught:
        load_folder(folder, AT8, tmp_path / "cache")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value) and str(caught.value).startswith(f"--data {folder}: ")
