"""The fast engines for every (problem, loss) pair they cover, side by side with the reference
(the tolerances of tests/test_engines.py: losses to rounding, parameters within one Adam step,
Adam moments within 1 % of their norm), and a clear refusal, with a fallback, elsewhere."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from imagekit import data_options, runnable
from test_engines import CHUNKS, fresh, run_side_by_side

from toygan_tui.core.engines.cpu import CpuEngine
from toygan_tui.core.engines.cuda import DeviceEngine
from toygan_tui.core.engines.fast import make_fast_engine
from toygan_tui.core.losses import LOSSES
from toygan_tui.core.problems import PROBLEMS
from toygan_tui.core.training.config import ConfigError, TrainConfig
from toygan_tui.core.training.loop import make_engine

HAND_WRITTEN = ("minimax", "ns", "lsgan", "hinge")  # every loss with a dL/dlogit by hand
SETUPS = {
    "curves": {},
    "ring": {"problem": "ring", "depth": 1, "batch_size": 32, "hidden": 64},
}


@pytest.mark.parametrize("loss", HAND_WRITTEN)
@pytest.mark.parametrize("setup", SETUPS)
def test_cpu_engine_takes_the_reference_steps_for_every_hand_written_loss(
    setup: str, loss: str
) -> None:
    cfg = TrainConfig(device="cpu", loss=loss, **SETUPS[setup])
    fast, ref = fresh(cfg), fresh(cfg)
    run_side_by_side(CpuEngine(fast), fast, ref, CHUNKS)


def test_the_cuda_engine_takes_minimax_only_and_says_so() -> None:
    state = fresh(TrainConfig(device="cpu", loss="ns"), device_streams=True)
    with pytest.raises(Exception, match="the CUDA engine implements minimax only, not ns"):
        DeviceEngine(state, graphed=False)


def supported(problem: str, loss: str, depth: int) -> bool:
    """What the CPU engine covers: a hand-written loss, no labels, one hidden layer."""
    return loss in HAND_WRITTEN and not PROBLEMS[problem].labels and depth == 1


@pytest.mark.parametrize("loss", list(LOSSES))
@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_auto_takes_the_fast_engine_exactly_where_it_applies(
    problem: str, loss: str, faces: Path
) -> None:
    depth = runnable(problem, faces).defaults.depth
    cfg = TrainConfig(device="cpu", problem=problem, loss=loss, depth=depth, hidden=16,
                      n_critic=LOSSES[loss].n_critic, gp_weight=LOSSES[loss].gp_weight,
                      **data_options(problem, faces))  # type: ignore[arg-type]  # fmt: skip
    state = fresh(cfg)
    expected = "fast" if supported(problem, loss, depth) else "reference"
    assert make_engine(state).name == expected
    if expected == "reference":
        with pytest.raises(ConfigError) as error:
            make_fast_engine(fresh(cfg), required=True)
        assert str(error.value).startswith("--engine fast: ") and "\n" not in str(error.value)


def test_a_2d_problem_at_one_hidden_layer_takes_the_fast_engine() -> None:
    state = fresh(TrainConfig(device="cpu", problem="two", depth=1, loss="hinge", hidden=16))
    assert make_engine(state).name == "fast"
    assert torch.isfinite(make_engine(state).run(5)).all()
