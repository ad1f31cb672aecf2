"""Pictures out: `sample --interpolate K` (a GIF, or PNG frames in a folder), and `replay RUN
--out progress.gif` (G's samples over the run: images, curves or points, every N-th report)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from clikit import toygan
from imagekit import discs
from PIL import Image


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An 8×8 folder run, a curves run and a ring run, a few reports each."""
    root = tmp_path_factory.mktemp("pictures")
    runs = root / "runs"
    data = discs(root / "data", 12)
    for name, args in (
        ("img", ("--problem", "images", "--data", data, "--image-size", 8, "--hidden", 8,
                 "--batch-size", 8, "--steps", 4, "--report-every", 1)),
        ("cv", ("--steps", 200, "--report-every", 50)),
        ("rg", ("--problem", "ring", "--steps", 100, "--report-every", 50)),
    ):  # fmt: skip
        done = toygan("train", *args, "--runs-dir", runs, "--name", name, "--no-live",
                      "--device", "cpu")  # fmt: skip
        assert done.code == 0, done.err
    return runs


def frames_of(path: Path) -> list[np.ndarray]:
    with Image.open(path) as gif:
        out = []
        for i in range(gif.n_frames):
            gif.seek(i)
            out.append(np.asarray(gif.convert("RGB")))
        return out


def test_an_interpolation_walks_k_points_and_back(runs: Path, tmp_path: Path) -> None:
    ckpt = runs / "img" / "ckpt.pt"
    walked = toygan("sample", "--ckpt", ckpt, "--interpolate", 3, "-n", 4, "--out",
                    tmp_path / "walk.gif")  # fmt: skip
    assert walked.code == 0, walked.err
    frames = frames_of(tmp_path / "walk.gif")
    assert len(frames) == 3 * 12 and frames[0].shape[1] >= 256  # 12 frames a leg, enlarged
    assert not np.array_equal(frames[0], frames[6])  # it moves
    folder = toygan("sample", "--ckpt", ckpt, "--interpolate", 2, "-n", 1, "--out",
                    tmp_path / "frames")  # fmt: skip
    assert folder.code == 0 and "wrote 24 frames into" in folder.out, folder.err
    names = sorted(p.name for p in (tmp_path / "frames").iterdir())
    assert names[0] == "frame-0000.png" and len(names) == 24


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--ckpt", "{runs}/cv/ckpt.pt", "--interpolate", 3, "--out", "{tmp}/w.gif"),
         "--interpolate walks between images; curves draws curves"),
        (("--ckpt", "{runs}/img/ckpt.pt", "--interpolate", 1, "--out", "{tmp}/w.gif"),
         "--interpolate must be between 2 and 100 points, got 1"),
        (("--ckpt", "{runs}/img/ckpt.pt", "--interpolate", 3),
         "--interpolate writes pictures: give --out FILE.gif or --out DIR"),
    ],
)  # fmt: skip
def test_a_walk_that_cannot_be_made_is_one_line(
    runs: Path, tmp_path: Path, args: tuple[object, ...], message: str
) -> None:
    given = [str(a).format(runs=runs, tmp=tmp_path) for a in args]
    result = toygan("sample", *given)
    assert result.code == 2 and result.err == f"toygan: error: {message}\n"


def test_replay_animates_every_problems_samples(runs: Path, tmp_path: Path) -> None:
    for run, every, count in (("img", 1, 4), ("cv", 2, 3), ("rg", 1, 2)):  # cv: 50, 150, 200
        out = tmp_path / f"{run}.gif"
        done = toygan("replay", run, "--runs-dir", runs, "--out", out, "--every", every)
        assert done.code == 0, done.err
        frames = frames_of(out)
        assert len(frames) == count and f"wrote {out}: {count} frames" in done.out
        assert not np.array_equal(frames[0], frames[-1])
    curves = frames_of(tmp_path / "cv.gif")[0]
    red = (curves[..., 0] > 180) & (curves[..., 1] < 110) & (curves[..., 2] < 110)
    assert red.sum() > 300  # the bounds x² and 2x² + 1, drawn in red
    bad = toygan("replay", "cv", "--runs-dir", runs, "--out", tmp_path / "x.gif", "--every", 0)
    assert bad.code == 2 and "--every must be a whole number of reports ≥ 1, got 0" in bad.err


def test_an_out_file_s_ending_picks_the_format_and_a_contradiction_is_one_line(
    runs: Path, tmp_path: Path
) -> None:
    """`sample --out grid.png` alone writes a PNG (it wrote the terminal's chart as text into a
    file called grid.png); .npy, .json and .csv name theirs; a --format the ending contradicts
    is refused."""
    img, cv = runs / "img" / "ckpt.pt", runs / "cv" / "ckpt.pt"
    for ckpt, name in ((img, "grid.png"), (img, "px.npy"), (img, "px.json"), (cv, "c.csv")):
        done = toygan("sample", "--ckpt", ckpt, "-n", 4, "--out", tmp_path / name)
        assert done.code == 0, done.err
    with Image.open(tmp_path / "grid.png") as grid:
        assert grid.format == "PNG"
    assert np.load(tmp_path / "px.npy").shape == (4, 3, 8, 8)
    assert (tmp_path / "px.json").read_text().lstrip().startswith("{")
    assert (tmp_path / "c.csv").read_text().count("\n") == 4  # one curve per row
    chart = toygan("sample", "--ckpt", cv, "--out", tmp_path / "c.txt")  # no ending of a format
    assert chart.code == 0 and "━" in (tmp_path / "c.txt").read_text()
    bad = toygan("sample", "--ckpt", img, "--format", "chart", "--out", tmp_path / "x.png")
    message = f"--out {tmp_path / 'x.png'} is a .png file but --format is chart: drop one of them"
    assert bad.code == 2 and bad.err == f"toygan: error: {message}\n"
    assert not (tmp_path / "x.png").exists()
