"""Every problem meets the Problem protocol (one test over the whole registry, scikit-learn's
check_estimator idea), the curve problems keep the tutorial's data and measures bit for bit,
and the conditional measures give their known answers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from clikit import modules_after
from imagekit import runnable

from toygan_tui.core.problems import PROBLEMS, Problem, UnknownProblem, get_problem
from toygan_tui.core.problems import curve_measures as metrics
from toygan_tui.core.problems.base import Measure, good_flags
from toygan_tui.core.problems.cond_curves import COND_CURVES, a_w1_per_class, class_acc
from toygan_tui.core.problems.curve_data import x_grid
from toygan_tui.core.problems.curves import CURVES

ALL = sorted(PROBLEMS)


def test_the_registry_holds_the_eight_problems_under_their_own_names() -> None:
    assert ALL == [
        "cond-curves", "cond-digits", "curves", "digits", "grid", "images", "ring", "two"
    ]  # fmt: skip
    assert all(PROBLEMS[name].name == name for name in ALL)


@pytest.mark.parametrize("name", ALL)
def test_real_batches_have_the_problems_shapes_on_numpy_and_torch(name: str, faces: Path) -> None:
    problem = runnable(name, faces)
    samples, labels = problem.real_batch(np.random.RandomState(0), 37)
    assert samples.shape == (37, *problem.sample_shape) and samples.dtype == np.float64
    assert problem.out_dim == np.prod(problem.sample_shape)
    gen = torch.Generator().manual_seed(0)
    tensor, tensor_labels = problem.real_batch_torch(gen, 37, torch.device("cpu"))
    assert tuple(tensor.shape) == (37, *problem.sample_shape) and tensor.dtype == torch.float32
    if problem.labels:
        assert problem.cond_dim == 1
        assert labels is not None and set(labels.tolist()) <= set(problem.labels)
        assert tensor_labels is not None and set(tensor_labels.tolist()) <= set(problem.labels)
    else:
        assert problem.cond_dim == 0 and labels is None and tensor_labels is None


@pytest.mark.parametrize("name", ALL)
def test_real_samples_reach_every_good_level_on_both_samplers(name: str, faces: Path) -> None:
    """The target distribution itself is "good" by each of its problem's measures, whichever
    sampler drew it: a measure or a good level that real data misses is a bug. (A measure
    with no level of its own, NaN, is never green: it is left out.)"""
    problem = runnable(name, faces)
    n = 2_500
    samples, labels = problem.real_batch(np.random.RandomState(5), n)
    values = problem.measure(samples, labels)
    assert list(values) == [m.name for m in problem.measures]
    assert all(leveled(problem, values).values()), values
    tensor, tensor_labels = problem.real_batch_torch(
        torch.Generator().manual_seed(5), n, torch.device("cpu")
    )
    numpy_labels = None if tensor_labels is None else tensor_labels.numpy()
    values = problem.measure(tensor.double().numpy(), numpy_labels)
    assert all(leveled(problem, values).values()), values


def leveled(problem: Problem, values: dict[str, float]) -> dict[str, bool]:
    """good_flags of the measures that have a good level."""
    flags = good_flags(problem, values)
    return {m.name: flags[m.name] for m in problem.measures if m.has_level}


@pytest.mark.parametrize("name", ALL)
def test_measures_are_described_for_a_newcomer(name: str, faces: Path) -> None:
    problem = runnable(name, faces)
    names = [m.name for m in problem.measures]
    assert len(names) == len(set(names)) >= 3
    for m in problem.measures:
        assert m.meaning and m.target and m.arrow in "↑↓"
    d = problem.defaults
    assert d.hidden > 0 and d.depth >= 1 and d.batch_size > 0 and d.steps > 0
    assert 0 <= d.beta1 < 1 and 0 < d.beta2 < 1 and d.lr_g > 0 and d.lr_d > 0
    assert problem.view in ("curves", "points", "images")
    assert problem.nets in ("mlp", "dcgan")
    assert (problem.view == "images") == (len(problem.sample_shape) == 3)


def test_a_measure_is_good_on_its_own_side_of_the_level_and_nan_never_is() -> None:
    up, down = Measure("u", True, 0.5, "1", ""), Measure("d", False, 0.5, "0", "")
    assert up.is_good(0.5) and up.is_good(0.9) and not up.is_good(0.49)
    assert down.is_good(0.5) and down.is_good(0.1) and not down.is_good(0.51)
    assert not up.is_good(math.nan) and not down.is_good(math.nan)


def test_an_unknown_problem_is_one_line_naming_the_choices() -> None:
    with pytest.raises(UnknownProblem) as info:
        get_problem("spiral")
    assert str(info.value) == (
        "--problem must be one of curves, ring, grid, two, cond-curves, digits, cond-digits,"
        " images, got 'spiral'"
    )


def test_the_problems_import_without_torch() -> None:
    loaded = modules_after("import toygan_tui.core.problems")
    assert "toygan_tui.core.problems.curves" in loaded and "torch" not in loaded


# -- curves: the tutorial's, bit for bit --------------------------------------------------------


def test_curves_batches_are_the_tutorials_artist_works() -> None:
    """MorvanZhou's artist_works(): np.random.seed(1), then a ~ U(1, 2) per batch."""
    rng, tutorial = np.random.RandomState(1), np.random.RandomState(1)
    paint_points = np.vstack([np.linspace(-1, 1, 15) for _ in range(64)])
    for _ in range(3):
        ours, _ = CURVES.real_batch(rng, 64)
        a = tutorial.uniform(1, 2, size=64)[:, np.newaxis]
        theirs = a * np.power(paint_points, 2) + (a - 1)
        assert np.array_equal(ours, theirs)


def test_curves_batches_are_the_training_states_stream() -> None:
    from toygan_tui.core.config import TrainConfig
    from toygan_tui.core.training.state import new_state

    state = new_state(TrainConfig(seed=3), torch.device("cpu"))
    rng = np.random.RandomState(3)
    for _ in range(3):
        ours, _ = CURVES.real_batch(rng, 64)
        assert torch.equal(torch.from_numpy(ours).float(), state.real_batch())


def test_curves_measures_are_the_released_quality_measures() -> None:
    y = np.random.RandomState(2).normal(1.0, 0.7, size=(500, 15))
    assert CURVES.measure(y, None) == metrics.quality(y)
    assert np.array_equal(CURVES.x, x_grid(15))


def test_w1_to_uniform_has_its_known_answers() -> None:
    n = 1000
    quantiles = 1.5 + 0.5 * (np.arange(n) + 0.5) / n
    assert metrics.w1_to_uniform(quantiles[::-1], 1.5, 2.0) == pytest.approx(0.0, abs=1e-12)
    # All at the middle: the mean distance to a uniform's quantiles is a quarter of its width.
    assert metrics.w1_to_uniform(np.full(n, 1.25), 1.0, 1.5) == pytest.approx(0.125, rel=1e-6)
    assert math.isnan(metrics.w1_to_uniform(np.array([]), 1.0, 2.0))


# -- cond-curves --------------------------------------------------------------------------------


def test_cond_curves_labels_mark_the_upper_half_of_the_band() -> None:
    samples, labels = COND_CURVES.real_batch(np.random.RandomState(4), 400)
    a = metrics.a_hat(samples)
    assert np.array_equal(labels, (a > 1.5).astype(int))
    assert 0.4 < labels.mean() < 0.6


def test_class_acc_counts_the_curves_in_the_half_asked_for() -> None:
    amplitudes = np.array([1.1, 1.4, 1.6, 1.9, 1.2, 1.7, 2.5, 0.5])
    asked = np.array([0, 0, 1, 1, 1, 0, 1, 0])
    # right: 1.1→0, 1.4→0, 1.6→1, 1.9→1; wrong: 1.2→1, 1.7→0; outside the band: 2.5, 0.5.
    assert class_acc(amplitudes, asked) == 0.5
    assert class_acc(np.array([1.5]), np.array([1])) == 1.0  # 1.5 opens the upper half
    assert class_acc(np.array([1.5]), np.array([0])) == 0.0


def test_a_w1_per_class_is_the_mean_over_the_classes_asked_for() -> None:
    n = 400
    lower = 1.0 + 0.5 * (np.arange(n) + 0.5) / n  # exactly U(1, 1.5)'s quantiles
    upper = np.full(n, 1.75)  # all at the middle of U(1.5, 2): distance 0.125
    amplitudes = np.concatenate([lower, upper])
    labels = np.repeat([0, 1], n)
    assert a_w1_per_class(amplitudes, labels) == pytest.approx(0.0625, rel=1e-6)
    assert a_w1_per_class(upper, np.ones(n, dtype=int)) == pytest.approx(0.125, rel=1e-6)


def test_cond_curves_asked_for_the_wrong_class_scores_zero() -> None:
    samples, labels = COND_CURVES.real_batch(np.random.RandomState(6), 1000)
    values = COND_CURVES.measure(samples, 1 - labels)
    assert values["class_acc"] == 0.0 and values["in_bounds"] == 1.0
    assert values["a_w1"] > 0.2  # each class's amplitudes sit in the other half


def test_cond_curves_evaluation_asks_for_both_classes_in_turn() -> None:
    assert COND_CURVES.eval_labels(6).tolist() == [0, 1, 0, 1, 0, 1]
    with pytest.raises(ValueError, match="label"):
        COND_CURVES.measure(np.zeros((4, 15)), None)
