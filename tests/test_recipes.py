"""Recipes: named option defaults between the loss's and the options the user types."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from clikit import toygan

from toygan_tui.core import recipes
from toygan_tui.core.config import MATH_FIELDS, ConfigError, TrainConfig, resolve
from toygan_tui.core.recipes import TUNED, Recipe, RecipeError
from toygan_tui.core.training.resume import merged_config

# What the command line hands resolve(): every option, typed or not (typer's defaults).
CLI_DEFAULTS = {
    "problem": "curves", "loss": "minimax", "seed": 1, "batch_size": 64, "lr_g": 1e-4,
    "lr_d": 1e-4, "beta1": 0.9, "beta2": 0.999, "hidden": 128, "depth": 1, "n_critic": 1,
    "gp_weight": 0.0, "steps": 10_000, "recipe": "tutorial", "ema": 0.0,
}  # fmt: skip


def cli(typed: dict[str, object]) -> TrainConfig:
    return resolve({**CLI_DEFAULTS, **typed}, set(typed))


def test_the_tutorial_recipe_is_the_default_run_exactly() -> None:
    assert cli({}) == cli({"recipe": "tutorial"}) == TrainConfig()
    assert cli({}).recipe == "tutorial" and cli({}).ema == 0.0


def test_the_tuned_recipe_sets_its_values_and_records_its_name() -> None:
    cfg = cli({"recipe": "tuned"})
    assert (cfg.recipe, cfg.loss, cfg.lr_g, cfg.lr_d, cfg.beta1, cfg.beta2, cfg.ema) == (
        "tuned", "ns", 6e-4, 6e-4, 0.5, 0.99, 0.999,
    )  # fmt: skip
    untouched = ("batch_size", "hidden", "depth", "steps", "seed", "n_critic", "gp_weight")
    assert all(getattr(cfg, k) == getattr(TrainConfig(), k) for k in untouched)


def test_typed_options_win_over_the_recipe() -> None:
    cfg = cli({"recipe": "tuned", "lr_g": 2e-4, "loss": "minimax", "ema": 0.99})
    assert (cfg.lr_g, cfg.loss, cfg.ema) == (2e-4, "minimax", 0.99)
    assert (cfg.lr_d, cfg.beta1) == (6e-4, 0.5)  # the rest is still the recipe's
    assert cli({"recipe": "tuned", "ema": 0}).ema == 0  # typing 0 turns the recipe's EMA off


def test_a_recipe_that_picks_a_loss_brings_its_defaults_under_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    critic = Recipe("critic", "wgan-gp, faster", {"loss": "wgan-gp", "lr_d": 3e-4, "ema": 0.999})
    monkeypatch.setitem(recipes.RECIPES, "critic", critic)
    cfg = cli({"recipe": "critic"})
    # wgan-gp's defaults (betas (0, 0.9), 5 critic steps, λ 10), then the recipe's values.
    assert (cfg.loss, cfg.beta1, cfg.beta2, cfg.n_critic, cfg.gp_weight) == (
        "wgan-gp", 0.0, 0.9, 5, 10.0,
    )  # fmt: skip
    assert (cfg.lr_d, cfg.lr_g, cfg.ema) == (3e-4, 1e-4, 0.999)
    assert cli({"recipe": "critic", "n_critic": 2}).n_critic == 2


def test_a_recipe_is_refused_where_it_was_not_measured() -> None:
    with pytest.raises(RecipeError, match=r"^--recipe tuned was tuned on --problem curves only"):
        cli({"recipe": "tuned", "problem": "ring"})
    with pytest.raises(RecipeError, match="tuned on --problem curves"):
        TrainConfig(problem="grid", recipe="tuned", depth=1)


def test_an_unknown_recipe_is_one_line_naming_the_choices() -> None:
    with pytest.raises(RecipeError, match=r"^--recipe must be one of tutorial, tuned, got .x.$"):
        cli({"recipe": "x"})


def test_a_resumed_run_keeps_its_recipe_and_ema() -> None:
    assert {"recipe", "ema"} <= set(MATH_FIELDS)
    saved = cli({"recipe": "tuned", "ema": 0.99})
    assert merged_config(saved, {"recipe": "tuned", "steps": 20_000}).steps == 20_000
    for typed in ({"ema": 0.999}, {"recipe": "tutorial"}):
        with pytest.raises(ConfigError, match="a resumed run keeps its model"):
            merged_config(saved, typed)


def test_configs_written_before_recipes_read_as_the_tutorial_without_ema() -> None:
    old = {k: v for k, v in TrainConfig().to_dict().items() if k not in ("recipe", "ema")}
    cfg = TrainConfig.from_dict(old)
    assert (cfg.recipe, cfg.ema) == ("tutorial", 0.0)
    assert dataclasses.replace(cfg) == TrainConfig()


def test_the_recipe_describes_its_values_for_help() -> None:
    assert TUNED.describe() == (
        "tuned (loss=ns, lr_g=0.0006, lr_d=0.0006, beta1=0.5, beta2=0.99, ema=0.999)"
    )
    assert recipes.TUTORIAL.describe() == "tutorial (no overrides)"


# -- on the command line ------------------------------------------------------------------------
def _train(runs: Path, name: str, *args: object) -> dict[str, object]:
    done = toygan("train", "--steps", 40, "--report-every", 20, "--device", "cpu", "--no-live",
                  "--runs-dir", runs, "--name", name, *args)  # fmt: skip
    assert done.code == 0, done.err
    return json.loads((runs / name / "config.json").read_text())


def test_recipe_tutorial_on_the_command_line_is_no_recipe_bit_for_bit(tmp_path: Path) -> None:
    import torch

    from toygan_tui.core.training.checkpoint import read_checkpoint

    runs = tmp_path / "runs"
    assert _train(runs, "plain") == {**_train(runs, "tut", "--recipe", "tutorial"),
                                     "run_id": "plain"}  # fmt: skip
    rows = [
        [{k: v for k, v in json.loads(line).items() if k not in ("steps_per_s", "time")}
         for line in (runs / name / "metrics.jsonl").read_text().splitlines()]
        for name in ("plain", "tut")
    ]  # fmt: skip
    assert rows[0] == rows[1] and len(rows[0]) == 2
    a, b = read_checkpoint(runs / "plain" / "ckpt.pt"), read_checkpoint(runs / "tut" / "ckpt.pt")
    for net in ("G", "D"):
        assert all(torch.equal(a[net][k], b[net][k]) for k in a[net])


def test_typed_options_win_over_the_recipe_on_the_command_line(tmp_path: Path) -> None:
    config = _train(tmp_path / "runs", "t", "--recipe", "tuned", "--lr-g", "2e-4", "--ema", 0.99)
    assert (config["recipe"], config["loss"], config["lr_g"], config["lr_d"]) == (
        "tuned", "ns", 2e-4, 6e-4,
    )  # fmt: skip
    assert (config["beta1"], config["beta2"], config["ema"]) == (0.5, 0.99, 0.99)


def test_help_lists_the_recipes_with_their_values() -> None:
    text = " ".join(toygan("train", "--help").out.split())  # rich wraps the help's lines
    assert "--recipe" in text and "--ema" in text
    for shown in ("tutorial (no overrides)", "loss=ns", "lr_g=0.0006", "ema=0.999"):
        assert shown in text.replace("│ ", ""), shown


@pytest.mark.parametrize(
    "args, message",
    [
        (["--recipe", "best"], "--recipe must be one of tutorial, tuned, got 'best'"),
        (
            ["--recipe", "tuned", "--problem", "ring"],
            "--recipe tuned was tuned on --problem curves",
        ),
        (["--ema", "1"], "--ema must be 0 (none) or a decay in (0, 1)"),
        (["--ema", "-0.5"], "--ema must be 0 (none) or a decay in (0, 1)"),
    ],
)
def test_bad_recipe_and_ema_are_one_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = toygan("train", "--runs-dir", tmp_path, "--no-live", *args)
    assert result.code == 2 and message in result.err
    assert len(result.err.strip().splitlines()) == 1
