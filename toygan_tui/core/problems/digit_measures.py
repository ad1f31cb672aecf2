"""The digits' measures (the docs' Problems page): a small classifier, trained once on the
digits and cached, judges G's images. No downloaded weights.

The classifier: scikit-learn's MLPClassifier, one hidden layer of 64 ReLU units, L2 penalty
0.3 (strong enough that a blank or noisy image gets no confident class), Adam for 200 epochs
from random_state 0: deterministic. It trains on three quarters of the digits (index % 4 != 0)
and is tested on the rest (TEST_ACCURACY, checked by tests). Inference is plain numpy on its
weights, which are cached in cache_dir() as an .npz named by a key of the data, the settings
and scikit-learn's version; a missing, unreadable or other-keyed file is trained again.

- `confident`: fraction of samples whose top class probability is ≥ 0.9.
- `classes`: digits that hold ≥ n/40 of the n samples as confident ones (a quarter of a fair
  share: the modes G draws).
- `fd`: the Fréchet distance between Gaussians fitted to the classifier's 64 hidden features
  of the real digits (all 1 797) and of G's samples (FID's formula on this small net).
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from toygan_tui.core.cachedir import cache_dir
from toygan_tui.core.problems.digits_data import digits

HIDDEN, ALPHA, EPOCHS, SEED = 64, 0.3, 200, 0  # the classifier's settings (the cache key's)
CONFIDENT = 0.9  # a sample is confident at this top probability
SHARE = 40  # a digit counts among `classes` with ≥ n/SHARE confident samples
TEST_ACCURACY = 0.98  # at least this on the held-out quarter (tests/test_digits.py checks it)
FORMAT = 1  # of the cached file


@dataclass(frozen=True)
class Classifier:
    weights: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # W1, b1, W2, b2

    def features(self, images: np.ndarray) -> np.ndarray:
        """The hidden layer's 64 ReLU activations of each image (n × 64)."""
        w1, b1, _, _ = self.weights
        return np.maximum(np.asarray(images, np.float64).reshape(len(images), -1) @ w1 + b1, 0)

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """Each image's probability of each digit (n × 10)."""
        _, _, w2, b2 = self.weights
        logits = self.features(images) @ w2 + b2
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return np.asarray(p / p.sum(axis=1, keepdims=True))


def test_split() -> np.ndarray:
    """Which digits the classifier never trains on: every fourth."""
    return np.arange(len(digits()[1])) % 4 == 0


def cache_file() -> Path:
    import sklearn

    images, labels = digits()
    key = hashlib.sha256(images.tobytes() + labels.tobytes())
    key.update(f"{HIDDEN} {ALPHA} {EPOCHS} {SEED} {FORMAT} {sklearn.__version__}".encode())
    return cache_dir() / f"digits-classifier-{key.hexdigest()[:16]}.npz"


@functools.lru_cache(maxsize=1)
def classifier() -> Classifier:
    """The cached classifier, trained (a few seconds) when the cache lacks it."""
    path = cache_file()
    try:
        with np.load(path) as saved:
            return Classifier(tuple(saved[k] for k in ("w1", "b1", "w2", "b2")))  # type: ignore[arg-type]
    except (OSError, ValueError, KeyError):
        pass
    trained = train()
    _save(path, trained)
    return trained


def train() -> Classifier:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    images, labels = digits()
    x, train_rows = images.reshape(len(images), -1), ~test_split()
    net = MLPClassifier((HIDDEN,), alpha=ALPHA, max_iter=EPOCHS, random_state=SEED)
    # One BLAS thread: the same sums in the same order on every machine size, and ten times
    # faster than threads fighting over a busy CPU. A fixed epoch count, not "until converged".
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        net.fit(x[train_rows], labels[train_rows])
    w1, w2 = net.coefs_
    b1, b2 = net.intercepts_
    return Classifier((w1, b1, w2, b2))


def _save(path: Path, trained: Classifier) -> None:
    """Atomically (a reader never sees half a file); an unwritable cache is no error."""
    buffer = io.BytesIO()
    w1, b1, w2, b2 = trained.weights
    np.savez(buffer, w1=w1, b1=b1, w2=w2, b2=b2)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(buffer.getvalue())
        os.replace(tmp, path)
    except OSError:
        pass


def accuracy() -> float:
    """The classifier's accuracy on the held-out quarter of the digits."""
    images, labels = digits()
    held = test_split()
    predicted = classifier().probabilities(images[held]).argmax(axis=1)
    return float((predicted == labels[held]).mean())


def confident_classes(images: np.ndarray) -> tuple[float, int]:
    """(`confident`, `classes`) of the images."""
    p = classifier().probabilities(images)
    top = np.nan_to_num(p.max(axis=1), nan=0.0)
    sure = top >= CONFIDENT
    counts = np.bincount(p.argmax(axis=1)[sure], minlength=p.shape[1])
    return float(sure.mean()), int((counts >= len(images) / SHARE).sum())


def fd(images: np.ndarray, real: np.ndarray | None = None) -> float:
    """Fréchet distance of the classifier's features: images vs `real` (all the digits)."""
    net = classifier()
    a = net.features(images)
    b = net.features(digits()[0] if real is None else real)
    if not (np.isfinite(a).all() and len(a) > 1):
        return float("nan")
    return frechet(a.mean(0), np.cov(a, rowvar=False), b.mean(0), np.cov(b, rowvar=False))


def frechet(mu1: np.ndarray, s1: np.ndarray, mu2: np.ndarray, s2: np.ndarray) -> float:
    """‖μ1 − μ2‖² + tr(S1 + S2 − 2 (S1^½ S2 S1^½)^½), with symmetric square roots (eigh)."""
    root1 = _sqrt_psd(s1)
    cross = _sqrt_psd(root1 @ s2 @ root1)
    value = float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(cross))
    return max(value, 0.0)


def _sqrt_psd(m: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh((m + m.T) / 2)
    return np.asarray((vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T)
