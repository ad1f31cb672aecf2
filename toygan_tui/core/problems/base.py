"""The seam every problem fills: what the real data is and how G's output is judged.

A problem is one module in this package holding one object that meets `Problem`, plus its
entry in `PROBLEMS` (problems/__init__.py). Everything else reads a problem through this
protocol, never by its name:

- the training side draws real batches (`real_batch` on the CPU's numpy stream, exactly the
  tutorial's for `curves`; `real_batch_torch` on a device), builds the nets its `nets` names
  (core/nets/build.py: "mlp" from `noise_dim`, `out_dim`, `cond_dim` and the sizes in
  `defaults`; "dcgan" for images of `sample_shape`), and gives G the labels of the real batch;
- the report measures G's output on fixed evaluation noise (and `eval_labels`) with `measure`;
- the dashboard, `plot`, `runs`, `watch` and `sample` list `measures` (name, direction, good
  level, meaning) and draw the samples with the view named by `view`.

This half imports numpy only, so the torch-free readers (watch, runs, plot) can use it: a
problem's torch sampler imports torch inside the method.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    import torch

View = Literal["curves", "points", "images"]  # curves between bounds; 2-D points over D's
#                                                heatmap; a grid of images (C × H × W in [-1, 1])
Nets = Literal["mlp", "dcgan"]  # the nets' family (core/nets/build.py builds each)


@dataclass(frozen=True)
class Measure:
    """One quality measure of G's samples, as every reader shows it."""

    name: str  # the key in metrics.jsonl, status.json and `sample --format json`
    higher_is_better: bool
    good: float  # a value at least this good counts as good (the dashboard turns it green);
    #              NaN: no level of its own (a distance whose scale depends on the user's data)
    target: str  # what to aim for, as the dashboard writes it after the arrow: "~0.9", "8"
    meaning: str  # one line for a newcomer
    scale: float = 1.0  # a history chart draws value / scale, on [0, 1] (classes: 10)
    decimals: int = 3  # as the readers write it: 0 for a count (classes, modes)
    collapsed: float = math.nan  # a measure of how much of the data G covers (modes, coverage,
    #              classes): at or past this level (the wrong side of good) G's samples crowd
    #              into a few modes: the diagnosis' "mode collapse" (NaN: not such a measure)

    @property
    def arrow(self) -> str:
        return "↑" if self.higher_is_better else "↓"

    @property
    def has_level(self) -> bool:
        return not math.isnan(self.good)

    def is_good(self, value: float) -> bool:
        """Whether `value` reached the good level (NaN never does)."""
        if not math.isfinite(value):
            return False
        return value >= self.good if self.higher_is_better else value <= self.good

    def is_collapsed(self, value: float) -> bool:
        """Whether `value` says G covers too little of the data (NaN never does)."""
        if math.isnan(self.collapsed) or not math.isfinite(value):
            return False
        return value <= self.collapsed if self.higher_is_better else value >= self.collapsed


@dataclass(frozen=True)
class Defaults:
    """A problem's own nets and hyperparameters; an option the user types wins over them."""

    hidden: int  # width of every hidden layer of G and D
    depth: int  # hidden layers of G and of D (the tutorial's nets have one)
    batch_size: int
    lr_g: float
    lr_d: float
    beta1: float  # Adam's betas (torch's defaults: 0.9, 0.999)
    beta2: float
    steps: int
    loss: str | None = None  # the problem's loss unless --loss is typed (None: the tutorial's)
    n_eval: int = 1000  # samples the measures are computed over, from fixed noise
    n_show: int = 8  # samples of that batch the view draws, so the same ones evolve
    augment: int = 0  # image problems: pixels D's images are shifted by, at most (0: none)
    d_norm: str = "batch"  # a DCGAN D's normalisation: "batch" (DCGAN's BatchNorm) or "none"
    codes: int = 0  # DCGAN nets: InfoGAN's categorical code of this many values (0: none)
    threads: int = 1  # torch's CPU threads (0: every core): 1 for MLPs, all for a DCGAN
    pack: int = 1  # PacGAN's packing: samples D judges as one input (1: none)
    ema: float = 0.0  # an EMA of G's weights with this decay, measured beside G (0: none)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Problem(Protocol):
    # Read-only members (properties here), so a frozen dataclass meets the protocol too.
    @property
    def name(self) -> str:
        """What --problem takes."""
        ...

    @property
    def summary(self) -> str:
        """One line for --help and the README."""
        ...

    @property
    def noise_dim(self) -> int:
        """Size of G's noise z."""
        ...

    @property
    def out_dim(self) -> int:
        """Size of one sample: 15 points of a curve, 2 coordinates of a point."""
        ...

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """One sample's shape: (out_dim,) for a vector, (C, H, W) for an image."""
        ...

    @property
    def nets(self) -> Nets:
        """Which family of nets G and D are: MLPs, or a DCGAN for images."""
        ...

    @property
    def requires(self) -> tuple[tuple[str, str], ...]:
        """(module, pip requirement) the problem needs beyond toygan's own dependencies."""
        ...

    @property
    def labels(self) -> tuple[int, ...]:
        """The classes a conditional problem has; () when unconditional."""
        ...

    @property
    def defaults(self) -> Defaults: ...

    @property
    def measures(self) -> tuple[Measure, ...]:
        """In the order readers list them; the dashboard charts the first two over time."""
        ...

    @property
    def view(self) -> View: ...

    @property
    def charted(self) -> tuple[str, str]:
        """The two measures the dashboard's history chart follows (each within [0, scale])."""
        ...

    @property
    def headline(self) -> tuple[str, ...]:
        """The measures that rank the reports, the first deciding (a tie goes to the next):
        the run keeps the checkpoint of its best report as best.pt."""
        ...

    @property
    def x(self) -> np.ndarray:
        """Where the curves view draws a sample's values (empty for other views)."""
        ...

    @property
    def cond_dim(self) -> int:
        """Inputs the condition adds to G and to D (0: unconditional)."""
        ...

    def real_batch(
        self, rng: np.random.RandomState, n: int
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """n real samples (n × *sample_shape, float64) and their labels (None if unconditional),
        drawn from the run's numpy stream."""
        ...

    def real_batch_torch(
        self, gen: torch.Generator, n: int, device: torch.device
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The same distribution drawn on a device (float32), with no host round trip."""
        ...

    def eval_labels(self, n: int) -> np.ndarray | None:
        """The labels G is asked for on the evaluation noise (None if unconditional)."""
        ...

    def measure(self, samples: np.ndarray, labels: np.ndarray | None) -> dict[str, float]:
        """Every measure in `measures`, by name, of G's samples (given the labels asked for)."""
        ...


class PointsProblem(Problem, Protocol):
    """A problem the points view draws: 2-D samples in a box, with real points to show."""

    @property
    def box(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """((x0, x1), (y0, y1)): the view's window and the js histograms' range."""
        ...

    def reference_points(self, n: int) -> np.ndarray:
        """n real points from a fixed seed (n × 2)."""
        ...


@runtime_checkable
class NamedClasses(Protocol):
    """A conditional problem whose classes have names (cond-images: its subfolders')."""

    @property
    def classes(self) -> tuple[str, ...]:
        """The class names, by class number (empty before the data has named them)."""
        ...


@runtime_checkable
class ReadsData(Protocol):
    """A problem whose real data comes from the user's files (--data): read before training
    starts, so a folder with no data is bad input (exit 2), not an error at the first step."""

    def prepare(self, note: Callable[[str], None], warn: Callable[[str], None]) -> dict[str, Any]:
        """Read the data now; note() says what was found and what takes time, warn() what was
        passed over. Returns the config's options the data settles (a folder's channels)."""
        ...

    def record(self) -> dict[str, Any]:
        """What the run's config.json records of the data it read (counts)."""
        ...


def missing_requirement(problem: Problem) -> str | None:
    """One line naming what to install when a module the problem needs is absent, else None."""
    import importlib.util

    missing = [pip for module, pip in problem.requires if importlib.util.find_spec(module) is None]
    if not missing:
        return None
    return f'--problem {problem.name} needs {" and ".join(missing)}: pip install "toygan[images]"'


def rank(problem: Problem, values: Mapping[str, float]) -> tuple[float, ...] | None:
    """How good a report is by the problem's headline measures, as a tuple that is larger
    when better (compared in order); None when one of them has no finite value."""
    directions = {m.name: m.higher_is_better for m in problem.measures}
    key = []
    for name in problem.headline:
        value = values.get(name, math.nan)
        if not math.isfinite(value):
            return None
        key.append(value if directions[name] else -value)
    return tuple(key)


def good_flags(problem: Problem, values: Mapping[str, float]) -> dict[str, bool]:
    """Which of `values` reached their measure's good level."""
    return {m.name: m.is_good(values.get(m.name, math.nan)) for m in problem.measures}
