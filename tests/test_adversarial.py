"""The generic step (core/engines/autograd/step.py) for every (problem, loss): the tutorial's
step bit for bit on the defaults, and each player's gradient that of its own loss alone."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from imagekit import runnable

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.engines.autograd.penalty import gradient_penalty, interpolate
from toygan_tui.core.engines.autograd.step import (
    Batch,
    Players,
    critic_step,
    joint_step,
    with_labels,
)
from toygan_tui.core.losses import LOSSES, Loss, get_loss, torch_ops
from toygan_tui.core.nets.build import discriminator_for, generator_for
from toygan_tui.core.nets.build import make_discriminator as tutorial_D
from toygan_tui.core.nets.build import make_generator as tutorial_G
from toygan_tui.core.problems import PROBLEMS, get_problem
from toygan_tui.core.problems.base import Problem

OPS = torch_ops()


def players(
    problem: Problem, hidden: int = 16, depth: int = 2, seed: int = 0, penalised: bool = False
) -> Players:
    torch.manual_seed(seed)
    depth = problem.defaults.depth if problem.nets != "mlp" else depth
    G = generator_for(problem, hidden, depth)
    D = discriminator_for(problem, hidden, depth, penalised)
    return Players(G, D, torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters()))


def batch(problem: Problem, n: int = 32, seed: int = 0) -> Batch:
    real, labels = problem.real_batch(np.random.RandomState(seed), n)
    gen = torch.Generator().manual_seed(seed)
    return Batch(
        real=torch.from_numpy(real).float(),
        labels=None if labels is None else torch.from_numpy(labels).float()[:, None],
        z=torch.randn(n, problem.noise_dim, generator=gen),
        eps=torch.rand(n, 1, generator=gen),
    )


def test_depth_1_curve_nets_are_the_tutorials_with_the_same_initial_weights() -> None:
    curves = get_problem("curves")
    torch.manual_seed(1)
    ours = generator_for(curves, 128, 1), discriminator_for(curves, 128, 1)
    torch.manual_seed(1)
    theirs = tutorial_G(TrainConfig()), tutorial_D(TrainConfig())
    for a, b in zip(ours, theirs, strict=True):
        assert str(a) == str(b)
        for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
            assert ka == kb and torch.equal(va, vb)


def test_nets_take_the_label_as_one_more_input_and_have_depth_hidden_layers() -> None:
    cond = get_problem("cond-curves")
    G, D = generator_for(cond, 32, 3), discriminator_for(cond, 32, 3)
    assert G[0].in_features == 6 and G[-1].out_features == 15
    assert D[0].in_features == 16 and D[-1].out_features == 1
    assert sum(isinstance(m, torch.nn.ReLU) for m in G) == 3


def expected_grads(
    p: Players, b: Batch, loss: Loss, gp_weight: float
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """G's and D's gradients, each of its own loss alone, from the state before the step."""
    G, D = copy.deepcopy(p.G), copy.deepcopy(p.D)
    fake = G(with_labels(b.z, b.labels))
    g_grads = torch.autograd.grad(
        loss.g_loss(D(with_labels(fake, b.labels)), OPS), list(G.parameters())
    )
    fake = fake.detach()
    d_loss = loss.d_loss(D(with_labels(b.real, b.labels)), D(with_labels(fake, b.labels)), OPS)
    if gp_weight:
        d_loss = d_loss + gp_weight * gradient_penalty(
            D, interpolate(b.real, fake, b.eps), b.labels
        )
    return list(g_grads), list(torch.autograd.grad(d_loss, list(D.parameters())))


@pytest.mark.parametrize("loss_name", list(LOSSES))
@pytest.mark.parametrize("problem_name", sorted(PROBLEMS))
def test_each_player_steps_on_the_gradient_of_its_own_loss(
    problem_name: str, loss_name: str, faces: Path
) -> None:
    problem, loss = runnable(problem_name, faces), get_loss(loss_name)
    p, b = players(problem, penalised=bool(loss.gp_weight)), batch(problem)
    g_expected, d_expected = expected_grads(p, b, loss, loss.gp_weight)
    stats = joint_step(p, b, loss, loss.gp_weight, OPS)
    assert stats.shape == (len(loss.stats),) and torch.isfinite(stats).all()
    for param, grad in zip(p.G.parameters(), g_expected, strict=True):
        torch.testing.assert_close(param.grad, grad)
    for param, grad in zip(p.D.parameters(), d_expected, strict=True):
        torch.testing.assert_close(param.grad, grad)


def test_a_critic_step_moves_d_only() -> None:
    ring = get_problem("ring")
    p, b = players(ring), batch(ring)
    g_before = [t.clone() for t in p.G.parameters()]
    d_before = [t.clone() for t in p.D.parameters()]
    critic_step(p, b, get_loss("wgan-gp"), 10.0, OPS)
    assert all(torch.equal(a, t) for a, t in zip(g_before, p.G.parameters(), strict=True))
    assert not all(torch.equal(a, t) for a, t in zip(d_before, p.D.parameters(), strict=True))


def test_wgan_gp_reports_the_penalised_critic_loss() -> None:
    ring = get_problem("ring")
    p, b = players(ring), batch(ring)
    D, G = copy.deepcopy(p.D), copy.deepcopy(p.G)
    fake = G(b.z).detach()
    logit_part = (D(fake).mean() - D(b.real).mean()).item()
    penalty = gradient_penalty(D, interpolate(b.real, fake, b.eps)).item()
    stats = joint_step(p, b, get_loss("wgan-gp"), 10.0, OPS)
    assert stats[0].item() == pytest.approx(logit_part + 10 * penalty, rel=1e-5)
    assert stats[-1].item() == pytest.approx(-logit_part, rel=1e-5)  # the critic gap
