"""Which engine steps a run, and which steps a group of runs: the two factories.

- `make_engine`: a torchrun job's data-parallel engine; else `--engine auto` takes the fast
  engine that applies (the numpy engine on a CPU, the CUDA-graph engine on a GPU) and the
  autograd reference where none does; `--engine fast` refuses in one line where none does.
- `make_groups`: members that can share the batched engine (the same nets, data and device)
  are stepped as one; the others, and a lone member, each by its own `make_engine` in turn.

Every engine takes the reference's steps: the same random draws, the same math to float
rounding (tests/test_engines.py, tests/test_batched.py); only a step's cost differs.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from toygan_tui.core.engines.contract import Engine, GroupEngine, NotApplicable, RunState
from toygan_tui.core.errors import ConfigError


def make_engine(state: RunState) -> Engine:
    """The engine the run's config asks for; `auto` takes the fast one where it applies. In a
    torchrun job: the data-parallel reference engine (world.check_job refused `fast`)."""
    if state.world is not None:
        from toygan_tui.core.engines.data_parallel.data_parallel import DataParallelEngine

        return DataParallelEngine(state, state.world)
    if state.cfg.engine != "reference":
        fast = make_fast_engine(state, required=state.cfg.engine == "fast")
        if fast is not None:
            return fast
    from toygan_tui.core.engines.autograd.reference import ReferenceEngine

    return ReferenceEngine(state)


def make_fast_engine(state: RunState, required: bool = False) -> Engine | None:
    """The fast engine for this state, or None where none applies.

    With required=True (--engine fast) a missing fast path is a ConfigError with one line.
    """
    try:
        return _fast(state)
    except NotApplicable as why:
        if required:
            raise ConfigError(f"--engine fast: {why}; use --engine auto or reference") from None
        return None


def _fast(state: RunState) -> Engine:
    check_pair(state)
    kind = state.device.type
    if kind == "cpu":
        if state.data_rng is None:
            raise NotApplicable("the CPU engine draws real samples from the numpy stream")
        from toygan_tui.core.engines.numpy_cpu.cpu import CpuEngine

        return CpuEngine(state)
    if kind == "cuda":
        from toygan_tui.core.engines.cuda_graph.cuda import DeviceEngine

        # Where capture fails, the same steps launched eagerly; the engine's name says why.
        return DeviceEngine(state, graphed=True)
    raise NotApplicable(f"there is no fast engine for {kind} devices (only cpu and cuda)")


def check_pair(state: RunState) -> None:
    """What the hand-written steps assume of the loss, else NotApplicable. They take every
    problem (labels too) at any depth; what they cannot do is a loss with no dL/dlogit by hand
    (wgan-gp's penalty) and more than one D step per G step."""
    problem, loss = state.problem, state.loss
    if problem.nets != "mlp":
        raise NotApplicable(f"the fast engines run MLPs; {problem.name} has {problem.nets} nets")
    if loss.logit_grads is None:
        raise NotApplicable(loss.no_fast_path)
    if state.cfg.n_critic != 1:
        raise NotApplicable("the fast engines take one D step per G step (--n-critic 1)")


class SerialGroup:
    """Each member with its own engine (the fast one where it applies), one after another:
    always correct, and the fallback for members the batched engine cannot take."""

    def __init__(self, states: Sequence[RunState]) -> None:
        self.engines = [make_engine(state) for state in states]
        names = sorted({engine.name for engine in self.engines})
        self.name = names[0] if len(self.engines) == 1 else f"serial ({', '.join(names)})"

    def run(self, n: int) -> list[torch.Tensor]:
        return [engine.run(n) for engine in self.engines]


def group_key(state: RunState) -> tuple[object, ...]:
    """What members must share to be batched together (the batched engine's SHARED options)."""
    from toygan_tui.core.engines.batched.batched import SHARED

    return (*(getattr(state.cfg, name) for name in SHARED), str(state.device))


def make_groups(states: Sequence[RunState]) -> list[tuple[list[int], GroupEngine]]:
    """The members (by index into `states`) of each group, and the group's engine."""
    by_key: dict[tuple[object, ...], list[int]] = {}
    for i, state in enumerate(states):
        by_key.setdefault(group_key(state), []).append(i)
    return [(members, make_group([states[i] for i in members])) for members in by_key.values()]


def make_group(states: Sequence[RunState]) -> GroupEngine:
    """The batched engine for members that share a group key, else a SerialGroup (members the
    batched engine cannot take, or ones the user asked to run on the reference engine). A lone
    member takes its own engine: a single run's fast engine beats a batch of one."""
    if len(states) > 1 and all(s.cfg.engine != "reference" for s in states):
        from toygan_tui.core.engines.batched.batched import BatchedEngine

        try:
            return BatchedEngine(list(states))
        except NotApplicable:
            pass
    return SerialGroup(states)
