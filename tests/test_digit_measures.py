"""The digits' measures (core/problems/digit_measures.py): the classifier's accuracy, its
determinism and cache, and the measures' known answers: real against real at the floor,
noise, blanks and a collapsed G clearly worse."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from toygan_tui.core.problems import digit_measures as m
from toygan_tui.core.problems.digits import COND_DIGITS, DIGITS, FD_FLOOR
from toygan_tui.core.problems.digits_data import SIDE, digits

IMAGES, LABELS = digits()
NOISE = np.random.RandomState(0).uniform(-1, 1, (1000, 1, SIDE, SIDE))
BLANK = np.full((200, 1, SIDE, SIDE), -1.0)


def test_the_data_are_the_1797_digits_at_16_pixels_in_tanh_range() -> None:
    assert IMAGES.shape == (1797, 1, SIDE, SIDE) and LABELS.shape == (1797,)
    assert IMAGES.min() == -1.0 and IMAGES.max() == 1.0
    assert np.bincount(LABELS).min() >= 170  # about 180 of each digit


def test_the_classifier_reads_the_held_out_digits(digits_classifier: Path) -> None:
    assert m.accuracy() >= m.TEST_ACCURACY


@pytest.mark.slow
def test_a_damaged_cache_is_trained_again_to_the_same_weights_and_replaced(
    digits_classifier: Path,
) -> None:
    """The classifier trains deterministically: the one trained again over a damaged cache
    has the very weights of the session's first (this is also the determinism test: each
    training costs seconds, so the suite trains it twice, not three times)."""
    first = m.classifier()
    digits_classifier.write_bytes(b"not an npz")
    m.classifier.cache_clear()
    rebuilt = m.classifier()
    assert rebuilt is not first
    for a, b in zip(rebuilt.weights, first.weights, strict=True):
        np.testing.assert_array_equal(a, b)
    assert m.accuracy() >= m.TEST_ACCURACY
    with np.load(digits_classifier) as saved:  # the good weights are back on disk
        np.testing.assert_array_equal(saved["w1"], rebuilt.weights[0])


def test_real_against_real_sits_at_the_floor() -> None:
    half = m.fd(IMAGES[::2], IMAGES[1::2])
    assert 0.2 < half < 0.9 and half == pytest.approx(FD_FLOOR, rel=0.3)
    confident, classes = m.confident_classes(IMAGES)
    assert confident >= 0.9 and classes == 10
    assert all(DIGITS.measures[i].is_good(v) for i, v in enumerate(DIGITS.measure(IMAGES).values()))


def test_noise_blanks_and_a_single_digit_are_clearly_worse() -> None:
    assert m.fd(NOISE) > 100 * FD_FLOOR
    assert m.confident_classes(NOISE) == (pytest.approx(0.0, abs=0.01), 0)
    assert m.confident_classes(BLANK)[0] == 0.0 and m.fd(BLANK) > 50 * FD_FLOOR
    threes = IMAGES[LABELS == 3]
    assert m.confident_classes(threes)[1] == 1
    assert m.fd(threes) > 50 * FD_FLOOR


def test_a_digit_counts_among_classes_from_a_fortieth_of_the_images() -> None:
    p = m.classifier().probabilities(IMAGES)
    sure = p.max(axis=1) >= m.CONFIDENT
    zeros = IMAGES[sure & (p.argmax(axis=1) == 0)][:117]
    ones = IMAGES[sure & (p.argmax(axis=1) == 1)]
    assert m.confident_classes(np.concatenate([zeros, ones[:3]]))[1] == 2  # 3 of 120: 1/40
    assert m.confident_classes(np.concatenate([zeros, ones[:2]]))[1] == 1


def test_frechet_distance_has_its_known_answers() -> None:
    # N(0, 1) vs N(3, 4) in one dimension: 3² + 1 + 4 − 2·√(1·4) = 10; equal Gaussians: 0.
    one = np.array([[1.0]])
    assert m.frechet(np.zeros(1), one, np.array([3.0]), 4 * one) == pytest.approx(10.0)
    cov = np.diag([1.0, 2.0, 3.0])
    assert m.frechet(np.ones(3), cov, np.ones(3), cov) == pytest.approx(0.0, abs=1e-9)
    assert m.fd(IMAGES, IMAGES) == pytest.approx(0.0, abs=1e-6)


def test_cond_digits_class_acc_counts_the_digit_asked_for() -> None:
    right = COND_DIGITS.measure(IMAGES, LABELS)["class_acc"]
    wrong = COND_DIGITS.measure(IMAGES, (LABELS + 1) % 10)["class_acc"]
    assert right >= 0.97 and wrong <= 0.02
    with pytest.raises(ValueError, match="digit each image was asked for"):
        COND_DIGITS.measure(IMAGES, None)
