"""The tutorial's saturating losses from logits: its numbers, but finite when D saturates."""

from __future__ import annotations

import math

import pytest
import torch

from toygan_tui.core.engines.autograd.reference import d_loss_from_logits, g_loss_from_logits


def tutorial_d_loss(logit_real: torch.Tensor, logit_fake: torch.Tensor) -> torch.Tensor:
    """The tutorial's D_loss, from probabilities (what its Sigmoid-ended D returns)."""
    p_real, p_fake = torch.sigmoid(logit_real), torch.sigmoid(logit_fake)
    return -torch.mean(torch.log(p_real) + torch.log(1.0 - p_fake))


def tutorial_g_loss(logit_fake: torch.Tensor) -> torch.Tensor:
    return torch.mean(torch.log(1.0 - torch.sigmoid(logit_fake)))


def moderate_logits(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    logits = 3 * torch.randn(2, 64, 1, generator=gen, dtype=torch.float64)
    return logits[0], logits[1]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_losses_equal_the_tutorials_formula_on_moderate_logits(seed: int) -> None:
    real, fake = moderate_logits(seed)
    torch.testing.assert_close(d_loss_from_logits(real, fake), tutorial_d_loss(real, fake))
    torch.testing.assert_close(g_loss_from_logits(fake), tutorial_g_loss(fake))


def test_gradients_equal_the_tutorials_on_moderate_logits() -> None:
    real, fake = (t.requires_grad_() for t in moderate_logits(3))
    ours = d_loss_from_logits(real, fake) + g_loss_from_logits(fake)
    theirs = tutorial_d_loss(real, fake) + tutorial_g_loss(fake)
    for a, b in zip(
        torch.autograd.grad(ours, [real, fake]),
        torch.autograd.grad(theirs, [real, fake]),
        strict=True,
    ):
        torch.testing.assert_close(a, b)


def test_equilibrium_values_are_the_tutorials_reference_numbers() -> None:
    # D(x) = 1/2 everywhere: D_loss = 2·ln 2 ≈ 1.386, G_loss = −ln 2 ≈ −0.693.
    zeros = torch.zeros(64, 1)
    assert d_loss_from_logits(zeros, zeros).item() == pytest.approx(2 * math.log(2), rel=1e-6)
    assert g_loss_from_logits(zeros).item() == pytest.approx(-math.log(2), rel=1e-6)


def test_a_saturated_discriminator_gives_finite_correct_losses() -> None:
    # log σ(l) ≈ l for l ≪ 0 and log(1 − σ(l)) ≈ −l for l ≫ 0: losses of about 100, where
    # the tutorial's log(sigmoid(·)) in float32 gives inf.
    far = torch.full((64, 1), 100.0)
    assert torch.isinf(tutorial_d_loss(-far, far))
    assert d_loss_from_logits(-far, far).item() == pytest.approx(200.0, rel=1e-6)
    assert torch.isinf(tutorial_g_loss(far))
    assert g_loss_from_logits(far).item() == pytest.approx(-100.0, rel=1e-6)
    # A D that is sure and right: both losses vanish, still finite.
    assert 0 <= d_loss_from_logits(far, -far).item() < 1e-30
    assert -1e-30 < g_loss_from_logits(-far).item() <= 0


def test_saturated_gradients_are_finite_and_nonzero_where_they_should_be() -> None:
    far = torch.full((4, 1), 100.0, requires_grad=True)
    (grad,) = torch.autograd.grad(g_loss_from_logits(far), [far])
    # d/dl of −softplus(l) averaged over 4 = −σ(l)/4 → −1/4: G still learns from a sure D.
    torch.testing.assert_close(grad, torch.full((4, 1), -0.25))
    # A D that is sure and wrong (real scored −100, fake +100) must still be pushed back:
    # d/dl_r softplus(−l_r)/4 = −(1 − σ(l_r))/4 → −1/4 and d/dl_f softplus(l_f)/4 → +1/4.
    real = torch.full((4, 1), -100.0, requires_grad=True)
    fake = torch.full((4, 1), 100.0, requires_grad=True)
    grad_real, grad_fake = torch.autograd.grad(d_loss_from_logits(real, fake), [real, fake])
    torch.testing.assert_close(grad_real, torch.full((4, 1), -0.25))
    torch.testing.assert_close(grad_fake, torch.full((4, 1), 0.25))
