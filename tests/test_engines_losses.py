"""The fast engines for every (problem, loss) pair they cover, side by side with the reference
(the tolerances of tests/test_engines.py: losses to rounding, parameters within one Adam step,
Adam moments within 1 % of their norm), and a clear refusal, with a fallback, elsewhere.

Every problem runs at its own default depth (two hidden layers for ring, grid and two; one for
the curves), with its own Adam settings; the 2-D problems' nets and batches are narrowed to 64
to keep the suite fast (the layer structure, not the width, is what the engines get wrong).
Depths 1 and 3 are covered by DEPTHS (300 steps each, in report-sized chunks: CHUNKS); each
pair runs the first 178 of those steps (PAIR_CHUNKS: the CPU engine's 64-step draws crossed at
odd places, as in the longer runs), at the seed `toygan train` takes (1). The runs are re-synced
after every chunk (tests/test_engines.py says why), so no seed has to be picked to dodge a
host's ReLU flips, and a longer run would only repeat the same comparison.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from imagekit import data_options
from test_engines import CHUNKS, fresh, run_side_by_side

from toygan_tui.core.config import ConfigError, TrainConfig, resolve
from toygan_tui.core.engines.cuda_graph.cuda import DeviceEngine
from toygan_tui.core.engines.factory import make_engine, make_fast_engine
from toygan_tui.core.engines.numpy_cpu.cpu import CpuEngine
from toygan_tui.core.losses import LOSSES
from toygan_tui.core.problems import PROBLEMS

PAIR_CHUNKS = CHUNKS[:4]  # 50, 1, 63, 64
HAND_WRITTEN = ("minimax", "ns", "lsgan", "hinge")  # every loss with a dL/dlogit by hand
NARROW = {"hidden": 64, "batch_size": 64}  # for the 2-D problems (128 and 256 by default)
MLP_PROBLEMS = sorted(name for name, problem in PROBLEMS.items() if problem.nets == "mlp")
PAIRS = [(problem, loss) for problem in MLP_PROBLEMS for loss in HAND_WRITTEN]
# Other depths than the defaults: one hidden layer on a 2-D problem, three on both curves.
DEPTHS = {
    "ring, depth 1, ns": ("ring", "ns", {**NARROW, "depth": 1}),
    "cond-curves, depth 3, hinge": ("cond-curves", "hinge", {"depth": 3, "hidden": 32}),
    "curves, depth 3, lsgan": ("curves", "lsgan", {"depth": 3, "hidden": 32}),
    "two, depth 3, minimax": ("two", "minimax", {**NARROW, "depth": 3}),
}


def pair_config(problem: str, loss: str, **typed: object) -> TrainConfig:
    """The run `toygan train --problem P --loss L` makes (its defaults), on the CPU; the 2-D
    problems narrowed, unless `typed` says otherwise."""
    if PROBLEMS[problem].view == "points":
        typed = {**NARROW, **typed}
    options = {"problem": problem, "loss": loss, "device": "cpu", **typed}
    return resolve(options, typed={*typed, "loss"})  # --loss L is typed


@pytest.mark.parametrize(("problem", "loss"), PAIRS)
def test_cpu_engine_takes_the_reference_steps_for_every_pair(problem: str, loss: str) -> None:
    cfg = pair_config(problem, loss)
    assert cfg.depth == PROBLEMS[problem].defaults.depth
    fast, ref = fresh(cfg), fresh(cfg)
    run_side_by_side(CpuEngine(fast), fast, ref, PAIR_CHUNKS)


@pytest.mark.parametrize("name", DEPTHS)
def test_cpu_engine_takes_the_reference_steps_at_other_depths(name: str) -> None:
    problem, loss, typed = DEPTHS[name]
    cfg = pair_config(problem, loss, **typed)
    fast, ref = fresh(cfg), fresh(cfg)
    run_side_by_side(CpuEngine(fast), fast, ref, CHUNKS)


@pytest.mark.parametrize("name", DEPTHS)
def test_device_engine_takes_the_reference_steps_at_other_depths(name: str) -> None:
    # The GPU engine's step run eagerly on the CPU (each pair, graphed: test_cuda_engine.py).
    problem, loss, typed = DEPTHS[name]
    cfg = pair_config(problem, loss, **typed)
    fast, ref = fresh(cfg, device_streams=True), fresh(cfg, device_streams=True)
    run_side_by_side(DeviceEngine(fast, graphed=False), fast, ref, CHUNKS)


def supported(loss: str, n_critic: int) -> bool:
    """What the fast engines cover: a hand-written loss, one D step per G step; any problem,
    any depth."""
    return loss in HAND_WRITTEN and n_critic == 1


@pytest.mark.parametrize("n_critic", [None, 2])
@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_auto_takes_the_fast_engine_exactly_where_it_applies(
    problem: str, loss: str, n_critic: int | None, faces: Path
) -> None:
    typed = {"hidden": 16} if n_critic is None else {"hidden": 16, "n_critic": n_critic}
    cfg = pair_config(problem, loss, **typed, **data_options(problem, faces))
    state = fresh(cfg)
    mlp = PROBLEMS[problem].nets == "mlp"
    expected = "fast" if mlp and supported(loss, cfg.n_critic) else "reference"
    assert make_engine(state).name == expected
    if expected == "reference":
        with pytest.raises(ConfigError) as error:
            make_fast_engine(fresh(cfg), required=True)
        assert str(error.value).startswith("--engine fast: ") and "\n" not in str(error.value)
        whys = {
            "run MLPs": not mlp,
            "gradient penalty": loss == "wgan-gp",
            "one D step per G step": cfg.n_critic > 1,
        }
        assert any(why in str(error.value) for why, applies in whys.items() if applies)


def test_the_fast_engine_on_a_conditional_problem_keeps_the_label_in_ds_first_layer() -> None:
    # D's first layer has one more input (the label) than a sample has values; G's too.
    state = fresh(pair_config("cond-curves", "ns"))
    engine = make_engine(state)
    assert engine.name == "fast"
    assert state.D[0].in_features == state.problem.out_dim + 1
    assert state.G[0].in_features == state.problem.noise_dim + 1
    label_weights = state.D[0].weight[:, -1].detach().clone()
    assert torch.isfinite(engine.run(20)).all()
    assert not torch.equal(state.D[0].weight[:, -1], label_weights)  # it learns from the label
