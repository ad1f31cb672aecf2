"""The folder problems' `copies` measure: G's images that sit nearer to a training image than
real images sit to each other. Copies of the folder read near 1, new pictures of the same kind
near 0.05 (the floor's quantile), noise and a collapsed G 0."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from imagekit import discs

from toygan_tui.core.problems import copies, problem_for
from toygan_tui.core.problems.image_folder import to_unit


def test_copies_of_the_folder_read_high_and_new_pictures_low(tmp_path: Path) -> None:
    problem = problem_for("images", str(discs(tmp_path / "data", 200)), 16, channels=3)
    train, _ = problem.real_batch(np.random.RandomState(1), 256)
    jitter = np.random.default_rng(2).normal(0, 0.01, train.shape)
    fresh_folder = problem_for("images", str(discs(tmp_path / "other", 256, seed=9)), 16)
    fresh, _ = fresh_folder.real_batch(np.random.RandomState(3), 256)
    noise = np.random.default_rng(4).uniform(-1, 1, train.shape)
    flat = np.zeros_like(train)
    cases = (("copied", train + jitter), ("fresh", fresh), ("noise", noise), ("flat", flat))
    read = {name: problem.measure(x)["copies"] for name, x in cases}
    # measured: copied 1.0, fresh 0.023, noise 0.0, flat 0.0 (200 discs at 16×16, 256 a side)
    assert read["copied"] > 0.9
    assert read["fresh"] < 0.2
    assert read["noise"] == 0 and read["flat"] == 0


def test_an_exact_duplicate_is_no_other_image_for_the_floor() -> None:
    images = to_unit(np.random.default_rng(0).integers(0, 256, (40, 3, 8, 8)).astype(np.uint8))
    doubled = np.concatenate([images, images])  # every picture twice in the folder
    refs = copies.reference(doubled)
    assert copies.floor(refs) == copies.floor(copies.reference(images)) > 0
    assert copies.copies(images, refs, copies.floor(refs)) == 1.0  # G drawing them: all copies
