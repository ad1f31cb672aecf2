"""The fast GPU engine: the hand-written step in torch ops on static device buffers, captured
once as CUDA graphs (of UNROLL steps, and of one) and replayed, so ten steps cost one graph
launch instead of ~300 kernel launches from Python.

The step itself (any depth, labels, every hand-written loss) is device_step.py's.
No host sync inside a step: real samples and noise are drawn on the device from the run's own
generators (registered with the graph, so each replay advances them exactly as the eager draws
would), Adam reads its step count from a device tensor, and the losses are computed from the
last step's logits only when run() returns (unsynced; the caller reads them at a report).
The same step runs eagerly (graphed=False, or where capture fails: the engine's name says why),
which is also how tests check its math against the reference on a CPU.
"""

from __future__ import annotations

import warnings

import torch
from torch import cuda

from toygan_tui.core.engines.contract import NotApplicable, RunState
from toygan_tui.core.engines.cuda_graph.device_step import DeviceStep
from toygan_tui.core.engines.flat import FlatBuffers
from toygan_tui.core.runfiles.snapshot import eager_engine

WARMUP_STEPS = 3  # eager steps on a side stream before capture (cuBLAS/allocator set-up)
UNROLL = 10  # steps per replay of the big graph: one launch (and RNG bookkeeping) per 10 steps
Graph = cuda.CUDAGraph


class DeviceEngine:
    """The reference's steps on a torch device: same random draws, same math up to rounding."""

    def __init__(self, state: RunState, graphed: bool) -> None:
        if state.data_gen is None:
            raise NotApplicable("the device engine draws real samples on the device")
        self.state = state
        self.flat = FlatBuffers(state)
        self.step_fn = DeviceStep(state, self.flat)
        self.graphs: tuple[Graph, Graph] | None = None
        self.name = "fast"
        if graphed:
            try:
                self.graphs = capture(state, self.flat, self.step_fn)
                self.name = "fast (CUDA graph)"
            except CaptureFailed as why:  # the same steps, launched one by one
                self.name = eager_engine(str(why))

    def run(self, n: int) -> torch.Tensor:
        """Take n steps; return [d_loss, g_loss, d_real, d_fake] of the last one (unsynced)."""
        self.flat.load()
        self.flat.fill_counters()
        if self.graphs is None:
            for _ in range(n):
                self.step_fn()
        else:
            many, one = self.graphs
            with cuda.device(self.state.device):
                for _ in range(n // UNROLL):
                    many.replay()
                for _ in range(n % UNROLL):
                    one.replay()
        self.flat.store(n)
        self.state.step += n
        return self.step_fn.stats()


class CaptureFailed(Exception):
    """CUDA-graph capture is not possible here; the message says why, in one line."""


def capture(state: RunState, flat: FlatBuffers, step: DeviceStep) -> tuple[Graph, Graph]:
    """Record UNROLL steps, and one step, as CUDA graphs, leaving the run's state as it was.

    Warm-up steps run eagerly on a side stream made on the run's GPU (as torch.cuda.graph's
    docs ask); they move the parameters and the random streams, which are put back. The
    run's generators are registered with each graph, so every replay draws fresh numbers and
    advances them, exactly like the eager calls. A warm-up error is a real one and propagates;
    a capture that fails raises CaptureFailed and leaves the run ready for eager steps: the
    caller's stream current again, the graph's memory pool closed, and fresh generators
    (a failed capture can leave the registered ones in capture mode) at the saved states.
    """
    if not hasattr(cuda.CUDAGraph, "register_generator_state"):
        raise CaptureFailed(f"torch {torch.__version__} cannot capture generators in a graph")
    saved = SavedState(state, flat)
    with cuda.device(state.device):
        stream = cuda.Stream()  # inside the device context: on the run's GPU, also for cuda:N
        try:
            _warm_up(step, stream)
            many = _record(step, saved.generators, UNROLL, stream)
            return many, _record(step, saved.generators, 1, stream)
        except CaptureFailed:
            saved.replace_generators()
            raise
        finally:
            saved.restore()


class SavedState:
    """The run's parameters, Adam moments and random streams, to put back after warm-up."""

    def __init__(self, state: RunState, flat: FlatBuffers) -> None:
        assert state.data_gen is not None
        self.state = state
        self.generators = [state.noise_gen, state.data_gen]
        self.rng = [g.get_state() for g in self.generators]
        extra = () if flat.ema is None else (flat.ema,)  # warm-up moves the EMA too
        self.buffers = (flat.params, flat.exp_avg, flat.exp_avg_sq, *extra)
        self.copies = [t.clone() for t in self.buffers]

    def restore(self) -> None:
        """Put the saved values back (into the state's generators, whichever those are now)."""
        assert self.state.data_gen is not None
        for gen, rng in zip((self.state.noise_gen, self.state.data_gen), self.rng, strict=True):
            gen.set_state(rng)
        for t, copy in zip(self.buffers, self.copies, strict=True):
            t.copy_(copy)

    def replace_generators(self) -> None:
        """New generators on the run's device for the state (restore() gives them the states)."""
        self.state.noise_gen = torch.Generator(device=self.state.device)
        self.state.data_gen = torch.Generator(device=self.state.device)


def _warm_up(step: DeviceStep, stream: cuda.Stream) -> None:
    current = cuda.current_stream()
    stream.wait_stream(current)
    try:
        with cuda.stream(stream):
            for _ in range(WARMUP_STEPS):
                step()
    finally:  # also after an error: later work on the current stream sees the warm-up's
        current.wait_stream(stream)


def _record(
    step: DeviceStep, generators: list[torch.Generator], steps: int, stream: cuda.Stream
) -> Graph:
    """`steps` steps captured as one graph on `stream`, with explicit begin and end."""
    graph = cuda.CUDAGraph()
    with warnings.catch_warnings():  # newer torch deprecates this call; it still works
        warnings.simplefilter("ignore", (DeprecationWarning, FutureWarning))
        for gen in generators:
            graph.register_generator_state(gen)
    pool = cuda.graph_pool_handle()
    cuda.synchronize()
    with cuda.stream(stream):  # the caller's stream is current again however capture ends
        try:
            graph.capture_begin(pool=pool)
        except RuntimeError as error:
            raise CaptureFailed(f"CUDA graph capture failed: {_first_line(error)}") from error
        try:
            for _ in range(steps):
                step()
        except RuntimeError as error:
            _end_capture(graph, stream, pool)
            raise CaptureFailed(f"CUDA graph capture failed: {_first_line(error)}") from error
        try:
            graph.capture_end()
        except RuntimeError as error:
            close_pool(stream.device, pool)
            raise CaptureFailed(f"CUDA graph capture failed: {_first_line(error)}") from error
    return graph


def _end_capture(graph: Graph, stream: cuda.Stream, pool: object) -> None:
    """End a capture that a step broke off (its own error is the one worth reporting)."""
    try:
        graph.capture_end()
    except RuntimeError:
        close_pool(stream.device, pool)


def close_pool(device: torch.device, pool: object) -> None:
    """Stop sending this GPU's allocations to the graph's private pool.

    capture_end closes the pool only after cudaStreamEndCapture succeeded; when that call
    failed, the pool stays open. After a later failure it is closed already, and the
    allocator says so with a RuntimeError: that outcome is the one wanted here.
    """
    end = getattr(torch._C, "_cuda_endAllocateToPool", None) or getattr(
        torch._C, "_cuda_endAllocateCurrentStreamToPool", None
    )
    if end is None:
        return
    try:
        end(device.index, pool)
    except RuntimeError:
        return


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
