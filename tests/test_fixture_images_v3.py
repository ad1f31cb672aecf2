"""A folder run written before the folder options, cond-images, copies and best.pt keeps working:
it samples the same images, replays (as a GIF too), is listed, and resumes, reading its old
config as RGB, cropped, on white.

tests/fixtures/runs-v3-images was written by toygan 0.1.0 at commit d5b113f with `toygan train
--problem images --data pictures --image-size 8 --hidden 8 --batch-size 8 --steps 4
--report-every 2 --save-every 2 --name images-v3 --device cpu --no-live` on the six 12×10
pictures beside it (runs/last.pt left out); sample-seed7.json is what `toygan sample --ckpt
runs/images-v3/ckpt.pt --seed 7 --format json -n 2` printed then. Every test works on a copy.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from clikit import toygan
from PIL import Image

FIXTURE = Path(__file__).parent / "fixtures" / "runs-v3-images"
SAME_G = {"rtol": 1e-5, "atol": 1e-6}  # another CPU's float rounding


@pytest.fixture
def old(tmp_path: Path) -> Path:
    copy = tmp_path / "old"
    shutil.copytree(FIXTURE, copy)
    return copy


def test_an_old_folder_run_samples_replays_and_is_listed(old: Path, tmp_path: Path) -> None:
    ckpt = old / "images-v3" / "ckpt.pt"
    drawn = toygan("sample", "--ckpt", ckpt, "--seed", 7, "--format", "json", "-n", 2)
    assert drawn.code == 0, drawn.err
    then = json.loads((old / "sample-seed7.json").read_text())
    now = json.loads(drawn.out)
    np.testing.assert_allclose(now["images"], then["images"], **SAME_G)
    assert now["step"] == then["step"] == 4 and now["best"] is False
    gif = tmp_path / "old.gif"
    replayed = toygan("replay", old / "images-v3", "--out", gif)
    assert replayed.code == 0, replayed.err
    with Image.open(gif) as picture:
        assert picture.n_frames == 2
    listed = json.loads(toygan("runs", "--runs-dir", old, "--format", "json").out)
    assert [(r["id"], r["problem"], r["best"]) for r in listed] == [("images-v3", "images", None)]
    no_best = toygan("sample", "--ckpt", old / "images-v3", "--best")
    assert no_best.code == 2 and "--best: no best.pt in" in no_best.err


def test_an_old_folder_run_resumes_as_rgb_and_keeps_its_best_from_now_on(old: Path) -> None:
    resumed = toygan("train", "--resume", old / "images-v3", "--data", old / "pictures",
                     "--steps", 6, "--no-live")  # fmt: skip
    assert resumed.code == 0, resumed.err
    assert "done at step 6/6" in resumed.out
    config = json.loads((old / "images-v3" / "config.json").read_text())
    assert (config["channels"], config["fit"], config["background"]) == (3, "crop", "white")
    assert config["folder"]["images"] == 6
    best = json.loads((old / "images-v3" / "best.json").read_text())
    assert best["step"] == 6 and set(best["quality"]) == {"swd", "swd_real", "swd_x", "copies"}
