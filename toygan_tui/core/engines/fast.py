"""Which fast engine applies to a run: the numpy engine on a CPU, the CUDA-graph engine on a
GPU, none elsewhere (the caller then uses the reference engine).

Every fast engine takes the reference's steps: the same random draws, the same math to float
rounding (tests/test_engines.py runs them side by side); only a step's cost differs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from toygan_tui.core.engines.flat import NotApplicable
from toygan_tui.core.training.config import ConfigError
from toygan_tui.core.training.state import TrainState

if TYPE_CHECKING:
    from toygan_tui.core.training.loop import Engine


def make_fast_engine(state: TrainState, required: bool = False) -> Engine | None:
    """The fast engine for this state, or None where none applies.

    With required=True (--engine fast) a missing fast path is a ConfigError with one line.
    """
    try:
        return _build(state)
    except NotApplicable as why:
        if required:
            raise ConfigError(f"--engine fast: {why}; use --engine auto or reference") from None
        return None


def _build(state: TrainState) -> Engine:
    check_pair(state)
    kind = state.device.type
    if kind == "cpu":
        if state.data_rng is None:
            raise NotApplicable("the CPU engine draws real samples from the numpy stream")
        from toygan_tui.core.engines.cpu import CpuEngine

        return CpuEngine(state)
    if kind == "cuda":
        from toygan_tui.core.engines.cuda import DeviceEngine

        # Where capture fails, the same steps launched eagerly; the engine's name says why.
        return DeviceEngine(state, graphed=True)
    raise NotApplicable(f"there is no fast engine for {kind} devices (only cpu and cuda)")


def check_pair(state: TrainState) -> None:
    """What the hand-written steps assume of the loss, else NotApplicable. They take every
    problem (labels too) at any depth; what they cannot do is a loss with no dL/dlogit by hand
    (wgan-gp's penalty) and more than one D step per G step."""
    cfg, loss = state.cfg, state.cfg.the_loss
    if state.problem.nets != "mlp":
        raise NotApplicable(
            f"the fast engines run MLPs; {state.problem.name} has {state.problem.nets} nets"
        )
    if loss.logit_grads is None:
        raise NotApplicable(loss.no_fast_path)
    if cfg.n_critic != 1:
        raise NotApplicable("the fast engines take one D step per G step (--n-critic 1)")
