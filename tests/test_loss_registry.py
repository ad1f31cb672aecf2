"""The five losses against their formulas (the docs' Losses table), written out here a second way.

StudioGAN's old d_vanilla computed log σ(1 − l_fake) where log(1 − σ(l_fake)) = log σ(−l_fake)
was meant; each formula below is checked on logits where such a slip changes the value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from toygan_tui.core.engines.autograd.penalty import gradient_penalty, interpolate
from toygan_tui.core.engines.autograd.reference import d_loss_from_logits, g_loss_from_logits
from toygan_tui.core.losses import (
    LOSSES,
    NUMPY_OPS,
    UnknownLoss,
    get_loss,
    torch_ops,
)

B = 64


def logits(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Real and fake logits over both sides of every kink (±1 for hinge, 0, ½)."""
    gen = torch.Generator().manual_seed(seed)
    both = 2.5 * torch.randn(2, B, generator=gen, dtype=torch.float64)
    return both[0], both[1]


def sig(x: torch.Tensor) -> torch.Tensor:
    return 1 / (1 + torch.exp(-x))


# The losses' table (docs), from probabilities and plain arithmetic, per sample then the mean.
FORMULAS = {
    "minimax": (
        lambda r, f: -(torch.log(sig(r)) + torch.log(1 - sig(f))).mean(),
        lambda f: torch.log(1 - sig(f)).mean(),
    ),
    "ns": (
        lambda r, f: -(torch.log(sig(r)) + torch.log(1 - sig(f))).mean(),
        lambda f: -torch.log(sig(f)).mean(),
    ),
    "lsgan": (
        lambda r, f: (0.5 * (r - 1) ** 2 + 0.5 * f**2).mean(),
        lambda f: (0.5 * (f - 1) ** 2).mean(),
    ),
    "hinge": (
        lambda r, f: (torch.clamp(1 - r, min=0) + torch.clamp(1 + f, min=0)).mean(),
        lambda f: -f.mean(),
    ),
    "wgan-gp": (  # the logit part; the penalty is tested on its own below
        lambda r, f: f.mean() - r.mean(),
        lambda f: -f.mean(),
    ),
}


def test_the_registry_holds_the_five_losses_under_their_own_names() -> None:
    assert list(LOSSES) == ["minimax", "ns", "lsgan", "hinge", "wgan-gp"]
    assert all(LOSSES[name].name == name for name in LOSSES)


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("seed", [0, 1])
def test_each_loss_equals_its_formula_in_torch_and_in_numpy(name: str, seed: int) -> None:
    loss, (d_formula, g_formula) = get_loss(name), FORMULAS[name]
    r, f = logits(seed)
    ops = torch_ops()
    torch.testing.assert_close(loss.d_loss(r, f, ops), d_formula(r, f))
    torch.testing.assert_close(loss.g_loss(f, ops), g_formula(f))
    rn, fn = r.numpy(), f.numpy()
    assert loss.d_loss(rn, fn, NUMPY_OPS) == pytest.approx(d_formula(r, f).item(), rel=1e-12)
    assert loss.g_loss(fn, NUMPY_OPS) == pytest.approx(g_formula(f).item(), rel=1e-12)


def test_minimax_is_the_tutorials_loss_bit_for_bit() -> None:
    """The registry's minimax computes what the released reference engine computes."""
    r, f = (t.float() for t in logits(2))
    ops = torch_ops()
    assert torch.equal(get_loss("minimax").d_loss(r, f, ops), d_loss_from_logits(r, f))
    assert torch.equal(get_loss("minimax").g_loss(f, ops), g_loss_from_logits(f))


@pytest.mark.parametrize("name", [n for n in LOSSES if LOSSES[n].logit_grads is not None])
def test_the_fast_paths_dl_dlogit_is_autograds(name: str) -> None:
    loss = get_loss(name)
    r, f = (t.clone().requires_grad_() for t in logits(3))
    ops = torch_ops()
    d_real, d_fake = torch.autograd.grad(loss.d_loss(r, f, ops), [r, f])
    (g_fake,) = torch.autograd.grad(loss.g_loss(f, ops), [f])
    assert loss.logit_grads is not None
    ours = loss.logit_grads(r.detach().numpy(), f.detach().numpy())
    # The same formulas in torch ops, as the CUDA engine takes them.
    in_torch = loss.logit_grads(r.detach(), f.detach(), ops)
    for mine, theirs, autograd in zip(ours, in_torch, (d_real, d_fake, g_fake), strict=True):
        np.testing.assert_allclose(mine / B, autograd.numpy(), rtol=1e-12, atol=1e-15)
        assert isinstance(theirs, torch.Tensor)
        np.testing.assert_allclose(theirs.numpy() / B, autograd.numpy(), rtol=1e-12, atol=1e-15)


def test_wgan_gp_has_no_fast_path_and_says_why_and_brings_its_published_settings() -> None:
    loss = get_loss("wgan-gp")
    assert loss.logit_grads is None and "autograd" in loss.no_fast_path
    assert loss.n_critic == 5 and loss.gp_weight == 10.0
    assert loss.defaults == {"lr_g": 1e-4, "lr_d": 1e-4, "beta1": 0.0, "beta2": 0.9, "n_critic": 5}
    assert all(
        LOSSES[n].n_critic == 1 and LOSSES[n].gp_weight == 0 for n in LOSSES if n != "wgan-gp"
    )


EQUILIBRIUM_LOGIT = {"minimax": 0.0, "ns": 0.0, "lsgan": 0.5, "hinge": 0.0, "wgan-gp": 0.0}


@pytest.mark.parametrize("name", list(LOSSES))
def test_every_stat_reads_its_reference_at_equilibrium(name: str) -> None:
    """The marks the dashboard draws are where the stats sit when D cannot tell (the docs:
    2 ln 2 and −ln 2 for minimax, ln 2 for ns's G, 0.25 and 0.125 at l = ½ for lsgan, 2 and
    0 for hinge, a critic gap of 0 for wgan-gp)."""
    loss = get_loss(name)
    at = np.full(B, EQUILIBRIUM_LOGIT[name])
    values = loss.report(
        loss.d_loss(at, at, NUMPY_OPS), loss.g_loss(at, NUMPY_OPS), at, at, NUMPY_OPS
    )
    assert [s.name for s in loss.stats][:2] == ["d_loss", "g_loss"]
    assert len(set(loss.stat_names)) == len(values) >= 4
    for stat, value in zip(loss.stats, values, strict=True):
        if stat.reference is not None:
            assert float(value) == pytest.approx(stat.reference, abs=1e-12), stat.name


def test_the_equilibrium_references_are_the_design_tables_numbers() -> None:
    refs = {name: [s.reference for s in loss.stats[:2]] for name, loss in LOSSES.items()}
    ln2 = math.log(2)
    assert refs["minimax"] == pytest.approx([2 * ln2, -ln2])
    assert refs["ns"] == pytest.approx([2 * ln2, ln2])
    assert refs["lsgan"] == [0.25, 0.125] and refs["hinge"] == [2.0, 0.0]
    assert get_loss("wgan-gp").stats[-1].name == "critic_gap"


def test_minimax_reports_the_tutorials_d_real_and_d_fake() -> None:
    r, f = logits(4)
    values = get_loss("minimax").report(0.0, 0.0, r, f, torch_ops())
    assert values[2].item() == pytest.approx(sig(r).mean().item(), rel=1e-12)
    assert values[3].item() == pytest.approx(sig(f).mean().item(), rel=1e-12)


@pytest.mark.parametrize("name", list(LOSSES))
def test_a_saturated_discriminator_gives_finite_losses(name: str) -> None:
    far = np.full(B, 100.0)
    loss = get_loss(name)
    with np.errstate(all="raise"):
        assert math.isfinite(loss.d_loss(-far, far, NUMPY_OPS))
        assert math.isfinite(loss.g_loss(far, NUMPY_OPS))
        assert math.isfinite(loss.d_loss(far, -far, NUMPY_OPS))


def test_an_unknown_loss_is_one_line_naming_the_choices() -> None:
    with pytest.raises(UnknownLoss) as info:
        get_loss("vanilla")
    assert (
        str(info.value) == "--loss must be one of minimax, ns, lsgan, hinge, wgan-gp, got 'vanilla'"
    )


# -- WGAN-GP's gradient penalty -----------------------------------------------------------------


def test_the_penalty_of_a_linear_critic_is_the_squared_distance_of_its_norm_from_1() -> None:
    D = torch.nn.Linear(3, 1).double()
    with torch.no_grad():
        D.weight.copy_(torch.tensor([[3.0, 0.0, 4.0]]))  # ‖w‖ = 5 everywhere: penalty (5 − 1)²
    x_hat = torch.randn(8, 3, dtype=torch.float64)
    penalty = gradient_penalty(D, x_hat)
    assert penalty.item() == pytest.approx(16.0, rel=1e-12)
    (grad_w,) = torch.autograd.grad(penalty, [D.weight])
    # d/dw (‖w‖ − 1)² = 2(‖w‖ − 1)·w/‖w‖
    expected = 2 * 4 * torch.tensor([[3.0, 0.0, 4.0]], dtype=torch.float64) / 5
    torch.testing.assert_close(grad_w, expected)


def test_the_penalty_norm_is_over_the_sample_not_the_condition() -> None:
    D = torch.nn.Linear(3, 1).double()  # sees [x (2), c (1)]
    with torch.no_grad():
        D.weight.copy_(torch.tensor([[0.6, 0.8, 7.0]]))  # ‖w_x‖ = 1: no penalty
    x_hat, cond = torch.randn(5, 2, dtype=torch.float64), torch.ones(5, 1, dtype=torch.float64)
    assert gradient_penalty(D, x_hat, cond).item() == pytest.approx(0.0, abs=1e-12)


def test_the_penalty_is_per_sample_for_a_relu_critic() -> None:
    """Two samples on either side of a ReLU kink: input gradients of norms 3 and 0."""
    D = torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.ReLU(), torch.nn.Linear(1, 1)).double()
    with torch.no_grad():
        D[0].weight.fill_(1.0), D[0].bias.fill_(0.0), D[2].weight.fill_(3.0)
    x_hat = torch.tensor([[1.0], [-1.0]], dtype=torch.float64)
    # ((3 − 1)² + (0 − 1)²)/2 = 2.5; one norm over the whole batch would give (3 − 1)² = 4.
    assert gradient_penalty(D, x_hat).item() == pytest.approx(2.5, rel=1e-12)


def test_interpolation_is_per_sample() -> None:
    real, fake = torch.ones(3, 2), torch.zeros(3, 2)
    eps = torch.tensor([[0.0], [0.5], [1.0]])
    assert interpolate(real, fake, eps).tolist() == [[0.0, 0.0], [0.5, 0.5], [1.0, 1.0]]
