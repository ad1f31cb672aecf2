"""Every option declared once (core/config.py): what is derived from the table agrees with it —
the command line of train and sweep and their help, the checks, what a resumed run keeps, the
defaults a problem, a loss or a recipe may set."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
import typer
from clikit import toygan

from toygan_tui.cli import app
from toygan_tui.core.config import MATH_FIELDS, OPTIONS, TUNED, ConfigError, TrainConfig
from toygan_tui.core.losses import LOSSES
from toygan_tui.core.option_help import default_note, help_text
from toygan_tui.core.options import entries, option
from toygan_tui.core.problems import PROBLEMS
from toygan_tui.core.problems.base import Defaults
from toygan_tui.core.training.resume import merged_config

COMMAND = typer.main.get_command(app)
FLAGS = [e for e in OPTIONS.values() if e.spec.flag]


def flags_of(command: str) -> set[str]:
    params = COMMAND.commands[command].params  # type: ignore[attr-defined]
    return {opt for p in params for opt in p.opts}


def test_the_table_is_every_field_of_the_config() -> None:
    assert list(OPTIONS) == [f.name for f in dataclasses.fields(TrainConfig)]
    assert len(OPTIONS) > 25  # the table really was read

    @dataclasses.dataclass(frozen=True)
    class Undeclared:
        a: int = option(1, "one", "The problem")
        b: int = 2  # declared without an entry

    with pytest.raises(TypeError, match="Undeclared.b has no option entry"):
        entries(Undeclared)


@pytest.mark.parametrize("command", ["train", "sweep"])
def test_train_and_sweep_take_every_option_of_the_table(command: str) -> None:
    expected = {e.flag_name for e in FLAGS} - ({"--seed"} if command == "sweep" else set())
    assert expected <= flags_of(command)
    hidden = {e.flag_name for e in OPTIONS.values() if not e.spec.flag}
    assert hidden == {"--n-eval", "--n-show", "--eval-seed", "--classes"}
    assert not hidden & flags_of(command)


@pytest.mark.parametrize("command", ["train", "sweep"])
def test_help_names_every_option_and_every_problem_and_loss(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # no name cut by the help's layout
    out = toygan(command, "--help").out
    for entry in FLAGS:
        if entry.name != "seed" or command == "train":
            assert entry.flag_name in out, entry.flag_name
    for name in [*PROBLEMS, *LOSSES]:  # from the registries, not a list in the help text
        assert name in out, name


@pytest.mark.parametrize("name", TUNED)
def test_a_tuned_options_help_says_each_problems_default(name: str) -> None:
    note = default_note(name)
    values = {getattr(p.defaults, name, getattr(TrainConfig, name)) for p in PROBLEMS.values()}
    if len(values) == 1:
        assert note.startswith(f"{next(iter(values)):g} for every problem"), note
    for problem in PROBLEMS.values() if len(values) > 1 else ():
        assert problem.name in note, (name, note)
    grid = PROBLEMS["grid"].defaults
    if name == "lr_g":
        assert f"grid: {grid.lr_g:g}" in note and "--loss wgan-gp: 0.0001" in note
    assert help_text(OPTIONS[name]).startswith(OPTIONS[name].spec.help)


def test_a_problems_defaults_are_tuned_options() -> None:
    fields = {f.name for f in dataclasses.fields(Defaults)} - {"loss"}
    assert fields <= set(TUNED)


def other_value(name: str, value: Any) -> Any:
    """A valid value other than `value` for a config field (for the resume checks)."""
    special = {"device": "cpu", "engine": "reference", "problem": "ring", "loss": "ns",
               "recipe": "tuned", "d_norm": "none", "data": "/elsewhere", "fit": "pad",
               "background": "black", "classes": "a/b"}  # fmt: skip
    if name in special:
        return special[name]
    if isinstance(value, int):
        return value + 1
    return value / 2 if value else 0.5


@pytest.mark.parametrize("name", list(OPTIONS))
def test_a_resumed_run_keeps_exactly_the_options_that_change_its_numbers(name: str) -> None:
    saved = TrainConfig()
    given = {name: other_value(name, getattr(saved, name))}
    if name in MATH_FIELDS:
        with pytest.raises(ConfigError, match="a resumed run keeps its model and data options"):
            merged_config(saved, given)
    elif name != "data":  # a folder is checked when the run starts (curves has none)
        assert getattr(merged_config(saved, given), name) == given[name]


@pytest.mark.parametrize("entry", [e for e in OPTIONS.values() if e.spec.positive],
                         ids=lambda e: e.name)  # fmt: skip
def test_every_whole_positive_option_refuses_zero(entry: Any) -> None:
    with pytest.raises(ConfigError, match=f"{entry.flag_name} must be positive, got 0"):
        TrainConfig(**{entry.name: 0})
