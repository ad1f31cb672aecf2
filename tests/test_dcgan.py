"""The image problems' nets (core/nets/dcgan.py): DCGAN's shapes at every size, its
initialisation, labels as one-hot inputs, no BatchNorm in a penalised critic, and the engines:
the fast ones refuse an image problem in one line and `--engine auto` trains it with autograd."""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch import nn

from toygan_tui.core.config import ConfigError, TrainConfig, resolve
from toygan_tui.core.engines.factory import make_engine, make_fast_engine
from toygan_tui.core.nets import dcgan
from toygan_tui.core.nets.build import discriminator_for, generator_for
from toygan_tui.core.problems import get_problem
from toygan_tui.core.problems.digits import DIGITS, Digits
from toygan_tui.core.training.state import new_state


def shaped(channels: int, side: int, conditional: bool = False) -> Digits:
    return dataclasses.replace(DIGITS, sample_shape=(channels, side, side), conditional=conditional)


@pytest.mark.parametrize("side", [8, 16, 32, 64])
@pytest.mark.parametrize("channels", [1, 3])
def test_g_draws_images_of_the_problems_shape_in_tanh_range_and_d_gives_one_logit(
    side: int, channels: int
) -> None:
    problem = shaped(channels, side)
    G, D = dcgan.generator(problem, 8), dcgan.discriminator(problem, 8)
    images = G(torch.randn(5, 100))
    assert images.shape == (5, channels, side, side)
    assert images.abs().max() <= 1
    assert D(images).shape == (5, 1)
    ups = [m for m in G if isinstance(m, nn.ConvTranspose2d)]
    assert len(ups) == dcgan.blocks(side) + 1  # 1×1 → 4×4, then doubling to the side


def test_at_64_pixels_these_are_the_tutorials_nets() -> None:
    """The PyTorch DCGAN tutorial: ngf·8 at 4×4 down to ngf at 32×32; D mirrors it."""
    G, D = dcgan.generator(shaped(3, 64), 64), dcgan.discriminator(shaped(3, 64), 64)
    widths = [m.out_channels for m in G if isinstance(m, nn.ConvTranspose2d)]
    assert widths == [512, 256, 128, 64, 3]
    assert [m.out_channels for m in D if isinstance(m, nn.Conv2d)] == [64, 128, 256, 512, 1]
    assert sum(isinstance(m, nn.BatchNorm2d) for m in D) == 3  # not after D's first conv


def test_other_sizes_are_refused() -> None:
    for side in (4, 12, 48):
        with pytest.raises(ValueError, match="8, 16, 32, 64"):
            dcgan.blocks(side)


def test_weights_start_as_dcgan_says() -> None:
    torch.manual_seed(0)
    G = dcgan.generator(shaped(1, 32), 64)
    convs = torch.cat([m.weight.detach().flatten() for m in G if isinstance(m, nn.ConvTranspose2d)])
    norms = torch.cat([m.weight.detach() for m in G if isinstance(m, nn.BatchNorm2d)])
    assert convs.mean().abs() < 1e-3 and convs.std() == pytest.approx(0.02, rel=0.05)
    assert norms.mean() == pytest.approx(1.0, abs=0.01)
    assert norms.std() == pytest.approx(0.02, rel=0.2)


def test_a_penalised_critic_has_no_batchnorm() -> None:
    problem = get_problem("digits")
    plain = discriminator_for(problem, 16, 2)
    critic = discriminator_for(problem, 16, 2, penalised=True)
    assert any(isinstance(m, nn.BatchNorm2d) for m in plain)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in critic)
    cfg = resolve({"problem": "digits", "loss": "wgan-gp"}, {"loss"})
    state = new_state(cfg, torch.device("cpu"))
    assert not any(isinstance(m, nn.BatchNorm2d) for m in state.D.modules())


def test_the_label_reaches_both_nets_as_one_hot() -> None:
    """G's image changes with the digit asked for; D's logit with the label it is shown."""
    cond = get_problem("cond-digits")
    torch.manual_seed(0)
    G, D = generator_for(cond, 8, 2), discriminator_for(cond, 8, 2)
    assert G[1].in_channels == 100 + 10 and D[1].in_channels == 1 + 10
    z = torch.randn(4, 100).repeat(2, 1)
    labels = torch.tensor([[3.0]] * 4 + [[7.0]] * 4)
    images = G(torch.cat([z, labels], dim=1))
    assert not torch.allclose(images[:4], images[4:])
    from toygan_tui.core.nets.inputs import with_labels

    same = images[:4].detach().repeat(2, 1, 1, 1)
    logits = D(with_labels(same, labels))
    assert not torch.allclose(logits[:4], logits[4:])


def test_the_fast_engines_refuse_an_image_problem_in_one_line_and_auto_takes_autograd() -> None:
    cfg = resolve({"problem": "digits", "steps": 2}, {"steps"})
    state = new_state(cfg, torch.device("cpu"))
    with pytest.raises(ConfigError) as error:
        make_fast_engine(state, required=True)
    assert str(error.value) == (
        "--engine fast: the fast engines run MLPs; digits has dcgan nets;"
        " use --engine auto or reference"
    )
    assert make_engine(state).name == "reference"


def test_cond_digits_take_dcgans_own_settings() -> None:
    """Measured (bench/digits_probe.md): as good as the digits' tuned ones in a third of the
    time."""
    cfg = resolve({"problem": "cond-digits"}, set())
    assert (cfg.loss, cfg.batch_size, cfg.lr_g, cfg.lr_d, cfg.beta1, cfg.hidden) == (
        "ns", 128, 2e-4, 2e-4, 0.5, 64,
    )  # fmt: skip
    assert (cfg.augment, cfg.d_norm, cfg.steps, cfg.ema, cfg.codes) == (0, "batch", 1_500, 0.0, 0)


@pytest.mark.parametrize("problem", ["digits"])
def test_digits_take_their_measured_settings_unless_typed(problem: str) -> None:
    """DCGAN's batch, β1 and loss; the rest measured on the digits (bench/digits_probe.md)."""
    cfg = resolve({"problem": problem}, set())
    assert (cfg.loss, cfg.batch_size, cfg.lr_g, cfg.lr_d, cfg.beta1, cfg.hidden) == (
        "ns",
        128,
        2e-4,
        8e-4,
        0.5,
        32,
    )
    assert (cfg.augment, cfg.d_norm, cfg.steps, cfg.ema, cfg.codes) == (1, "none", 10_000, 0.0, 10)
    typed_ones = {"augment": 0, "d_norm": "batch", "codes": 0}
    typed = resolve({"problem": problem, **typed_ones}, set(typed_ones))
    assert (typed.augment, typed.d_norm, typed.codes) == (0, "batch", 0)
    assert resolve({"problem": "digits", "loss": "minimax"}, {"loss"}).loss == "minimax"
    assert resolve({"problem": "digits", "loss": "hinge"}, set()).loss == "ns"
    wgan = resolve({"problem": "digits", "loss": "wgan-gp"}, {"loss"})
    assert (wgan.lr_g, wgan.beta1, wgan.beta2, wgan.n_critic) == (1e-4, 0.0, 0.9, 5)


def test_a_dcgans_depth_is_the_image_sizes() -> None:
    with pytest.raises(ConfigError, match="--depth: digits's dcgan nets take their depth"):
        TrainConfig(problem="digits", depth=3)
    assert TrainConfig(problem="digits", depth=2).depth == 2


def test_d_norm_none_builds_a_d_without_batchnorm_and_batch_keeps_dcgans() -> None:
    def norms(**options: object) -> int:
        cfg = resolve({"problem": "digits", "steps": 2, **options}, set(options))
        state = new_state(cfg, torch.device("cpu"))
        return sum(isinstance(m, nn.BatchNorm2d) for m in state.D.modules())

    assert norms(d_norm="batch") == 1  # after D's second convolution (16×16: two blocks)
    assert norms(d_norm="none") == 0
    assert norms(d_norm="batch", loss="wgan-gp") == 0  # a penalised critic never has any


def test_d_norm_is_checked_and_is_for_dcgan_nets_only() -> None:
    with pytest.raises(ConfigError, match="--d-norm must be one of batch, none, got 'layer'"):
        TrainConfig(problem="digits", depth=2, d_norm="layer")
    with pytest.raises(ConfigError, match="--d-norm: --problem ring's mlp D has no BatchNorm"):
        TrainConfig(problem="ring", d_norm="none")
    assert TrainConfig(problem="ring").d_norm == "batch"


def test_a_digits_run_written_before_augment_d_norm_and_codes_keeps_its_nets() -> None:
    """An older config.json has none of these keys: it loads as BatchNorm in D, no shifts and
    no code, the nets and steps that run had, whatever the digits' defaults are now."""
    old = resolve({"problem": "digits"}, set()).to_dict()
    del old["augment"], old["d_norm"], old["codes"]
    cfg = TrainConfig.from_dict(old)
    assert (cfg.augment, cfg.d_norm, cfg.codes) == (0, "batch", 0)
