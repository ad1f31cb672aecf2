"""The folder problems' options through the command line: --channels (a grey folder trains on
one channel unless told otherwise), --fit and --background recorded and read back; cond-images
(a class per subfolder: its names in the config, sample --label by name or number, PNGs named
by class, per-class measures where a class has images enough, bad folders one line)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from clikit import toygan
from PIL import Image, ImageDraw

from toygan_tui.core.problems import image_folder, problem_for

TINY = ("--image-size", 8, "--hidden", 8, "--batch-size", 4, "--steps", 1, "--device", "cpu",
        "--no-live")  # fmt: skip


def pictures(folder: Path, count: int, colour: tuple[int, int, int], mode: str = "RGB") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        image = Image.new(mode, (10 + i % 3, 10), (0, 0, 0) if mode == "RGB" else 0)
        fill = colour if mode == "RGB" else colour[0]
        ImageDraw.Draw(image).ellipse((2, 2, 7 + i % 3, 8), fill=fill)
        image.save(folder / f"{i:02d}.png")
    return folder


def train(runs: Path, name: str, *args: object) -> dict:  # type: ignore[type-arg]
    result = toygan("train", *args, *TINY, "--runs-dir", runs, "--name", name)
    assert result.code == 0, result.err
    return json.loads((runs / name / "config.json").read_text())  # type: ignore[no-any-return]


def npy_shape(tmp_path: Path, run: Path) -> tuple[int, ...]:
    out = tmp_path / f"{run.name}.npy"
    assert (
        toygan("sample", "--ckpt", run / "ckpt.pt", "-n", 2, "--format", "npy", "--out", out).code
        == 0
    )
    return tuple(np.load(out).shape)


def test_a_grey_folder_trains_on_one_channel_unless_told(tmp_path: Path) -> None:
    grey, rgb, runs = tmp_path / "grey", tmp_path / "rgb", tmp_path / "runs"
    pictures(grey, 6, (180, 0, 0), mode="L")
    pictures(rgb, 6, (200, 40, 10))
    assert train(runs, "g", "--problem", "images", "--data", grey)["channels"] == 1
    assert npy_shape(tmp_path, runs / "g") == (2, 1, 8, 8)
    assert (
        train(runs, "g3", "--problem", "images", "--data", grey, "--channels", 3)["channels"] == 3
    )
    assert npy_shape(tmp_path, runs / "g3") == (2, 3, 8, 8)
    assert train(runs, "r", "--problem", "images", "--data", rgb)["channels"] == 3
    told = train(runs, "r1", "--problem", "images", "--data", rgb, "--channels", 1, "--fit",
                 "pad", "--background", "black")  # fmt: skip
    assert (told["channels"], told["fit"], told["background"]) == (1, "pad", "black")
    assert npy_shape(tmp_path, runs / "r1") == (2, 1, 8, 8)
    bad = toygan("train", "--problem", "images", "--data", rgb, "--channels", 2, *TINY,
                 "--runs-dir", runs)  # fmt: skip
    assert bad.code == 2 and bad.err == "toygan: error: --channels must be one of 0, 1, 3, got 2\n"


def classes(root: Path) -> Path:
    data = root / "pets"
    pictures(data / "cats", 8, (250, 120, 0))
    pictures(data / "dogs" / "puppies", 8, (0, 80, 250))  # a class's images may be deeper
    Image.new("RGB", (9, 9)).save(data / "loose.png")  # in no class
    return data


def test_cond_images_learns_a_class_per_subfolder(tmp_path: Path) -> None:
    data, runs = classes(tmp_path), tmp_path / "runs"
    result = toygan("train", "--problem", "cond-images", "--data", data, *TINY, "--runs-dir",
                    runs, "--name", "c")  # fmt: skip
    assert result.code == 0, result.err
    assert f"training on 16 images of {data} at 8×8, RGB, in 2 classes (cats, dogs); skipped 1 " \
        "file: 1 outside the class folders (loose.png)" in result.err  # fmt: skip
    config = json.loads((runs / "c" / "config.json").read_text())
    assert config["classes"] == "cats/dogs"
    assert config["folder"]["classes"] == {"cats": 8, "dogs": 8}
    ckpt = runs / "c" / "ckpt.pt"
    for label in ("dogs", "1"):
        drawn = json.loads(toygan("sample", "--ckpt", ckpt, "-n", 3, "--label", label,
                                  "--format", "json").out)  # fmt: skip
        assert drawn["labels"] == [1, 1, 1]
    bad = toygan("sample", "--ckpt", ckpt, "--label", "birds")
    assert bad.code == 2
    assert (
        bad.err == "toygan: error: --label birds: cond-images has the classes cats (0), dogs (1)\n"
    )
    out = tmp_path / "each"
    assert toygan("sample", "--ckpt", ckpt, "-n", 4, "--format", "png", "--out", out).code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "0000-cats.png", "0001-dogs.png", "0002-cats.png", "0003-dogs.png"]  # fmt: skip

    pictures(data / "birds", 2, (0, 200, 0))  # the folder changed its classes
    image_folder.forget()  # as the next command's process: the folder read again
    moved = toygan("train", "--resume", runs / "c", "--steps", 2, "--no-live")
    assert moved.code == 2 and moved.err.count("\n") == 1
    assert "its classes are now birds, cats, dogs; the run was trained on cats, dogs" in moved.err


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: pictures(d / "only", 3, (9, 9, 9)), "at least 2 (found 1 (only))"),
        (lambda d: pictures(d, 3, (9, 9, 9)), "at least 2 (found 0)"),
    ],
)
def test_cond_images_without_classes_is_one_line(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    make(data)
    result = toygan("train", "--problem", "cond-images", "--data", data, *TINY, "--runs-dir",
                    tmp_path / "runs")  # fmt: skip
    assert result.code == 2 and result.err.count("\n") == 1
    assert "--problem cond-images needs a subfolder per class, " + message in result.err


def test_a_class_with_images_enough_gets_its_own_measure(tmp_path: Path) -> None:
    data = tmp_path / "pets"
    pictures(data / "cats", 40, (250, 120, 0))
    pictures(data / "dogs", 20, (0, 80, 250))
    problem = problem_for("cond-images", str(data), 8, channels=3, classes="cats/dogs")
    samples, labels = problem.real_batch(np.random.RandomState(0), 64)
    asked = np.arange(32) % 2  # 16 of each: 40 cats hold two disjoint draws of 16, 20 dogs not
    values = problem.measure(samples[:32], asked)
    assert "swd_x:cats" in values and "swd_x:dogs" not in values
    assert values["swd_x"] > 0 and 0 <= values["copies"] <= 1
