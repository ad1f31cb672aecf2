"""The fast engines take the reference engine's steps: same random draws, same updates.

Tolerance, and why it is not zero: the fast engines add float32 products in a different order
than autograd's kernels (hand-written matmuls, biases folded into them, one fused Adam kernel),
so a step agrees with the reference to rounding (~1e-7). Now and then a ReLU input lies within
rounding of 0 and flips for one sample (over 300 steps of the tutorial run that happens about
once: it does at step ~290 on an AMD EPYC host). One flip changes that hidden unit's gradient by
about 1/batch of one sample's share: Adam's first moment of that row moves by ~4e-4 (0.3 % of the
tensor's norm) and its weights by at most about one Adam step (lr). So parameters are compared
elementwise at the run's learning rate, and Adam's moments by their relative norm (1 %).
A real mistake (a sign, a missing bias, a gradient leaking between players) moves parameters by
~lr on every step, hundreds of lr over a run, and Adam's moments by tens of percent.
The random streams must agree exactly: checkpoints resume from them.

Where (at which step, for which seed) a flip happens depends on the CPU: another SIMD width
rounds the sums another way (an AVX-512 Xeon flips grid/ns seed 1 at step ~200, where the
EPYC flipped nothing). Left alone, a GAN's dynamics amplify a flip, and a second one follows:
grid/ns seed 1 ended 13 Adam steps apart after 300 steps on that Xeon. So side-by-side runs
are re-synced after every chunk, as tests/test_batched.py's are: the fast run takes the
reference's modules and Adam state (its streams are never touched: they must agree on their
own), and each chunk starts from the same numbers. Within a chunk one flip is still allowed
for, at the elementwise lr above and, for the chunk's last stats, STATS_ATOL: a flip moved
them by 8.9e-5 within its chunk (grid/ns, 0.12 Adam steps); a wrong loss or stat is off by
~1e-2 or more.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from toygan_tui.core.config import ConfigError, TrainConfig
from toygan_tui.core.engines.adam import AdamState
from toygan_tui.core.engines.autograd.reference import ReferenceEngine
from toygan_tui.core.engines.cuda_graph.cuda import DeviceEngine, DeviceStep
from toygan_tui.core.engines.factory import make_engine, make_fast_engine
from toygan_tui.core.engines.flat import FlatBuffers
from toygan_tui.core.engines.numpy_cpu.blas import blas_threads, current_blas_threads
from toygan_tui.core.engines.numpy_cpu.cpu import CpuEngine, _make_step
from toygan_tui.core.engines.numpy_cpu.streams import CpuStreams
from toygan_tui.core.losses import torch_ops
from toygan_tui.core.nets.inputs import d_input, with_labels
from toygan_tui.core.training.state import TrainState, new_state, resolve_device
from toygan_tui.core.training.trainer import train

CPU = torch.device("cpu")
ATOL = 2e-5  # losses and stats of one report: rounding only
STATS_ATOL = 2e-4  # a chunk's last stats, one ReLU flip within the chunk allowed (see above)
MOMENT_RTOL = 1e-2  # Adam moments: relative norm of the difference (one ReLU flip is ~3e-3)
# The tutorial's setup, and one where nothing is the default: a batch whose noise cannot be
# drawn in chunks (10 × 5 values), different learning rates (two Adam calls), a narrow net.
CONFIGS = {
    "tutorial": TrainConfig(device="cpu"),
    "odd": TrainConfig(device="cpu", seed=3, batch_size=10, lr_g=3e-4, hidden=32),
    # 2-D problems with one hidden layer (their default is two; tests/test_engines_losses.py
    # runs every problem at its default depth, with every loss).
    "ring": TrainConfig(device="cpu", problem="ring", depth=1, batch_size=32, hidden=64),
    "grid": TrainConfig(device="cpu", problem="grid", depth=1, batch_size=20, beta1=0.5),
    # An EMA of G kept beside it (a fast decay, so it moves visibly within the test's steps).
    "ema": TrainConfig(device="cpu", seed=2, ema=0.9),
}


def device_style(state: TrainState) -> TrainState:
    """A CPU state drawing its real curves the way a GPU run does (a torch generator)."""
    state.data_rng = None
    state.data_gen = torch.Generator().manual_seed(state.cfg.seed + 1)
    return state


def fresh(cfg: TrainConfig, device_streams: bool = False) -> TrainState:
    state = new_state(cfg, CPU)
    return device_style(state) if device_streams else state


def assert_close_norm(got: torch.Tensor, want: torch.Tensor, rtol: float) -> None:
    """‖got − want‖ ≤ rtol·‖want‖: a few elements may move (a flipped ReLU), the tensor may not."""
    assert float((got - want).norm()) <= rtol * float(want.norm()) + 1e-12


def assert_same_state(fast: TrainState, ref: TrainState) -> None:
    """Parameters within one Adam step, Adam moments within 1 % of their norm, step counts and
    random streams exactly."""
    assert fast.step == ref.step
    atol = max(ref.cfg.lr_g, ref.cfg.lr_d)
    assert (fast.g_ema is None) == (ref.g_ema is None) == (not ref.cfg.ema)
    nets = [(fast.G, ref.G), (fast.D, ref.D)]
    if fast.g_ema is not None and ref.g_ema is not None:  # an average of G: G's tolerance
        nets.append((fast.g_ema, ref.g_ema))
    for mine, theirs in nets:
        for p, q in zip(mine.parameters(), theirs.parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=0, atol=atol)
    for mine, theirs in ((fast.opt_G, ref.opt_G), (fast.opt_D, ref.opt_D)):
        a, b = mine.state_dict()["state"], theirs.state_dict()["state"]
        assert a.keys() == b.keys()
        for key in a:
            assert float(a[key]["step"]) == float(b[key]["step"])
            for moment in ("exp_avg", "exp_avg_sq"):
                assert_close_norm(a[key][moment], b[key][moment], MOMENT_RTOL)
    assert_same_streams(fast, ref)


def assert_same_streams(fast: TrainState, ref: TrainState) -> None:
    """Both runs' random streams are exactly where each other's are."""
    assert torch.equal(fast.noise_gen.get_state(), ref.noise_gen.get_state())
    if ref.data_rng is not None:
        assert fast.data_rng is not None
        for x, y in zip(fast.data_rng.get_state(), ref.data_rng.get_state(), strict=True):
            assert np.array_equal(x, y)
    else:
        assert fast.data_gen is not None and ref.data_gen is not None
        assert torch.equal(fast.data_gen.get_state(), ref.data_gen.get_state())


def resync(mine: TrainState, theirs: TrainState) -> None:
    """`mine` takes `theirs`'s modules and Adam state (copies: no tensor shared); its streams
    are left alone (they must agree on their own)."""
    pairs = [(mine.G, theirs.G), (mine.D, theirs.D), (mine.g_ema, theirs.g_ema)]
    for a, b in pairs:
        if a is not None and b is not None:
            a.load_state_dict(b.state_dict())
    for a_opt, b_opt in ((mine.opt_G, theirs.opt_G), (mine.opt_D, theirs.opt_D)):
        a_opt.load_state_dict(copy.deepcopy(b_opt.state_dict()))


def run_side_by_side(fast_engine, fast: TrainState, ref: TrainState, chunks: list[int]) -> None:  # noqa: ANN001
    """Advance both by the same chunks; compare reports and states after each, then re-sync
    the fast run's numbers to the reference's (see the module's docstring)."""
    reference = ReferenceEngine(ref)
    for n in chunks:
        mine, theirs = fast_engine.run(n), reference.run(n)
        torch.testing.assert_close(mine, theirs, rtol=0, atol=STATS_ATOL)
        assert_same_state(fast, ref)
        resync(fast, ref)


# Runs crossing the CPU engine's 64-step draw chunks at odd places, as reports and saves do.
CHUNKS = [50, 1, 63, 64, 65, 57]


@pytest.mark.parametrize("name", CONFIGS)
def test_cpu_engine_takes_the_reference_steps(name: str) -> None:
    fast, ref = fresh(CONFIGS[name]), fresh(CONFIGS[name])
    run_side_by_side(CpuEngine(fast), fast, ref, CHUNKS)


@pytest.mark.parametrize("name", CONFIGS)
def test_device_engine_takes_the_reference_steps_when_run_eagerly(name: str) -> None:
    # The GPU engine's step, launched op by op on the CPU: checks its math where no GPU is.
    fast, ref = fresh(CONFIGS[name], True), fresh(CONFIGS[name], True)
    run_side_by_side(DeviceEngine(fast, graphed=False), fast, ref, CHUNKS[:4])


def autograd_gradients(state: TrainState) -> list[torch.Tensor]:
    """∇G_loss for G's parameters, then ∇D_loss alone for D's, on the state's next batch
    (D judging the samples K at a time where the run packs them)."""
    real, labels = state.real_batch_with_labels()
    z, loss, ops = state.noise(state.cfg.batch_size), state.cfg.the_loss, torch_ops()
    fake, k = state.G(with_labels(z, labels)), state.cfg.pack
    g_params, d_params = list(state.G.parameters()), list(state.D.parameters())
    g_loss = loss.g_loss(state.D(d_input(fake, labels, k)), ops)
    d_loss = loss.d_loss(
        state.D(d_input(real, labels, k)), state.D(d_input(fake.detach(), labels, k)), ops
    )
    return list(torch.autograd.grad(g_loss, g_params)) + list(torch.autograd.grad(d_loss, d_params))


def cpu_gradients(state: TrainState, deep: bool = False) -> list[torch.Tensor]:
    flat = FlatBuffers(state)
    flat.load()
    logits = np.zeros((1, 2 * state.cfg.batch_size // state.cfg.pack), np.float32)
    _make_step(state, flat, logits, lambda: None, deep)(CpuStreams(state).draw(1)[0])
    return flat.views(flat.grads)


def cpu_loop_gradients(state: TrainState) -> list[torch.Tensor]:
    """The any-depth layer loop, also at one hidden layer (where the engine takes the tuned
    step): both must be autograd's."""
    return cpu_gradients(state, deep=True)


def device_gradients(state: TrainState) -> list[torch.Tensor]:
    flat = FlatBuffers(state)
    flat.load()
    step = DeviceStep(state, flat)
    step.adam_parts = []  # gradients only
    step()
    return flat.views(flat.grads)


GRADIENT_CONFIGS = {
    "tutorial": TrainConfig(device="cpu"),
    "cond-curves, depth 2, ns": TrainConfig(problem="cond-curves", depth=2, hidden=32, loss="ns"),
    "ring, depth 3, hinge": TrainConfig(problem="ring", depth=3, hidden=32, loss="hinge"),
    "grid, depth 2, lsgan": TrainConfig(problem="grid", depth=2, hidden=32, loss="lsgan"),
    # PacGAN's packing (tests/test_pack.py): D judges 4 samples, or 2 with their labels.
    "grid, depth 2, ns, pack 4": TrainConfig(problem="grid", depth=2, hidden=32, loss="ns", pack=4),
    "cond-curves, minimax, pack 2": TrainConfig(problem="cond-curves", hidden=32, pack=2),
}


@pytest.mark.parametrize("config", GRADIENT_CONFIGS)
@pytest.mark.parametrize("gradients", [cpu_gradients, cpu_loop_gradients, device_gradients])
def test_hand_written_gradients_equal_autograd(gradients, config: str) -> None:  # noqa: ANN001
    # After some training, so D is not at its initial, nearly symmetric state.
    device_streams, cfg = gradients is device_gradients, GRADIENT_CONFIGS[config]
    mine, twin = fresh(cfg, device_streams), fresh(cfg, device_streams)
    ReferenceEngine(mine).run(40)
    ReferenceEngine(twin).run(40)
    expected = autograd_gradients(twin)
    for got, want in zip(gradients(mine), expected, strict=True):
        torch.testing.assert_close(got, want, rtol=1e-4, atol=1e-8)


@pytest.mark.parametrize("order", ["fast, reference, fast", "reference, fast, reference"])
def test_a_run_can_switch_engines_midway(order: str) -> None:
    # Checkpoints hold the optimizers' state, and a resumed run may use either engine; the
    # fast engine notices when another one moved the state between its runs.
    mixed, ref = fresh(TrainConfig()), fresh(TrainConfig())
    engines = {"fast": CpuEngine(mixed), "reference": ReferenceEngine(mixed)}
    for name in order.split(", "):
        engines[name].run(70)
    ReferenceEngine(ref).run(210)
    assert_same_state(mixed, ref)


def test_optimizer_state_looks_like_adams_own() -> None:
    fast, ref = fresh(TrainConfig()), fresh(TrainConfig())
    CpuEngine(fast).run(3)
    ReferenceEngine(ref).run(3)
    for mine, theirs in ((fast.opt_G, ref.opt_G), (fast.opt_D, ref.opt_D)):
        for a, b in zip(mine.state.values(), theirs.state.values(), strict=True):
            for key in ("step", "exp_avg", "exp_avg_sq"):
                assert (a[key].dtype, a[key].device, a[key].shape) == (
                    b[key].dtype, b[key].device, b[key].shape,
                )  # fmt: skip
                assert a[key].is_contiguous()


def test_chunked_draws_are_used_only_where_they_equal_one_by_one_draws() -> None:
    # torch's CPU randn fills 16 values at a time: 64 × 5 draws chunk exactly, 10 × 5 do not.
    def draws(batch: int, chunked: bool) -> torch.Tensor:
        gen = torch.Generator().manual_seed(1)
        if chunked:
            return torch.randn(3 * batch, 5, generator=gen)
        return torch.cat([torch.randn(batch, 5, generator=gen) for _ in range(3)])

    assert torch.equal(draws(64, True), draws(64, False))
    assert not torch.equal(draws(10, True), draws(10, False))
    wide, narrow = fresh(CONFIGS["tutorial"]), fresh(CONFIGS["odd"])
    before = wide.noise_gen.get_state()
    assert CpuStreams(wide).chunk > 1 and CpuStreams(narrow).chunk == 1
    assert torch.equal(wide.noise_gen.get_state(), before)  # the probe rewinds the streams


def test_a_diverging_run_overflows_quietly_as_the_reference_does() -> None:
    # numpy would warn on overflow (an error under pytest); the trainer checks the losses.
    state = fresh(TrainConfig(lr_g=1e12, lr_d=1e12))
    stats = CpuEngine(state).run(20)
    assert not torch.isfinite(stats).all()


def test_the_cpu_engine_holds_numpys_blas_to_the_runs_threads() -> None:
    # OpenBLAS would split big matmuls over every core, which torch.set_num_threads misses.
    if current_blas_threads() is None:
        pytest.skip("numpy's OpenBLAS is not found here")
    engine, seen = CpuEngine(fresh(TrainConfig(threads=1))), []
    step = engine.step
    engine.step = lambda batch: (seen.append(current_blas_threads()), step(batch))[1]
    with blas_threads(2):
        engine.run(3)
        assert current_blas_threads() == 2  # restored after the run
    assert seen == [1, 1, 1]


def test_auto_picks_the_fast_engine_on_cpu_and_reference_when_asked() -> None:
    assert make_engine(fresh(TrainConfig(engine="auto"))).name == "fast"
    assert make_engine(fresh(TrainConfig(engine="fast"))).name == "fast"
    assert isinstance(make_engine(fresh(TrainConfig(engine="reference"))), ReferenceEngine)


def test_where_no_fast_engine_applies_auto_falls_back_and_fast_says_why() -> None:
    state = fresh(TrainConfig())
    state.device = torch.device("mps")  # no fast engine for it (nothing runs on it here)
    assert make_fast_engine(state, required=False) is None
    with pytest.raises(ConfigError, match="--engine fast: .*mps") as error:
        make_fast_engine(state, required=True)
    assert "\n" not in str(error.value)
    state.device = CPU
    state.opt_D = AdamState(state.D.parameters(), lr=1e-4, weight_decay=0.1)
    assert make_fast_engine(state) is None  # not the tutorial's Adam: the reference runs it


def test_train_reports_the_same_run_with_either_engine() -> None:
    knobs = dict(device="cpu", steps=150, report_every=50, save_every=100, n_eval=200)
    fast = list(train(TrainConfig(engine="auto", **knobs)))
    ref = list(train(TrainConfig(engine="reference", **knobs)))
    assert [s.step for s in fast] == [s.step for s in ref] == [50, 100, 150]
    for a, b in zip(fast, ref, strict=True):
        assert a.stats["d_loss"] == pytest.approx(b.stats["d_loss"], abs=STATS_ATOL)
        assert a.stats["g_loss"] == pytest.approx(b.stats["g_loss"], abs=STATS_ATOL)
        np.testing.assert_allclose(a.samples, b.samples, atol=1e-4)


GPU_CONFIGS = {
    "tutorial": TrainConfig(device="cuda"),
    "ring, ns": TrainConfig(device="cuda", problem="ring", depth=2, loss="ns", beta1=0.5),
    "cond-curves, hinge": TrainConfig(device="cuda", problem="cond-curves", loss="hinge"),
}


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.usefixtures("no_tf32")
@pytest.mark.parametrize("name", GPU_CONFIGS)
def test_cuda_graph_engine_takes_the_reference_steps_without_syncing(name: str) -> None:
    cfg = GPU_CONFIGS[name]
    fast, ref = new_state(cfg, resolve_device("cuda")), new_state(cfg, torch.device("cuda"))
    assert fast.device == ref.device == torch.device("cuda", torch.cuda.current_device())
    engine = make_fast_engine(fast, required=True)
    assert engine is not None and engine.name == "fast (CUDA graph)"
    # `cuda` is the current GPU: the engine on it is the one on `cuda:N`.
    indexed = new_state(cfg, resolve_device(f"cuda:{torch.cuda.current_device()}"))
    assert make_engine(indexed).name == engine.name
    reference = ReferenceEngine(ref)
    for n in (50, 1, 99):
        torch.cuda.set_sync_debug_mode("error")  # any host sync inside run() raises
        try:
            mine = engine.run(n)
        finally:
            torch.cuda.set_sync_debug_mode("default")
        torch.testing.assert_close(mine, reference.run(n), rtol=0, atol=ATOL)
        assert_same_state(fast, ref)
