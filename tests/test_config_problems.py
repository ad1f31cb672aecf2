"""A run's config names its problem and loss; typed options win over the loss's defaults,
which win over the problem's; unknown keys are refused; a format-1 config still reads."""

from __future__ import annotations

import pytest

from toygan_tui.core.config import ConfigError, TrainConfig, resolve, upgrade_v1
from toygan_tui.core.errors import InputError


def test_the_defaults_are_the_tutorials_curves_and_minimax() -> None:
    cfg = resolve({}, ())
    assert cfg == TrainConfig()
    assert (cfg.problem, cfg.loss, cfg.hidden, cfg.depth, cfg.batch_size) == (
        "curves", "minimax", 128, 1, 64,
    )  # fmt: skip
    assert (cfg.lr_g, cfg.lr_d, cfg.beta1, cfg.beta2, cfg.steps) == (1e-4, 1e-4, 0.9, 0.999, 10_000)
    assert (cfg.n_critic, cfg.gp_weight, cfg.n_eval, cfg.n_show) == (1, 0.0, 1000, 8)


def test_a_problem_brings_its_nets_and_hyperparameters() -> None:
    cfg = resolve({"problem": "ring", "loss": "ns"}, ())
    assert (cfg.hidden, cfg.depth, cfg.batch_size, cfg.steps) == (128, 2, 256, 20_000)
    assert (cfg.beta1, cfg.beta2, cfg.n_eval, cfg.n_show) == (0.5, 0.999, 2_500, 500)


def test_grid_brings_its_own_recipe_over_rings_nets() -> None:
    # Measured (issue 24): bench/grid_probe.md, docs/pack.md.
    cfg = resolve({"problem": "grid"}, ())
    assert (cfg.loss, cfg.pack, cfg.lr_g, cfg.lr_d, cfg.ema) == ("ns", 2, 1e-3, 1e-3, 0.999)
    assert (cfg.hidden, cfg.depth, cfg.batch_size, cfg.steps) == (128, 2, 256, 20_000)
    assert (cfg.beta1, cfg.beta2) == (0.5, 0.999)
    ring = resolve({"problem": "ring"}, ())  # ring keeps its own
    assert (ring.loss, ring.pack, ring.lr_g, ring.ema) == ("minimax", 1, 1e-4, 0.0)
    typed = resolve({"problem": "grid", "loss": "minimax", "pack": 1}, {"loss", "pack"})
    assert (typed.loss, typed.pack, typed.lr_g) == ("minimax", 1, 1e-3)  # typed options win
    published = resolve({"problem": "grid", "loss": "wgan-gp"}, {"loss"})
    assert (published.lr_g, published.lr_d, published.beta1) == (1e-4, 1e-4, 0.0)
    assert published.pack == 2  # the loss says nothing of packing: the grid's


def test_a_loss_brings_its_published_settings_over_the_problems() -> None:
    cfg = resolve({"problem": "ring", "loss": "wgan-gp"}, ())
    assert (cfg.beta1, cfg.beta2, cfg.n_critic, cfg.gp_weight) == (0.0, 0.9, 5, 10.0)
    assert cfg.batch_size == 256  # the problem's, where the loss says nothing


def test_a_typed_option_wins_over_both() -> None:
    options = {"problem": "ring", "loss": "wgan-gp", "beta1": 0.5, "n_critic": 2, "batch_size": 64}
    cfg = resolve({**options, "gp_weight": 1.0}, {"beta1", "n_critic", "gp_weight", "batch_size"})
    assert (cfg.beta1, cfg.n_critic, cfg.gp_weight, cfg.batch_size) == (0.5, 2, 1.0, 64)
    # An option's value that was not typed (the command line's default) does not win.
    untyped = resolve({**options, "beta1": 0.9}, set())
    assert untyped.beta1 == 0.0 and untyped.n_critic == 5


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"problem": "spiral"}, "--problem must be one of curves, ring, grid, two, cond-curves"),
        ({"loss": "vanilla"}, "--loss must be one of minimax, ns, lsgan, hinge, wgan-gp"),
        ({"gp_weight": 5.0}, "--gp-weight applies to wgan-gp only; --loss minimax has no penalty"),
        ({"beta1": 1.0}, "--beta1 must be in [0, 1), got 1.0"),
        ({"beta2": -0.1}, "--beta2 must be in [0, 1), got -0.1"),
        ({"depth": 0}, "--depth must be positive, got 0"),
        ({"n_critic": 0}, "--n-critic must be positive, got 0"),
        ({"loss": "wgan-gp", "gp_weight": -1.0}, "--gp-weight must be a finite number ≥ 0"),
    ],
)
def test_bad_values_are_one_line_naming_the_option(options: dict, message: str) -> None:
    with pytest.raises(InputError) as info:
        resolve(options, set(options))
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_unknown_keys_are_refused_not_dropped() -> None:
    data = {**TrainConfig(loss="hinge").to_dict(), "spectral_norm": True}
    with pytest.raises(ConfigError, match="unknown option 'spectral_norm'"):
        TrainConfig.from_dict(data)
    assert TrainConfig.from_dict(TrainConfig(loss="hinge").to_dict()).loss == "hinge"


def test_a_format_1_config_reads_as_the_tutorials_problem_and_loss() -> None:
    v1 = {
        "seed": 3, "batch_size": 64, "lr_g": 1e-4, "lr_d": 1e-4, "n_ideas": 5, "n_points": 15,
        "hidden": 128, "steps": 60, "device": "cpu", "engine": "auto", "threads": 1,
        "report_every": 20, "save_every": 20, "n_eval": 1000, "n_show": 8, "eval_seed": 12345,
    }  # fmt: skip
    cfg = TrainConfig.from_dict(upgrade_v1(v1))
    assert (cfg.problem, cfg.loss, cfg.seed, cfg.beta1, cfg.depth) == (
        "curves",
        "minimax",
        3,
        0.9,
        1,
    )
    with pytest.raises(ConfigError, match="n_points 16"):
        upgrade_v1({**v1, "n_points": 16})
