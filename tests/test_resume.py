"""`toygan train --resume`: the same run, continued exactly, from any of the paths a user has.

On the CPU, N steps then a resume to M must give bit for bit what M uninterrupted steps give:
the weights, both optimizers, `toygan sample --seed 7 --format json`, and metrics.jsonl
(apart from the timing columns), with no step reported twice.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from clikit import quick, sample_json, toygan

from toygan_tui.core.training.checkpoint import read_checkpoint

TIMING = ("steps_per_s", "time")


def train(runs: Path, *extra: object) -> None:
    result = toygan(*quick(runs, "--report-every", 50, *extra))
    assert result.code == 0, result.err


def rows(run: Path) -> list[dict[str, object]]:
    lines = (run / "metrics.jsonl").read_text().splitlines()
    return [{k: v for k, v in json.loads(line).items() if k not in TIMING} for line in lines]


def assert_same_state(a: Path, b: Path, *may_differ: str) -> None:
    """The two checkpoints are the same run at the same step: every entry equal, bit for bit
    (weights, both optimizers with their param groups, torch's and numpy's random states,
    the config...), except the entries named in `may_differ` ("run_id", "config.save_every")."""
    assert_same_tree(read_checkpoint(a), read_checkpoint(b), "", frozenset(may_differ))


def assert_option_resumes_and_counts(runs: Path, flag: str, on: object, off: object,
                                     *options: object) -> None:  # fmt: skip
    """Short CPU runs with `options`: one with `flag on`, straight through and stopped at step
    5 then resumed, ends in the same checkpoint bit for bit; one with `flag off` draws other
    samples (the option changes the run)."""
    for name, n in (("whole", 12), ("split", 5)):
        argv = ("--name", name, "--steps", n, "--report-every", 4, flag, on, *options)
        done = toygan(*quick(runs, *argv))
        assert done.code == 0, done.err
    done = toygan("train", "--resume", runs / "split", "--steps", 12, "--no-live")
    assert done.code == 0, done.err
    assert_same_state(
        runs / "whole" / "ckpt.pt", runs / "split" / "ckpt.pt", "run_id", "elapsed",
    )  # fmt: skip
    plain = toygan(*quick(runs, "--name", "plain", "--steps", 12, flag, off, *options))
    assert plain.code == 0, plain.err
    assert sample_json(runs / "plain" / "ckpt.pt") != sample_json(runs / "whole" / "ckpt.pt")


def assert_same_tree(a: object, b: object, path: str, skip: frozenset[str]) -> None:
    """Walk dicts, lists, tuples, tensors and arrays together; fail on any difference: a key,
    a length, a type, a dtype, a shape, a value."""
    where = path or "the checkpoint"
    if path in skip:
        return
    assert type(a) is type(b), f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), f"{where}: keys {list(a)} vs {list(b)}"
        for key in a:
            assert_same_tree(a[key], b[key], f"{path}.{key}".lstrip("."), skip)
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), f"{where}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same_tree(x, y, f"{path}[{i}]", skip)
    elif isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor)
        assert (a.dtype, a.shape, a.device) == (b.dtype, b.shape, b.device), where
        assert torch.equal(a, b), f"{where} differs"
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape, where
        assert np.array_equal(a, b), f"{where} differs"
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def test_the_checkpoint_comparison_misses_nothing(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    train(runs, "--name", "a", "--steps", 20, "--report-every", 10, "--engine", "reference")
    ckpt = read_checkpoint(runs / "a" / "ckpt.pt")
    assert_same_tree(ckpt, copy.deepcopy(ckpt), "", frozenset())
    changes: dict[tuple[str | int, ...], Callable[[Any], Any]] = {
        ("rng", "data_numpy", "pos"): lambda pos: pos + 1,  # numpy's RNG state
        ("opt_D", "param_groups", 0, "lr"): lambda lr: lr * 2,  # a param group
        ("opt_G", "param_groups", 0, "betas"): list,  # a tuple turned list
        ("G", "0.bias"): lambda bias: bias.double(),  # a dtype
        ("D", "2.bias"): lambda bias: torch.nextafter(bias, bias + 1),  # the last bit
        ("rng", "extra"): lambda _: 1,  # a key only one side has
    }
    for keys, change in changes.items():
        changed = copy.deepcopy(ckpt)
        parent = changed
        for key in keys[:-1]:
            parent = parent[key]
        parent[keys[-1]] = change(parent.get(keys[-1]))
        with pytest.raises(AssertionError):
            assert_same_tree(ckpt, changed, "", frozenset())
            pytest.fail(f"{keys} went unnoticed")


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["reference", "auto"])
def test_n_steps_then_resume_to_m_is_bit_identical_to_m_steps(tmp_path: Path, engine: str) -> None:
    runs = tmp_path / "runs"
    train(runs, "--name", "whole", "--steps", 400, "--save-every", 100, "--engine", engine)
    # Saves at other moments than the whole run's: where a checkpoint falls must not matter.
    train(runs, "--name", "split", "--steps", 230, "--save-every", 70, "--engine", engine)
    result = toygan("train", "--resume", runs / "split", "--steps", 400, "--no-live")
    assert result.code == 0, result.err

    assert_same_state(
        runs / "whole" / "ckpt.pt", runs / "split" / "ckpt.pt", "run_id", "elapsed",
        "config.save_every",
    )  # fmt: skip
    assert sample_json(runs / "whole" / "ckpt.pt") == sample_json(runs / "split" / "ckpt.pt")
    # The same reports, each step once, plus the one where the first session ended.
    split = rows(runs / "split")
    assert [r for r in split if r["step"] != 230] == rows(runs / "whole")
    assert [r["step"] for r in split] == [50, 100, 150, 200, 230, 250, 300, 350, 400]


@pytest.mark.slow
def test_resume_from_the_run_dir_its_checkpoint_or_last_pt_continues_the_same_run(
    tmp_path: Path,
) -> None:
    runs = tmp_path / "runs"
    train(runs, "--name", "whole", "--steps", 300, "--engine", "reference")
    for n, path in enumerate(["run", "ckpt", "last"]):
        name = f"r{n}"
        train(runs, "--name", name, "--steps", 100, "--engine", "reference")
        target = {"run": runs / name, "ckpt": runs / name / "ckpt.pt", "last": runs / "last.pt"}
        result = toygan("train", "--resume", target[path], "--steps", 300, "--no-live")
        assert result.code == 0, result.err
        assert f"run {name} done at step 300/300" in result.out
        assert sample_json(runs / name / "ckpt.pt") == sample_json(runs / "whole" / "ckpt.pt")
    assert sorted(p.name for p in runs.iterdir() if p.is_dir()) == ["r0", "r1", "r2", "whole"]


def killed_past_the_checkpoint(text: str) -> str:
    """What a kill can leave: reports past the last checkpoint, then half a line."""
    return text + text.splitlines()[0].replace('"step": 50', '"step": 250') + '\n{"st'


def killed_mid_newline(text: str) -> str:
    """A last row written whole but for its newline: the next row must not join it."""
    return text.rstrip("\n")


@pytest.mark.parametrize("damage", [killed_past_the_checkpoint, killed_mid_newline])
def test_rows_written_after_the_checkpoint_by_a_killed_run_are_not_repeated(
    tmp_path: Path, damage: Callable[[str], str]
) -> None:
    runs = tmp_path / "runs"
    train(runs, "--name", "a", "--steps", 200, "--engine", "reference")
    metrics = runs / "a" / "metrics.jsonl"
    metrics.write_text(damage(metrics.read_text()))

    result = toygan("train", "--resume", runs / "a", "--steps", 300, "--no-live")

    assert result.code == 0, result.err
    assert [r["step"] for r in rows(runs / "a")] == [50, 100, 150, 200, 250, 300]


@pytest.mark.parametrize(
    ("option", "value", "saved"),
    [("--seed", "3", "1"), ("--batch-size", "32", "64"), ("--lr-g", "0.001", "0.0001"),
     ("--lr-d", "0.0002", "0.0001")],
)  # fmt: skip
def test_a_changed_model_or_data_option_is_refused(
    tmp_path: Path, option: str, value: str, saved: str
) -> None:
    runs = tmp_path / "runs"
    train(runs, "--name", "a", "--steps", 100)
    before = (runs / "a" / "ckpt.pt").read_bytes()

    result = toygan("train", "--resume", runs / "a", "--steps", 200, option, value)

    assert result.code == 2
    assert f"{option} {value} differs from the run's {option} {saved}" in result.err
    assert "Traceback" not in result.err
    assert (runs / "a" / "ckpt.pt").read_bytes() == before


@pytest.mark.slow
def test_options_that_do_not_change_the_math_may_change_and_repeating_one_is_fine(
    tmp_path: Path,
) -> None:
    runs = tmp_path / "runs"
    train(runs, "--name", "whole", "--steps", 300, "--engine", "reference")
    train(runs, "--name", "a", "--steps", 100, "--engine", "reference", "--seed", 1)
    result = toygan(
        "train", "--resume", runs / "a", "--steps", 300, "--seed", 1, "--report-every", 25,
        "--save-every", 60, "--threads", 2, "--device", "cpu", "--no-live",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert_same_state(
        runs / "whole" / "ckpt.pt", runs / "a" / "ckpt.pt", "run_id", "elapsed",
        "config.report_every", "config.save_every", "config.threads",
    )  # fmt: skip
    config = json.loads((runs / "a" / "config.json").read_text())
    assert (config["steps"], config["report_every"], config["save_every"]) == (300, 25, 60)


def test_switching_engine_on_resume_continues_the_same_math_to_float_tolerance(
    tmp_path: Path,
) -> None:
    runs = tmp_path / "runs"
    train(runs, "--name", "whole", "--steps", 300, "--engine", "reference")
    train(runs, "--name", "a", "--steps", 150, "--engine", "reference")
    result = toygan("train", "--resume", runs / "a", "--steps", 300, "--engine", "auto")
    assert result.code == 0, result.err
    a, whole = read_checkpoint(runs / "a" / "ckpt.pt"), read_checkpoint(runs / "whole" / "ckpt.pt")
    for key in ("G", "D"):
        for name, value in a[key].items():
            torch.testing.assert_close(value, whole[key][name], rtol=1e-4, atol=1e-5)


def test_resuming_a_finished_run_says_so_and_exits_0(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    train(runs, "--name", "a", "--steps", 100)
    before = (runs / "a" / "metrics.jsonl").read_text()

    result = toygan("train", "--resume", runs / "a")

    assert result.code == 0, result.err
    assert "already finished: step 100 of 100" in result.out
    assert "--steps N" in result.out  # and how to go further
    assert (runs / "a" / "metrics.jsonl").read_text() == before


def test_a_smaller_steps_than_done_is_finished_too(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    train(runs, "--name", "a", "--steps", 100)
    result = toygan("train", "--resume", runs / "a", "--steps", 60)
    assert result.code == 0, result.err
    assert "already finished: at step 100, past --steps 60" in result.out


def test_a_larger_steps_extends_a_finished_run(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    train(runs, "--name", "a", "--steps", 100)
    result = toygan("train", "--resume", runs / "a", "--steps", 150, "--no-live")
    assert result.code == 0, result.err
    assert [r["step"] for r in rows(runs / "a")] == [50, 100, 150]
    assert read_checkpoint(runs / "last.pt")["step"] == 150


@pytest.mark.parametrize(
    ("extra", "message"),
    [(["--name", "other"], "a resumed run keeps its id 'a'"),
     (["--runs-dir", "elsewhere"], "--runs-dir elsewhere: the run resumed from")],
)  # fmt: skip
def test_resume_refuses_to_move_or_rename_the_run(
    tmp_path: Path, extra: list[str], message: str
) -> None:
    runs = tmp_path / "runs"
    train(runs, "--name", "a", "--steps", 100)
    result = toygan("train", "--resume", runs / "a", "--steps", 200, *extra)
    assert result.code == 2
    assert message in result.err
