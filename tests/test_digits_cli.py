"""The image problems through the command line, end to end: a short digits run (train, the
files it leaves, sample as png, npy, json and the terminal grid, plot, replay, watch without
torch), cond-digits' --label, and the bad inputs: one line and exit 2 each."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from clikit import imports_of, metrics_rows, quick, toygan, toygan_env
from PIL import Image

from toygan_tui.core.runfiles.frames import read_frames

# A few steps of small nets: the files and commands are under test here, not the learning.
SMALL = ("--steps", 6, "--report-every", 3, "--batch-size", 16, "--hidden", 8)


def _short_run(tmp_path_factory: pytest.TempPathFactory, problem: str, name: str) -> Path:
    runs = tmp_path_factory.mktemp(problem) / "runs"
    result = toygan(*quick(runs, "--name", name, "--problem", problem, *SMALL))
    assert result.code == 0, result.err
    return runs / name


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _short_run(tmp_path_factory, "digits", "d")


@pytest.fixture(scope="module")
def cond_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _short_run(tmp_path_factory, "cond-digits", "c")


def test_a_digits_run_leaves_its_measures_and_images(digits_run: Path) -> None:
    config = json.loads((digits_run / "config.json").read_text())
    assert (config["problem"], config["loss"], config["n_show"]) == ("digits", "ns", 64)
    rows = metrics_rows(digits_run)
    assert [r["step"] for r in rows] == [3, 6]
    assert {"confident", "classes", "fd", "d_real", "d_fake"} <= set(rows[-1])
    assert 0 <= rows[-1]["confident"] <= 1 and rows[-1]["fd"] > 0
    frames = read_frames(digits_run / "frames")
    assert [f.step for f in frames] == [3, 6]
    assert frames[-1].arrays["images"].shape == (64, 1, 16, 16)
    assert frames[-1].arrays["images"].dtype == np.uint8
    status = json.loads((digits_run / "status.json").read_text())
    assert status["images"]["shape"] == [64, 1, 16, 16]


def test_sample_writes_a_png_grid_and_an_npy_of_pixels_in_0_1(
    digits_run: Path, tmp_path: Path
) -> None:
    ckpt = digits_run / "ckpt.pt"
    npy, png = tmp_path / "s.npy", tmp_path / "grid.png"
    assert toygan("sample", "--ckpt", ckpt, "-n", 10, "--format", "npy", "--out", npy).code == 0
    pixels = np.load(npy)
    assert pixels.shape == (10, 1, 16, 16) and pixels.dtype == np.float64
    assert pixels.min() >= 0 and pixels.max() <= 1 and pixels.std() > 0
    assert toygan("sample", "--ckpt", ckpt, "-n", 10, "--format", "png", "--out", png).code == 0
    grid = np.asarray(Image.open(png))
    # 10 images: 4 columns and 3 rows of 16 pixels, 2 black pixels around and between them.
    assert grid.shape == (3 * 18 + 2, 4 * 18 + 2)
    first = grid[2:18, 2:18] / 255
    np.testing.assert_allclose(first, pixels[0, 0], atol=1 / 255)
    assert grid[:2].max() == 0 and grid[:, 18:20].max() == 0
    drawn = json.loads(toygan("sample", "--ckpt", ckpt, "-n", 3, "--format", "json").out)
    assert np.asarray(drawn["images"]).shape == (3, 1, 16, 16)
    assert set(drawn["metrics"]) == {"confident", "classes", "fd"}


def test_sample_draws_the_grid_in_the_terminal_by_default(digits_run: Path) -> None:
    shown = toygan("sample", "--ckpt", digits_run / "ckpt.pt", "-n", 4)
    assert shown.code == 0, shown.err
    assert "4 images from the generator at step 6" in shown.out
    assert "G's images" in shown.out and "confident" in shown.out and "fd" in shown.out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--format", "csv"], "--format csv: images have no rows of numbers; use png, npy or json"),
        (["--format", "table"], "--format table: images have no rows of numbers"),
        (["--format", "png"], "--format png writes binary: give a file with --out"),
        (["--label", "3"], "--label: the run's problem digits has no classes"),
    ],
)
def test_bad_sample_options_are_one_line_and_exit_2(
    digits_run: Path, args: list[str], words: str
) -> None:
    result = toygan("sample", "--ckpt", digits_run / "ckpt.pt", *args)
    assert result.code == 2 and words in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_png_is_for_images_only(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    assert toygan(*quick(runs, "--name", "c", "--steps", 2, "--report-every", 1)).code == 0
    result = toygan("sample", "--ckpt", runs / "c" / "ckpt.pt", "--format", "png", "--out",
                    tmp_path / "x.png")  # fmt: skip
    assert result.code == 2 and "--format png: curves are no images" in result.err


def test_cond_digits_draws_the_digit_asked_for(cond_run: Path, tmp_path: Path) -> None:
    ckpt = cond_run / "ckpt.pt"
    drawn = json.loads(toygan("sample", "--ckpt", ckpt, "-n", 4, "--label", 7, "--format",
                              "json").out)  # fmt: skip
    assert drawn["labels"] == [7, 7, 7, 7]
    assert set(drawn["metrics"]) == {"confident", "classes", "fd", "class_acc"}
    turn = json.loads(toygan("sample", "--ckpt", ckpt, "-n", 12, "--format", "json").out)
    assert turn["labels"] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    bad = toygan("sample", "--ckpt", ckpt, "--label", 12)
    assert bad.code == 2 and "--label 12: cond-digits has the classes 0 to 9\n" in bad.err


def test_plot_and_replay_show_the_run(digits_run: Path, tmp_path: Path) -> None:
    plot = toygan("plot", digits_run)
    assert plot.code == 0 and "confident (" in plot.out and "classes (" in plot.out, plot.err
    lines = toygan("replay", digits_run)
    assert lines.code == 0 and len(lines.out.strip().splitlines()) == 2, lines.err
    svg = tmp_path / "frame.svg"
    assert toygan("replay", digits_run, "--out", svg, "--width", 100, "--height", 30).code == 0
    assert "▀" in svg.read_text()  # the image grid in half blocks


def test_runs_lists_a_digits_run_with_the_digits_measures(digits_run: Path, tmp_path: Path) -> None:
    """README: `runs` names each run's own measures, the problem's two charted ones in the
    table (the digits': confident and classes), every one in --format json."""
    runs = tmp_path / "runs"
    shutil.copytree(digits_run, runs / "d")
    status = json.loads((runs / "d" / "status.json").read_text())
    status["metrics"].update(confident=0.873, classes=9.0, fd=3.25)  # as a longer run's
    (runs / "d" / "status.json").write_text(json.dumps(status))
    table = toygan("runs", "--runs-dir", runs)
    assert table.code == 0, table.err
    (row,) = [line for line in table.out.splitlines() if line.startswith("d ")]
    assert "digits" in row and "confident 0.873 classes 9" in row, table.out
    assert "in_bounds" not in table.out and "a_w1" not in table.out
    (listed,) = json.loads(toygan("runs", "--runs-dir", runs, "--format", "json").out)
    assert (listed["confident"], listed["classes"], listed["fd"]) == (0.873, 9.0, 3.25)
    assert listed["problem"] == "digits" and "in_bounds" not in listed


@pytest.mark.slow
@pytest.mark.parametrize("command", ["replay", "watch"])
def test_replay_and_watch_of_a_digits_run_never_import_torch(
    digits_run: Path, command: str
) -> None:
    ran = imports_of(command, digits_run)
    assert ran.result.code == 0, ran.result.err
    assert "rich" in ran.packages and "torch" not in ran.packages


HIDDEN = """
import sys
sys.modules[{module!r}] = None  # as if it were not installed
from toygan_tui.cli import main
main(sys.argv[1:])
"""


@pytest.mark.slow
@pytest.mark.parametrize("module", ["sklearn", "PIL"])
def test_without_the_images_extra_digits_says_what_to_install(tmp_path: Path, module: str) -> None:
    argv = [sys.executable, "-c", HIDDEN.format(module=module),
            *map(str, quick(tmp_path / "runs", "--problem", "digits"))]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=toygan_env(),
                          stdin=subprocess.DEVNULL)  # fmt: skip
    assert done.returncode == 2
    assert (
        done.stderr.strip().splitlines() == [done.stderr.strip().splitlines()[0]]
        and 'pip install "toygan[images]"' in done.stderr
    )
    pip_name = {"sklearn": "scikit-learn", "PIL": "Pillow"}[module]
    assert f"--problem digits needs {pip_name}" in done.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


@pytest.mark.slow
def test_a_digits_run_resumes_to_its_total(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    first = toygan(*quick(runs, "--name", "r", "--problem", "digits", *SMALL))
    assert first.code == 0, first.err
    more = toygan(*quick(runs, "--resume", runs / "r", "--steps", 9))
    assert more.code == 0, more.err
    rows = metrics_rows(runs / "r")
    assert [r["step"] for r in rows] == [3, 6, 9]
    assert [f.step for f in read_frames(runs / "r" / "frames")] == [3, 6, 9]
