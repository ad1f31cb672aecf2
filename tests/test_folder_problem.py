"""`--problem images --data DIR` through the command line: a small run end to end (train, the
warning for unreadable files, sample, plot, runs, resume), its bad inputs as one line and exit
2, and the measure telling real images from noise against the real-vs-real floor."""

from __future__ import annotations

import json
import re
import shutil
import signal
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from clikit import metrics_rows, toygan, toygan_env
from imagekit import discs
from PIL import Image
from watchkit import Terminal

from toygan_tui.core.cachedir import cache_dir
from toygan_tui.core.problems import image_folder, problem_for
from toygan_tui.core.problems.image_folder import IMAGES, to_unit
from toygan_tui.core.runfiles.frames import read_frames
from toygan_tui.core.training.checkpoint import read_checkpoint

SMALL = ("--image-size", 16, "--batch-size", 16, "--device", "cpu", "--no-live")


def folder_with_a_bad_file(root: Path, count: int = 12) -> Path:
    data = discs(root / "data", count)
    (data / "part0" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    (data / "README.txt").write_text("not an image: passed over without a word")
    return data


@pytest.mark.slow
def test_a_folder_run_trains_warns_once_samples_plots_and_resumes(tmp_path: Path) -> None:
    data, runs = folder_with_a_bad_file(tmp_path), tmp_path / "runs"
    run = toygan("train", "--problem", "images", "--data", data, *SMALL, "--steps", 2,
                 "--report-every", 1, "--runs-dir", runs, "--name", "f")  # fmt: skip
    assert run.code == 0, run.err
    assert run.err.count("\n") == 1  # a small folder decodes at once: only the warning
    assert f"toygan: warning: skipped 1 of 13 image files in {data}: unreadable" in run.err
    config = json.loads((runs / "f" / "config.json").read_text())
    assert config["data"] == str(data.resolve()) and config["image_size"] == 16
    assert config["loss"] == "ns" and config["lr_g"] == 2e-4 and config["beta1"] == 0.5
    rows = metrics_rows(runs / "f")
    assert [row["step"] for row in rows] == [1, 2]
    assert all(row["swd"] > 0 and row["swd_real"] > 0 for row in rows)
    assert rows[-1]["swd_x"] == pytest.approx(rows[-1]["swd"] / rows[-1]["swd_real"])

    out = tmp_path / "s.npy"
    sampled = toygan("sample", "--ckpt", runs / "f" / "ckpt.pt", "-n", 4, "--format", "npy",
                     "--out", out)  # fmt: skip
    assert sampled.code == 0, sampled.err
    assert np.load(out).shape == (4, 3, 16, 16)
    metrics = json.loads(
        toygan("sample", "--ckpt", runs / "f" / "ckpt.pt", "-n", 4, "--format", "json").out
    )["metrics"]
    assert set(metrics) == {"swd", "swd_real", "swd_x"} and metrics["swd"] > 0
    assert toygan("plot", runs / "f").code == 0
    listed = json.loads(toygan("runs", "--runs-dir", runs, "--format", "json").out)
    assert listed[0]["problem"] == "images"

    moved = tmp_path / "moved"
    shutil.move(data, moved)  # a resumed run may read its folder from elsewhere
    refused = toygan("train", "--resume", runs / "f", "--image-size", 32, "--steps", 3)
    assert refused.code == 2 and "--image-size 32 differs from the run's --image-size 16" in (
        refused.err
    )
    resumed = toygan("train", "--resume", runs / "f", "--data", moved, "--steps", 3, "--no-live")
    assert resumed.code == 0, resumed.err
    assert "done at step 3/3" in resumed.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "--problem images needs --data DIR (a folder of PNG/JPEG images)"),
        (("--data", "{tmp}/nowhere"), "--data {tmp}/nowhere: no such folder"),
        (("--data", "{tmp}/empty"), "--data {tmp}/empty: no PNG or JPEG images in it"),
        (("--data", "{tmp}/text"), "--data {tmp}/text: no PNG or JPEG images in it"),
        (("--data", "{tmp}/bad"), "--data {tmp}/bad: none of its 1 image files could be read"),
        (("--data", "{tmp}/empty", "--image-size", 48), "--image-size must be one of 8, 16"),
    ],
)
def test_a_folder_without_images_is_one_line_and_exit_2(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "a.txt").write_text("x")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "a.png").write_bytes(b"x")
    given = [str(a).format(tmp=tmp_path) for a in args]
    result = toygan("train", "--problem", "images", *given, "--runs-dir", tmp_path / "runs")
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert result.err.startswith("toygan: error: " + message.format(tmp=tmp_path)), result.err
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--data", "{tmp}"), "--data applies to --problem images only, not curves"),
        (("--image-size", 32), "--image-size applies to --problem images only, not curves"),
    ],
)
def test_folder_options_with_another_problem_are_refused(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    given = [str(a).format(tmp=tmp_path) for a in args]
    result = toygan("train", *given, "--runs-dir", tmp_path / "runs")
    assert result.code == 2 and f"toygan: error: {message}" in result.err, result.err


def test_real_images_score_near_the_floor_and_noise_far_above_it(tmp_path: Path) -> None:
    problem = problem_for("images", str(discs(tmp_path / "data", 200)), 16)
    real, _ = problem.real_batch(np.random.RandomState(3), 100)
    noise = np.random.default_rng(4).uniform(-1, 1, real.shape)
    gray = np.zeros_like(real)  # a collapsed G: one flat image
    scored = {name: problem.measure(x) for name, x in (("real", real), ("noise", noise),
                                                       ("gray", gray))}  # fmt: skip
    # measured: real 0.80, noise 5.3, gray 6.1 (200 images at 16×16, 100 a side)
    assert scored["real"]["swd_x"] < 2  # near the floor (the measure's good level)
    assert scored["noise"]["swd_x"] > 5 * scored["real"]["swd_x"]
    assert scored["gray"]["swd_x"] > 3 * scored["real"]["swd_x"]
    assert len({s["swd_real"] for s in scored.values()}) == 1  # one floor per folder and size
    assert problem.measure(to_unit(np.zeros((4, 3, 16, 16), np.uint8)))["swd"] > 0


def test_the_registry_entry_names_the_measures_without_a_folder() -> None:
    assert [m.name for m in IMAGES.measures] == ["swd", "swd_real", "swd_x"]
    assert IMAGES.view == "images" and IMAGES.defaults.depth == 4  # DCGAN at 64×64
    assert IMAGES.defaults.batch_size == 128 and IMAGES.defaults.lr_g == 2e-4


def test_a_big_folder_says_it_decodes_once_then_reads_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(image_folder, "NOTE_AT", 10)
    data = folder_with_a_bad_file(tmp_path)
    notes: list[str] = []
    problem = problem_for("images", str(data), 8)
    problem.prepare(note=notes.append, warn=notes.append)
    assert notes == [
        f"decoding 13 images of {data} at 8×8, once (cached in {cache_dir() / 'folders'})",
        f"skipped 1 of 13 image files in {data}: unreadable",
    ]
    image_folder._LOADED.clear()  # as a new process: the disk cache, no decoding
    notes.clear()
    problem.prepare(note=notes.append, warn=notes.append)
    assert notes == [f"skipped 1 of 13 image files in {data}: unreadable"]


@pytest.mark.slow  # 16 images of 256 × 256 per report, and 1 000 for the measure
@pytest.mark.parametrize("side", [128, 256])
def test_the_largest_image_sizes_train_sample_and_draw(tmp_path: Path, side: int) -> None:
    """README: --image-size 8, 16, 32, 64, 128 or 256. The two largest, with the narrowest
    nets: a DCGAN of log2(side) − 1 transposed convolutions, images of that side in the frames,
    in `sample --format npy` and in a PNG grid (2 × 2 here, 2 black pixels apart)."""
    data, runs = discs(tmp_path / "data", 8), tmp_path / "runs"
    run = toygan("train", "--problem", "images", "--data", data, "--image-size", side,
                 "--hidden", 4, "--batch-size", 4, "--steps", 1, "--report-every", 1,
                 "--device", "cpu", "--no-live", "--runs-dir", runs, "--name", "big")  # fmt: skip
    assert run.code == 0, run.err
    ckpt = runs / "big" / "ckpt.pt"
    data_ = read_checkpoint(ckpt)
    assert data_["config"]["image_size"] == side
    convolutions = [w for k, w in data_["G"].items() if k.endswith("weight") and w.dim() == 4]
    assert len(convolutions) == side.bit_length() - 2  # log2(side) − 1: 4×4 up to side
    (frame,) = read_frames(runs / "big" / "frames")
    assert frame.arrays["images"].shape[1:] == (3, side, side)
    npy, png = tmp_path / "s.npy", tmp_path / "s.png"
    for fmt, out in (("npy", npy), ("png", png)):
        sampled = toygan("sample", "--ckpt", ckpt, "-n", 4, "--format", fmt, "--out", out)
        assert sampled.code == 0, sampled.err
    pixels = np.load(npy)
    assert pixels.shape == (4, 3, side, side) and 0 <= pixels.min() <= pixels.max() <= 1
    with Image.open(png) as grid:
        assert grid.size == (2 * side + 6, 2 * side + 6)


@pytest.mark.slow  # a DCGAN in a pseudo-terminal: torch's import, then a few steps
def test_a_folder_run_draws_its_images_and_measures_in_a_real_terminal(
    tmp_path: Path, faces: Path
) -> None:
    argv = [sys.executable, "-m", "toygan_tui", "train", "--problem", "images", "--data", faces,
            "--image-size", 16, "--batch-size", 16, "--steps", 1_000_000, "--report-every", 2,
            "--device", "cpu", "--runs-dir", "runs", "--live"]  # fmt: skip
    env = toygan_env({"TERM": "xterm-256color", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
                      "TOYGAN_CACHE_DIR": str(tmp_path / "cache")})  # fmt: skip
    term = Terminal([str(a) for a in argv], 100, 30, env=env, cwd=tmp_path)
    try:
        term.wait_for(r"swd_x\s+\d+\.\d{2}", 120)
        term.settle()
        screen = term.text()
        assert "toygan run" in term.screen.display[0] and "engine reference" in screen, screen
        assert re.search(r"swd\s+\d\.\d{3}\s+↓ → floor", screen), screen
        assert re.search(r"swd_real\s+\d\.\d{3}\s+↓ floor", screen), screen
        assert screen.count("▀") > 100, screen  # G's images, two pixels a cell
        term.child.kill(signal.SIGINT)
        status = term.exit_status(90)
    finally:
        term.close()
    assert status == 130


def test_batches_on_a_device_come_from_the_cached_memory_map_too(tmp_path: Path) -> None:
    """A later process reads the cache memory-mapped, read-only: the device copy still works
    (torch warns on a read-only array, and the suite turns warnings into errors)."""
    problem = problem_for("images", str(discs(tmp_path / "data", 8)), 8)
    problem.prepare(note=lambda line: None, warn=lambda line: None)  # decoded, cached
    image_folder._LOADED.clear()  # as a new process
    assert problem.data().from_cache
    batch, labels = problem.real_batch_torch(
        torch.Generator().manual_seed(0), 5, torch.device("cpu")
    )
    assert batch.shape == (5, 3, 8, 8) and labels is None
    assert batch.min().item() >= -1 and batch.max().item() <= 1
