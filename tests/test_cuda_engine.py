"""The CUDA path, checked where no GPU is: device names, the private-op probe, and the CUDA-graph
engine's capture (success and failure) against a stand-in for torch.cuda on the CPU.

The stand-in (FakeCuda) gives streams that record which one is current, and graphs that behave
as CUDA graphs do where the engine could get them wrong: a capture records the step's kernels
(every aten op, through a TorchDispatchMode) on the memory they ran on, and a replay runs those
ops again on that memory, not the Python step. So a replay sees what a real one sees: buffers
the engine rebinds after capture are not the ones replayed, a number computed in Python at
capture (a step count, a learning-rate factor) is baked in, and a generator the graph was not
given fails the capture, as an unregistered one does on a GPU, while a registered one advances
at every replay. A host sync inside the step (.item(), a bool of a tensor) fails the capture as
it does on a GPU. A capture can also be made to fail the way a real one does (an error from
capture_end, the capture stream still current). What it cannot show (kernels in a real graph,
RNG offsets on a device, the memory pool's reuse) bench/gpu_check runs on a GPU, and the
CUDA-only tests below wherever one is present.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import torch
import torch.utils._pytree as pytree
from test_engines import CHUNKS, fresh, run_side_by_side
from test_engines_losses import PAIRS, pair_config
from torch.utils._python_dispatch import TorchDispatchMode

from toygan_tui.core.config import ConfigError, TrainConfig
from toygan_tui.core.engines.autograd.reference import ReferenceEngine
from toygan_tui.core.engines.contract import NotApplicable
from toygan_tui.core.engines.cuda_graph import cuda as fast_cuda
from toygan_tui.core.engines.cuda_graph.cuda import DeviceEngine, DeviceStep
from toygan_tui.core.engines.factory import make_engine, make_fast_engine
from toygan_tui.core.training.state import TrainState, indexed, new_state, resolve_device

CPU = torch.device("cpu")
# Replays of the 10-step graph alone, then the 1-step one, then both: 40 steps.
GRAPH_CHUNKS = [2 * fast_cuda.UNROLL + 5, 1, fast_cuda.UNROLL + 4]


# -- device names ------------------------------------------------------------------------------
@pytest.fixture
def two_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """torch.cuda as on a machine with two GPUs, the second one current."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 1)


@pytest.mark.usefixtures("two_gpus")
def test_a_cuda_device_always_resolves_with_its_index() -> None:
    # Parameters on "cuda" report "cuda:N"; an unindexed device fails every device check.
    assert torch.device("cuda") != torch.device("cuda:1")
    assert resolve_device("cuda") == torch.device("cuda:1")  # the current GPU, as torch means
    assert resolve_device("auto") == torch.device("cuda:1")
    assert resolve_device("cuda:0") == torch.device("cuda:0")
    assert indexed(torch.device("cuda")) == torch.device("cuda:1")
    assert indexed(CPU) == CPU


def test_a_train_state_refuses_an_unindexed_cuda_device() -> None:
    # Every path that builds a state (new_state, checkpoints, the bench) goes through here.
    state = new_state(TrainConfig(), CPU)
    fields = {name: getattr(state, name) for name in state.__dataclass_fields__}
    with pytest.raises(ValueError, match="indexed CUDA device"):
        TrainState(**{**fields, "device": torch.device("cuda")})
    assert TrainState(**fields).device == CPU


# -- the private ops the fast engines call ------------------------------------------------------
def _no_kernel(*args: object, **kwargs: object) -> None:
    raise NotImplementedError("Could not run 'aten::_fused_adam_' with arguments from 'CPU'")


@pytest.mark.parametrize("missing", ["op", "kernel"])
def test_a_torch_without_the_private_ops_gets_the_reference_engine(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    # torch before 2.4 has torch._fused_adam_ but no CPU kernel for it; a future torch may
    # drop the op. Either way `auto` trains with the reference engine, `fast` says why.
    if missing == "op":
        monkeypatch.delattr(torch, "_fused_adam_")
    else:
        monkeypatch.setattr(torch, "_fused_adam_", _no_kernel)
    why = "no _fused_adam_" if missing == "op" else "no fused Adam kernel for cpu"
    state = fresh(TrainConfig(engine="auto"))
    assert isinstance(make_engine(state), ReferenceEngine)
    with pytest.raises(ConfigError, match=f"--engine fast: torch .*{why}"):
        make_fast_engine(state, required=True)
    with pytest.raises(NotApplicable, match=why):  # the GPU engine's buffers probe the same
        DeviceEngine(fresh(TrainConfig(), True), graphed=False)


def test_ds_block_starts_on_16_bytes_and_gs_padding_stays_zero() -> None:
    engine = DeviceEngine(fresh(TrainConfig(), True), graphed=False)
    flat = engine.flat
    assert flat.n_g % 4 == 0 and flat.block(flat.params, 2).data_ptr() % 16 == 0
    g_end = flat.sizes[0] + flat.sizes[1]
    assert g_end < flat.n_g  # the tutorial's G does need padding
    engine.run(5)
    for buffer in (flat.params, flat.grads, flat.exp_avg, flat.exp_avg_sq):
        assert buffer[: flat.n_g].any() and not buffer[g_end : flat.n_g].any()


# -- the stand-in for torch.cuda ----------------------------------------------------------------
class FakeStream:
    def __init__(self, name: str) -> None:
        self.name, self.device, self.waited_for = name, torch.device("cuda", 0), []

    def wait_stream(self, other: FakeStream) -> None:
        self.waited_for.append(other.name)


UNREGISTERED = "Attempt to increase offset for a CUDA generator not in capture mode."


class FakeGraph:
    """A CUDA graph on the CPU: the aten ops run while it captures, replayed on their memory."""

    def __init__(self, cuda: FakeCuda) -> None:
        self.cuda, self.steps, self.generators = cuda, 0, []
        self.ops: list[tuple[Any, tuple, dict, Any]] = []

    def register_generator_state(self, gen: torch.Generator) -> None:
        warnings.warn("register_generator_state is deprecated", FutureWarning, stacklevel=2)
        self.generators.append(gen)

    def capture_begin(self, pool: object) -> None:
        assert self.cuda.current is not self.cuda.default, "capture needs a side stream"
        self.cuda.capturing, self.pool = self, pool
        self.recorder = Recorder(self)
        self.recorder.__enter__()

    def capture_end(self) -> None:
        self.recorder.__exit__(None, None, None)
        self.cuda.capturing = None
        if self.cuda.fail == "at its end":  # as cudaStreamEndCapture does; the stream stays current
            raise RuntimeError("CUDA error: operation failed due to a previous error in capture")

    def record(self, func: Any, args: tuple, kwargs: dict) -> Any:
        """One op while capturing: run (a stand-in may), checked as a capture checks it, kept."""
        registered = {gen._cdata for gen in self.generators}  # the same C++ generator
        for arg in pytree.tree_leaves((args, kwargs)):
            if isinstance(arg, torch.Generator) and arg._cdata not in registered:
                raise RuntimeError(UNREGISTERED)
        out = func(*args, **kwargs)
        if not isinstance(out, (torch.Tensor, list, tuple, type(None))):  # .item(), bool(t)...
            raise RuntimeError("CUDA error: operation not permitted when stream is capturing")
        self.ops.append((func, args, kwargs, out))
        return out

    def replay(self) -> None:
        """Each op again on the captured tensors; a result the op allocated is written into the
        memory it had at capture (a graph's pool), where the later ops read it."""
        for func, args, kwargs, out in self.ops:
            fresh = func(*args, **kwargs)
            inputs = {_storage(t) for t in pytree.tree_leaves((args, kwargs)) if _is_tensor(t)}
            for kept, new in zip(pytree.tree_leaves(out), pytree.tree_leaves(fresh), strict=True):
                if _is_tensor(kept) and kept.numel() and _storage(kept) not in inputs:
                    kept.copy_(new)  # not a view, an in-place op or an out=: its own memory


def _is_tensor(value: object) -> bool:
    return isinstance(value, torch.Tensor)


def _storage(t: torch.Tensor) -> int:
    return t.untyped_storage().data_ptr()


class Recorder(TorchDispatchMode):
    """Every aten op while a FakeGraph captures goes through the graph."""

    def __init__(self, graph: FakeGraph) -> None:
        super().__init__()
        self.graph = graph

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # noqa: ANN001, ANN204
        return self.graph.record(func, args, kwargs or {})


class FakeCuda:
    """The parts of torch.cuda that fast_cuda uses, on the CPU."""

    def __init__(self, fail: str) -> None:
        self.fail, self.default = fail, FakeStream("default")
        self.current, self.streams, self.graphs = self.default, [], []
        self.capturing: FakeGraph | None = None
        self.closed_pools: list[object] = []
        cuda = self

        class CUDAGraph(FakeGraph):
            def __init__(self) -> None:
                super().__init__(cuda)
                cuda.graphs.append(self)

        self.CUDAGraph = CUDAGraph

    def Stream(self) -> FakeStream:
        self.streams.append(FakeStream(f"side {len(self.streams)}"))
        return self.streams[-1]

    def current_stream(self) -> FakeStream:
        return self.current

    @contextlib.contextmanager
    def stream(self, stream: FakeStream) -> Iterator[None]:
        before, self.current = self.current, stream
        try:
            yield
        finally:
            self.current = before

    def device(self, device: torch.device) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def graph_pool_handle(self) -> tuple[int, int]:
        return (0, len(self.graphs))

    def synchronize(self) -> None:
        pass


@pytest.fixture
def fake_cuda(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> FakeCuda:
    """torch.cuda replaced for fast_cuda. Steps called while a fake graph captures are counted
    (and their ops recorded: FakeGraph); they also run (a real capture runs nothing; the engine
    puts the state back either way)."""
    cuda = FakeCuda(fail=request.param)
    monkeypatch.setattr(fast_cuda, "cuda", cuda)
    monkeypatch.setattr(
        fast_cuda, "close_pool", lambda device, pool: cuda.closed_pools.append(pool)
    )
    step = DeviceStep.__call__

    def recorded_step(self: DeviceStep) -> None:
        if cuda.capturing is not None:
            if cuda.fail == "in a step":  # an op that may not run during capture (a sync)
                raise RuntimeError("CUDA error: operation not permitted when stream is capturing")
            cuda.capturing.steps += 1
        step(self)

    monkeypatch.setattr(DeviceStep, "__call__", recorded_step)
    return cuda


@pytest.mark.parametrize("fake_cuda", ["never"], indirect=True)
def test_the_graphed_engine_takes_the_reference_steps(fake_cuda: FakeCuda) -> None:
    fast, ref = fresh(TrainConfig(), True), fresh(TrainConfig(), True)
    engine = DeviceEngine(fast, graphed=True)
    assert engine.name == "fast (CUDA graph)"
    many, one = fake_cuda.graphs
    assert (many.steps, one.steps) == (fast_cuda.UNROLL, 1)
    assert many.generators == one.generators == [fast.noise_gen, fast.data_gen]
    assert fake_cuda.current is fake_cuda.default
    (side,) = fake_cuda.streams  # warm-up and capture share one stream made on the run's GPU
    assert side.waited_for == ["default"] and fake_cuda.default.waited_for == [side.name]
    run_side_by_side(engine, fast, ref, CHUNKS)  # warm-up and capture moved nothing


@pytest.mark.parametrize("fake_cuda", ["never"], indirect=True)
@pytest.mark.parametrize(("problem", "loss"), PAIRS)
def test_the_graphed_engine_takes_the_reference_steps_for_every_pair(
    fake_cuda: FakeCuda, problem: str, loss: str
) -> None:
    # Every problem at its default depth with every hand-written loss, through capture and
    # replay (graphs of UNROLL steps and of one), against the reference on the same streams.
    # The step's math at length is the eager engine's (test_engines_losses.py); here each
    # graph is replayed, after capture, at every kind of chunk boundary.
    cfg = pair_config(problem, loss)
    fast, ref = fresh(cfg, True), fresh(cfg, True)
    engine = DeviceEngine(fast, graphed=True)
    assert engine.name == "fast (CUDA graph)"
    run_side_by_side(engine, fast, ref, GRAPH_CHUNKS)


@pytest.mark.parametrize("fake_cuda", ["never"], indirect=True)
@pytest.mark.parametrize("pack", [2, 4])
def test_the_graphed_engine_takes_the_reference_packed_steps(
    fake_cuda: FakeCuda, pack: int
) -> None:
    # PacGAN's packing (tests/test_pack.py) through capture and replay: grid's two hidden
    # layers, narrowed, with the minimax mirror (pack 2) and ns's own dL/dlogit (pack 4).
    loss = "minimax" if pack == 2 else "ns"
    cfg = pair_config("grid", loss, pack=pack, hidden=32)
    fast, ref = fresh(cfg, True), fresh(cfg, True)
    engine = DeviceEngine(fast, graphed=True)
    assert engine.name == "fast (CUDA graph)"
    run_side_by_side(engine, fast, ref, CHUNKS)


@pytest.mark.parametrize("fake_cuda", ["at its end", "in a step"], indirect=True)
def test_a_failed_capture_leaves_a_working_eager_engine_that_says_why(
    fake_cuda: FakeCuda,
) -> None:
    fast, ref = fresh(TrainConfig(), True), fresh(TrainConfig(), True)
    captured_generators = [fast.noise_gen, fast.data_gen]
    engine = DeviceEngine(fast, graphed=True)
    assert engine.graphs is None
    error = "previous error in capture" if fake_cuda.fail == "at its end" else "not permitted"
    assert engine.name.startswith("fast (eager: CUDA graph capture failed: CUDA error")
    assert error in engine.name
    assert fake_cuda.current is fake_cuda.default  # the capture stream is current no more
    # capture_end closes the graph's memory pool unless cudaStreamEndCapture itself failed.
    left_open = [fake_cuda.graphs[0].pool] if fake_cuda.fail == "at its end" else []
    assert fake_cuda.closed_pools == left_open
    # Generators left in capture mode would fail at their next draw: the run has new ones.
    assert fast.noise_gen is not captured_generators[0]
    assert fast.data_gen is not captured_generators[1]
    run_side_by_side(engine, fast, ref, GRAPH_CHUNKS)


@pytest.mark.parametrize("fake_cuda", ["never"], indirect=True)
def test_a_warm_up_error_is_raised_not_hidden_by_a_fallback(
    fake_cuda: FakeCuda, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: DeviceStep) -> None:
        raise RuntimeError("CUDA error: an illegal memory access was encountered")

    monkeypatch.setattr(DeviceStep, "__call__", broken)
    state = fresh(TrainConfig(), True)
    rng = state.noise_gen.get_state()
    with pytest.raises(RuntimeError, match="illegal memory access"):
        DeviceEngine(state, graphed=True)
    assert fake_cuda.current is fake_cuda.default
    (side,) = fake_cuda.streams
    assert fake_cuda.default.waited_for == [side.name]  # the caller's stream waits even so
    assert torch.equal(state.noise_gen.get_state(), rng)
