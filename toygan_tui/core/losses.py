"""The losses a GAN trains with, as functions of D's logits l (D(x) = σ(l) where D is a
probability). One entry per loss in LOSSES; engines and readers never ask for a loss by name.

Each formula is written once, over an array namespace (`Ops`), so the same line is the
reference engine's autograd loss (torch) and the torch-free readers' arithmetic (numpy).
A loss says:
- `d_loss(l_real, l_fake, ops)` and `g_loss(l_fake, ops)`: means over the batch (the docs'
  Losses table);
- `stats`: what a report shows of it, by name, with the value each reads at equilibrium
  (d_loss and g_loss come from the engine, the others from the logits);
- `n_critic` and `gp_weight`: D steps per G step, and the gradient penalty's weight (wgan-gp);
- `logit_grads(l_real, l_fake, ops=NUMPY_OPS)`: dL/dl per sample (× batch size) for the
  hand-written fast engines (numpy on the CPU, torch ops on a GPU), or None with `no_fast_path`
  saying why (wgan-gp's penalty needs a double backward);
- `defaults`: the loss's published settings, which win over a problem's (typed options win
  over both).

Imports numpy only; torch is imported inside torch_ops().
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from toygan_tui.core.errors import InputError, pick

Array = Any  # a numpy array or a torch tensor: every formula below works on both


class Ops(Protocol):
    """The elementwise functions the formulas need beyond arithmetic and .mean()."""

    def softplus(self, x: Array) -> Array: ...
    def relu(self, x: Array) -> Array: ...
    def sigmoid(self, x: Array) -> Array: ...
    def positive(self, x: Array) -> Array: ...  # 1 where x > 0, else 0, in x's dtype
    def full_like(self, x: Array, value: float) -> Array: ...


class NumpyOps:
    @staticmethod
    def softplus(x: Array) -> Array:
        return np.logaddexp(0.0, x)  # log(1 + eˣ) without overflow

    @staticmethod
    def relu(x: Array) -> Array:
        return np.maximum(x, 0.0)

    @staticmethod
    def sigmoid(x: Array) -> Array:
        return 0.5 + 0.5 * np.tanh(0.5 * x)  # σ without overflow for large |x|

    @staticmethod
    def positive(x: Array) -> Array:
        return (x > 0).astype(x.dtype)

    full_like = staticmethod(np.full_like)


NUMPY_OPS = NumpyOps()


def torch_ops() -> Ops:
    """The same functions in torch (autograd-ready)."""
    import torch
    import torch.nn.functional as F

    class TorchOps:
        softplus = staticmethod(F.softplus)
        relu = staticmethod(torch.relu)
        sigmoid = staticmethod(torch.sigmoid)
        full_like = staticmethod(torch.full_like)

        @staticmethod
        def positive(x: torch.Tensor) -> torch.Tensor:
            return (x > 0).to(x.dtype)

    return TorchOps()


@dataclass(frozen=True)
class Stat:
    """One number a report shows of the loss."""

    name: str  # the key in metrics.jsonl and status.json
    label: str  # what the dashboard writes
    reference: float | None  # what it reads at equilibrium (None: no such value)
    meaning: str
    of: Callable[[Array, Array, Ops], Array] | None = None  # from (l_real, l_fake); None: engine's
    unit: bool = False  # a probability, charted on [0, 1]
    sure: float | None = None  # D is sure of its answer once the stat is at or past this, away
    #                            from `reference` (the diagnosis' "D is winning"; None: no mark)

    def is_sure(self, value: float) -> bool:
        """Whether `value` is at or past the mark of a sure D (NaN never is)."""
        if self.sure is None or self.reference is None or not math.isfinite(value):
            return False
        return value >= self.sure if self.sure > self.reference else value <= self.sure


class UnknownLoss(InputError):
    """--loss names no loss; the message is one line for the user."""


LogitGradFormula = Callable[..., tuple[Array, Array, Array]]  # (l_real, l_fake[, ops])


@dataclass(frozen=True)
class Loss:
    name: str
    summary: str
    d_loss: Callable[[Array, Array, Ops], Array]
    g_loss: Callable[[Array, Ops], Array]
    stats: tuple[Stat, ...]
    logit_grads: LogitGradFormula | None  # (dD/dl_real, dD/dl_fake, dG/dl_fake) per sample × batch
    heat: Callable[[np.ndarray], np.ndarray] = lambda logits: _sig(logits)  # D's say on a grid:
    #   0 "fake" … 1 "real", for the 2-D view's background (σ(l) where D is a probability)
    no_fast_path: str = ""  # why logit_grads is None, in one line
    n_critic: int = 1
    gp_weight: float = 0.0
    defaults: dict[str, Any] = field(default_factory=dict)

    @property
    def stat_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stats)

    def report(
        self, d_loss: Array, g_loss: Array, l_real: Array, l_fake: Array, ops: Ops
    ) -> list[Array]:
        """The values of `stats`, in order (0-d arrays or tensors: the caller syncs them)."""
        given = {"d_loss": d_loss, "g_loss": g_loss}
        return [given[s.name] if s.of is None else s.of(l_real, l_fake, ops) for s in self.stats]


def _loss_stats(d_ref: float | None, g_ref: float | None, d_says: str) -> tuple[Stat, Stat]:
    return (
        Stat("d_loss", "D loss", d_ref, f"D's loss ({d_says})"),
        Stat("g_loss", "G loss", g_ref, "G's loss"),
    )


def _real_mean(r: Array, f: Array, o: Ops) -> Array:
    return r.mean()


def _fake_mean(r: Array, f: Array, o: Ops) -> Array:
    return f.mean()


def _gap(r: Array, f: Array, o: Ops) -> Array:
    return r.mean() - f.mean()


def _real_prob(r: Array, f: Array, o: Ops) -> Array:
    return o.sigmoid(r).mean()


def _fake_prob(r: Array, f: Array, o: Ops) -> Array:
    return o.sigmoid(f).mean()


# D's outputs as probabilities σ(l): the tutorial's "D accuracy" is mean D(real).
# D is sure once it gives real samples 3 to 1 odds of being real, and G's 3 to 1 of being fake.
PROBABILITIES = (
    Stat("d_real", "D(real)", 0.5, "mean D(x) on real samples", _real_prob, unit=True, sure=0.75),
    Stat("d_fake", "D(fake)", 0.5, "mean D(G(z)) on G's samples", _fake_prob, unit=True, sure=0.25),
)
LN2 = math.log(2)


def _sig(x: np.ndarray) -> np.ndarray:
    return NUMPY_OPS.sigmoid(x)  # type: ignore[no-any-return]


MINIMAX = Loss(
    name="minimax",
    summary="the tutorial's saturating loss: G minimises log(1 − D(G(z)))",
    d_loss=lambda r, f, o: o.softplus(-r).mean() + o.softplus(f).mean(),
    g_loss=lambda f, o: -o.softplus(f).mean(),
    stats=_loss_stats(2 * LN2, -LN2, "−mean[log D(x) + log(1 − D(G(z)))]") + PROBABILITIES,
    logit_grads=lambda r, f, o=NUMPY_OPS: (o.sigmoid(r) - 1, o.sigmoid(f), -o.sigmoid(f)),
)

NS = Loss(
    name="ns",
    summary="non-saturating: G maximises log D(G(z)) (steep where D rejects its samples)",
    d_loss=MINIMAX.d_loss,
    g_loss=lambda f, o: o.softplus(-f).mean(),
    stats=_loss_stats(2 * LN2, LN2, "as minimax") + PROBABILITIES,
    logit_grads=lambda r, f, o=NUMPY_OPS: (o.sigmoid(r) - 1, o.sigmoid(f), o.sigmoid(f) - 1),
)

LSGAN = Loss(
    name="lsgan",
    summary="least squares: D's output regresses to 1 on real and 0 on fake; G's to 1",
    d_loss=lambda r, f, o: (0.5 * (r - 1) ** 2).mean() + (0.5 * f**2).mean(),
    g_loss=lambda f, o: (0.5 * (f - 1) ** 2).mean(),
    stats=_loss_stats(0.25, 0.125, "½(D(x) − 1)² + ½D(G(z))²")
    + (
        Stat("d_real", "D(real)", 0.5, "mean D(x) on real samples (D's raw output)", _real_mean),
        Stat("d_fake", "D(fake)", 0.5, "mean D(G(z)) on G's samples (raw output)", _fake_mean),
    ),
    logit_grads=lambda r, f, o=NUMPY_OPS: (r - 1, f, f - 1),
    heat=lambda logits: np.clip(logits, 0.0, 1.0),  # D's output itself: 1 real, 0 fake
)

HINGE = Loss(
    name="hinge",
    summary="hinge: D pushes real logits above 1 and fake ones below −1; G raises its logits",
    d_loss=lambda r, f, o: o.relu(1 - r).mean() + o.relu(1 + f).mean(),
    g_loss=lambda f, o: (-f).mean(),
    stats=_loss_stats(2.0, 0.0, "relu(1 − l_real) + relu(1 + l_fake)")
    + (
        Stat("logit_real", "logit real", 0.0, "mean D logit on real samples", _real_mean),
        Stat("logit_fake", "logit fake", 0.0, "mean D logit on G's samples", _fake_mean),
    ),
    logit_grads=lambda r, f, o=NUMPY_OPS: (
        -o.positive(1 - r),  # relu's derivative at its kink is 0, as torch takes it
        o.positive(1 + f),
        o.full_like(f, -1.0),
    ),
    heat=lambda logits: np.clip((logits + 1) / 2, 0.0, 1.0),  # the margins ±1 as 1 and 0
)

WGAN_GP = Loss(
    name="wgan-gp",
    summary="Wasserstein with gradient penalty: D is a critic scoring real above fake",
    d_loss=lambda r, f, o: f.mean() - r.mean(),  # + gp_weight · penalty, added by the engine
    g_loss=lambda f, o: (-f).mean(),
    stats=_loss_stats(None, None, "critic: mean l_fake − mean l_real + λ·penalty")
    + (
        Stat("critic_real", "critic real", None, "mean critic score on real samples", _real_mean),
        Stat("critic_fake", "critic fake", None, "mean critic score on G's samples", _fake_mean),
        Stat("critic_gap", "critic gap", 0.0, "mean score real − fake; → 0 as G catches up", _gap),
    ),
    logit_grads=None,
    heat=lambda logits: _relative(logits),
    no_fast_path="wgan-gp's gradient penalty needs autograd (a double backward)",
    n_critic=5,
    gp_weight=10.0,
    # Gulrajani et al.'s published settings.
    defaults={"lr_g": 1e-4, "lr_d": 1e-4, "beta1": 0.0, "beta2": 0.9, "n_critic": 5},
)


def _relative(scores: np.ndarray) -> np.ndarray:
    """Critic scores have no scale: the grid's lowest is 0, its highest 1."""
    low, high = np.nanmin(scores), np.nanmax(scores)
    return (scores - low) / (high - low) if high > low else np.full_like(scores, 0.5)


LOSSES: dict[str, Loss] = {loss.name: loss for loss in (MINIMAX, NS, LSGAN, HINGE, WGAN_GP)}
DEFAULT_LOSS = "minimax"


def get_loss(name: str) -> Loss:
    """The loss called `name`, else UnknownLoss naming the choices."""
    return pick(LOSSES, name, "--loss", UnknownLoss)


def saturates(loss: Loss) -> bool:
    """Whether G's gradient fades where D is sure its samples are fake (minimax's log(1 − D)):
    G's dL/dlogit at a fake logit of −4 (D(fake) ≈ 0.02) under a tenth of its size at 0. Read
    off G's formula (a central difference in numpy), not the loss's name."""
    h = 1e-4

    def slope(at: float) -> float:
        points = np.array([at - h, at + h])
        up, down = (float(loss.g_loss(points[i : i + 1], NUMPY_OPS)) for i in (1, 0))
        return abs(up - down) / (2 * h)

    return slope(-4.0) < 0.1 * slope(0.0)


def g_mirrors_d(loss: Loss) -> bool:
    """Whether G's dL/dlogit on the fakes is minus D's (minimax): then G's gradient through
    the fakes is minus D's, the shortcut the hand-written engines take. Checked on the
    formulas, at logits either side of every kink, not by the loss's name."""
    if loss.logit_grads is None:
        return False
    logits = np.linspace(-3.0, 3.0, 13)
    _, d_fake, g_fake = loss.logit_grads(logits, logits)
    return bool(np.allclose(g_fake, -d_fake, rtol=0, atol=1e-12))
