"""--augment (core/engines/autograd/augment.py): DiffAugment's translation of what D sees. The shift
itself, that D sees reals and fakes shifted (and G's loss the same shifted fakes), that it is
drawn from the run's noise stream (same seed, same run; resumed bit for bit), and that it is
off for every problem without images and refused there."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch
from test_resume import assert_option_resumes_and_counts

from toygan_tui.core import config
from toygan_tui.core.config import ConfigError, TrainConfig, resolve
from toygan_tui.core.engines.autograd.augment import BACKGROUND, Shifts, translate
from toygan_tui.core.engines.autograd.reference import ReferenceEngine
from toygan_tui.core.engines.autograd.step import Batch, Players, joint_step
from toygan_tui.core.losses import get_loss, torch_ops
from toygan_tui.core.nets.build import discriminator_for, generator_for
from toygan_tui.core.problems import get_problem
from toygan_tui.core.training.state import new_state


def test_a_shift_moves_every_pixel_and_brings_in_the_background() -> None:
    images = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).reshape(2, 3, 4, 5)
    shifts = torch.tensor([[1, -2], [0, 0]])
    moved = translate(images, shifts, 2)
    assert moved.shape == images.shape
    # Down one row and left two columns: out[y, x] = in[y − 1, x + 2].
    assert torch.equal(moved[0, :, 1:, :3], images[0, :, :3, 2:])
    assert (moved[0, :, 0, :] == BACKGROUND).all() and (moved[0, :, :, 3:] == BACKGROUND).all()
    assert torch.equal(moved[1], images[1])  # no shift: the image itself


def test_a_shift_passes_the_gradient_back_to_the_pixels_it_kept() -> None:
    images = torch.zeros(1, 1, 4, 4, requires_grad=True)
    translate(images, torch.tensor([[0, 1]]), 1).sum().backward()
    assert images.grad is not None
    expected = torch.ones(1, 1, 4, 4)
    expected[..., -1] = 0  # the last column went out of the picture
    assert torch.equal(images.grad, expected)


def test_shifts_are_whole_pixels_within_the_bound_and_the_same_for_the_same_seed() -> None:
    draw = lambda: Shifts.draw(torch.Generator().manual_seed(3), 500, 2, torch.device("cpu"))  # noqa: E731
    a, b = draw(), draw()
    assert torch.equal(a.real, b.real) and torch.equal(a.fake, b.fake)
    both = torch.cat([a.real, a.fake])
    assert both.shape == (1000, 2) and both.dtype == torch.int64
    assert set(both.unique().tolist()) == {-2, -1, 0, 1, 2}
    assert not torch.equal(a.real, a.fake)  # reals and fakes each their own shifts
    part = a.share(slice(100, 200))
    assert torch.equal(part.real, a.real[100:200]) and torch.equal(part.fake, a.fake[100:200])


class Seen(torch.nn.Module):
    """D, recording every image batch it is shown."""

    def __init__(self, D: torch.nn.Module) -> None:
        super().__init__()
        self.D, self.inputs = D, []  # type: list[torch.Tensor]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.inputs.append(x.detach().clone())
        return self.D(x)


def test_d_sees_the_reals_and_g_and_d_see_the_fakes_shifted_alike() -> None:
    problem = get_problem("digits")
    torch.manual_seed(0)
    G, D = generator_for(problem, 8, 2), Seen(discriminator_for(problem, 8, 2))
    p = Players(G, D, torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters()))
    real = torch.from_numpy(problem.real_batch(np.random.RandomState(0), 16)[0]).float()
    z = torch.randn(16, problem.noise_dim)
    shifts = Shifts.draw(torch.Generator().manual_seed(1), 16, 2, torch.device("cpu"))
    with torch.no_grad():
        fake = G(z)  # G before its step: the fakes both players are shown
    joint_step(p, Batch(real, None, z, None, shifts), get_loss("ns"), 0.0, torch_ops())
    for_g, for_d_real, for_d_fake = D.inputs
    assert torch.equal(for_d_real, translate(real, shifts.real, 2))
    assert torch.allclose(for_g, translate(fake, shifts.fake, 2))
    assert torch.equal(for_d_fake, for_g)
    assert not torch.equal(for_d_real, real)  # the shifts did move the images


def test_the_label_channel_of_cond_digits_is_not_shifted() -> None:
    """The label rides as a constant channel after the shift: every pixel of it is the digit."""
    problem = get_problem("cond-digits")
    torch.manual_seed(0)
    G, D = generator_for(problem, 8, 2), Seen(discriminator_for(problem, 8, 2))
    p = Players(G, D, torch.optim.Adam(G.parameters()), torch.optim.Adam(D.parameters()))
    real, labels = problem.real_batch(np.random.RandomState(0), 16)
    column = torch.from_numpy(labels).float()[:, None]
    shifts = Shifts(torch.full((16, 2), 2), torch.full((16, 2), -2), 2)
    batch = Batch(torch.from_numpy(real).float(), column, torch.randn(16, 100), None, shifts)
    joint_step(p, batch, get_loss("ns"), 0.0, torch_ops())
    for seen in D.inputs:
        assert torch.equal(seen[:, -1], column[:, :, None].expand(-1, 16, 16))


def engine_batch(**options: object) -> Batch:
    typed = set(options)
    state = new_state(resolve({"steps": 2, **options}, typed), torch.device("cpu"))
    return ReferenceEngine(state)._batch()


def test_a_run_draws_shifts_only_when_it_augments() -> None:
    shifted = engine_batch(problem="digits", augment=2)
    assert shifted.shifts is not None and shifted.shifts.most == 2
    assert engine_batch(problem="digits", augment=0).shifts is None
    assert engine_batch(problem="curves").shifts is None
    # The same draws before the shifts: the real batch and the noise do not move.
    plain = engine_batch(problem="digits", augment=0)
    assert torch.equal(plain.real, shifted.real) and torch.equal(plain.z, shifted.z)


@pytest.mark.parametrize("problem", ["curves", "ring", "cond-curves"])
def test_augment_is_refused_where_there_are_no_images(problem: str) -> None:
    with pytest.raises(ConfigError, match=f"--augment shifts images; --problem {problem} has"):
        TrainConfig(problem=problem, augment=1)
    assert TrainConfig(problem=problem).augment == 0


@pytest.mark.parametrize("bad", [-1, 8, 1.5, True])
def test_a_bad_augment_is_one_line(bad: object) -> None:
    with pytest.raises(ConfigError, match="--augment must be"):
        TrainConfig(problem="digits", depth=2, augment=bad)  # type: ignore[arg-type]


def test_a_problems_defaults_may_set_the_augmentation_and_a_typed_value_wins(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    digits = get_problem("digits")
    shifted = dataclasses.replace(digits, defaults=dataclasses.replace(digits.defaults, augment=3))
    monkeypatch.setattr(config, "problem_for", lambda *_: shifted)
    assert resolve({"problem": "digits"}, set()).augment == 3
    assert resolve({"problem": "digits", "augment": 0}, {"augment"}).augment == 0
    assert resolve({"problem": "digits", "augment": 0}, set()).augment == 3  # 0 untyped


SMALL = ("--problem", "digits", "--batch-size", 16, "--hidden", 8)


@pytest.mark.slow
def test_an_augmented_digits_run_resumes_bit_for_bit_and_differs_from_one_without(
    tmp_path: Path,
) -> None:
    assert_option_resumes_and_counts(tmp_path / "runs", "--augment", 2, 0, *SMALL)
