"""The training core: correct gradients, the tutorial's numbers, determinism, the snapshot stream.

The reference engine is the spec, so it is checked against the tutorial's own loop; the
report/save/stop cadence and the config checks are what every front end relies on.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import Tensor, nn

from toygan_tui.core.config import ConfigError, TrainConfig
from toygan_tui.core.engines.autograd.reference import (
    ReferenceEngine,
    d_loss_from_logits,
    g_loss_from_logits,
)
from toygan_tui.core.runfiles.catalog import run_kind
from toygan_tui.core.runfiles.snapshot import Snapshot
from toygan_tui.core.training.state import DeviceError, TrainState, new_state, resolve_device
from toygan_tui.core.training.trainer import train

# The learner's loop that bench/speed times is the tutorial as published: the spec here too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from reference_loop import tutorial_loop  # noqa: E402

CPU = torch.device("cpu")


def small(**overrides: object) -> TrainConfig:
    """A short CPU run with a small eval batch, so a test takes a fraction of a second."""
    knobs: dict[str, object] = dict(device="cpu", steps=120, report_every=40, n_eval=200)
    knobs.update(overrides)
    return TrainConfig(**knobs)  # type: ignore[arg-type]


def params(module: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in module.parameters()]


def assert_params_equal(a: Sequence[Tensor | None], b: Sequence[Tensor], atol: float = 0.0) -> None:
    for x, y in zip(a, b, strict=True):
        torch.testing.assert_close(x, y, rtol=0, atol=atol)


# -- (1) gradients: D learns from D_loss alone, G from G_loss against the pre-step D ------------


def reference_gradients(twin: TrainState) -> dict[str, list[torch.Tensor]]:
    """The gradients the tutorial's math asks for, computed independently on a twin state."""
    real = twin.real_batch()
    fake = twin.G(twin.noise(twin.cfg.batch_size))
    d_params, g_params = list(twin.D.parameters()), list(twin.G.parameters())
    d_loss = d_loss_from_logits(twin.D(real), twin.D(fake.detach()))
    g_loss = g_loss_from_logits(twin.D(fake))
    return {
        "D": list(torch.autograd.grad(d_loss, d_params, retain_graph=True)),
        "G": list(torch.autograd.grad(g_loss, g_params, retain_graph=True)),
        # What D would get with the seed text's retain_graph bug: G_loss's gradient added in.
        "D_leaky": list(torch.autograd.grad(d_loss + g_loss, d_params)),
    }


def adam_step(module: nn.Module, grads: list[torch.Tensor], lr: float) -> list[torch.Tensor]:
    """module's parameters after one fresh Adam step with the given gradients."""
    opt = torch.optim.Adam(module.parameters(), lr=lr)
    for p, g in zip(module.parameters(), grads, strict=True):
        p.grad = g.clone()
    opt.step()
    return params(module)


def test_one_step_uses_d_loss_alone_for_d_and_g_loss_alone_for_g() -> None:
    cfg = small(seed=3)
    state, twin = new_state(cfg, CPU), new_state(cfg, CPU)
    want = reference_gradients(twin)
    # The check below can tell the two apart: G_loss's gradient wrt D is not negligible.
    leaks = [
        not torch.allclose(a, b, atol=1e-6) for a, b in zip(want["D_leaky"], want["D"], strict=True)
    ]
    assert any(leaks)

    ReferenceEngine(state).step()

    assert_params_equal([p.grad for p in state.D.parameters()], want["D"], atol=1e-7)
    assert_params_equal([p.grad for p in state.G.parameters()], want["G"], atol=1e-7)
    assert_params_equal(params(state.D), adam_step(twin.D, want["D"], cfg.lr_d), atol=1e-9)
    assert_params_equal(params(state.G), adam_step(twin.G, want["G"], cfg.lr_g), atol=1e-9)
    assert state.step == 1


# -- (2) the tutorial's own loop (MorvanZhou's 406), literally -----------------------------------


def tutorial_406(seed: int, steps: int) -> tuple[nn.Sequential, nn.Sequential, dict[str, float]]:
    """The tutorial's loop as published (the one bench/speed times), inside fork_rng and with
    numpy's global state put back, so the test leaves the global RNGs alone."""
    numpy_state = np.random.get_state()
    with torch.random.fork_rng(devices=[]):
        G, D, last, _ = tutorial_loop(steps, CPU, seed)
    np.random.set_state(numpy_state)
    return G, D, last


# The two differ only in float32 rounding of log(sigmoid(l)) against softplus: after 300 steps
# the parameters agree to ~6e-8, unless a ReLU input within rounding of 0 flips for a sample,
# which moves that hidden unit's weights by a fraction of an Adam step. Where that happens
# depends on the CPU (an AVX-512 Xeon flips D's unit 4 at step ~250: 16 of 4 880 parameters
# 1.4e-5 apart, the rest within 6e-8), and a GAN carries it on: a flip at step 0 (a 1e-5 nudge
# of one unit, measured) leaves parameters up to 5.2e-5 apart after 300 steps and the stats
# 4.4e-6. So parameters must agree within one Adam step (lr = 1e-4) and the stats to 1e-5;
# a change of stream, order or gradient moves them by 8.7e-4 to 1.5e-2 and the stats by 4e-5
# to 3e-2 (one batch of data skipped, one noise draw more, another lr or beta: measured, and
# checked below).
TUTORIAL_STEPS = 300
ONE_ADAM_STEP = 1e-4  # the tutorial's lr
STATS_ATOL = 1e-5


def assert_is_the_tutorials_run(state: TrainState, stats: dict[str, float]) -> None:
    G, D, last = tutorial_406(seed=1, steps=TUTORIAL_STEPS)
    assert_params_equal(params(state.G), params(G), atol=ONE_ADAM_STEP)
    assert_params_equal(params(state.D), params(D), atol=ONE_ADAM_STEP)  # its Sigmoid: no params
    for key, value in last.items():
        assert stats[key] == pytest.approx(value, abs=STATS_ATOL), key


def tutorial_run(
    spoil: Callable[[TrainState], object] = lambda state: None,
) -> tuple[TrainState, Snapshot]:
    cfg = small(engine="reference", seed=1, steps=TUTORIAL_STEPS, report_every=TUTORIAL_STEPS)
    state = new_state(cfg, CPU)
    spoil(state)
    (snap,) = list(train(cfg, state))
    return state, snap


def test_reference_engine_reproduces_the_tutorials_loop() -> None:
    state, snap = tutorial_run()
    assert_is_the_tutorials_run(state, snap.stats)
    assert snap.engine == "reference"


@pytest.mark.slow
@pytest.mark.parametrize(
    "spoil",
    [lambda state: state.noise(1), lambda state: state.real_batch()],
    ids=["one-noise-draw-more", "one-data-batch-skipped"],
)
def test_the_tutorial_comparison_catches_a_shifted_stream(
    spoil: Callable[[TrainState], object],
) -> None:
    # The tolerances above have teeth: the same run one draw out of step fails them.
    state, snap = tutorial_run(spoil)
    with pytest.raises(AssertionError):
        assert_is_the_tutorials_run(state, snap.stats)


# -- (3) determinism and the caller's global state ----------------------------------------------


def run(cfg: TrainConfig) -> tuple[list[Snapshot], list[torch.Tensor]]:
    state = new_state(cfg, CPU)
    snaps = list(train(cfg, state))
    return snaps, params(state.G) + params(state.D)


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["reference", "auto"])
def test_same_seed_same_run_different_seed_different_run(engine: str) -> None:
    snaps_a, params_a = run(small(engine=engine, seed=5))
    snaps_b, params_b = run(small(engine=engine, seed=5))
    assert_params_equal(params_a, params_b)
    for a, b in zip(snaps_a, snaps_b, strict=True):
        np.testing.assert_array_equal(a.samples, b.samples)
        assert (a.stats["d_loss"], a.stats["g_loss"], a.stats["d_real"], a.stats["d_fake"]) == (
            b.stats["d_loss"],
            b.stats["g_loss"],
            b.stats["d_real"],
            b.stats["d_fake"],
        )
        assert a.quality == b.quality

    snaps_c, params_c = run(small(engine=engine, seed=6))
    assert not np.array_equal(snaps_c[-1].samples, snaps_a[-1].samples)
    assert not torch.equal(params_c[0], params_a[0])


def next_global_draws(seed: int, between: Callable[[], object]) -> tuple[float, float]:
    """The next draws of the global torch and numpy RNGs after seeding them, then between().

    Both global RNGs are restored afterwards, so other tests see them as they were.
    """
    numpy_state = np.random.get_state()
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            np.random.seed(seed)
            between()
            return torch.rand(1).item(), float(np.random.rand())
    finally:
        np.random.set_state(numpy_state)


def test_train_leaves_global_rngs_and_thread_count_alone() -> None:
    threads = torch.get_num_threads()
    torch.set_num_threads(3)  # differs from cfg.threads = 1, so a leak would show
    try:
        untouched = next_global_draws(99, lambda: None)
        assert next_global_draws(99, lambda: list(train(small(steps=40)))) == untouched
        assert torch.get_num_threads() == 3

        # A caller that stops reading (Ctrl-C in the UI) gets its threads back too.
        stream = train(small())
        next(stream)
        stream.close()  # type: ignore[attr-defined]
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(threads)


# -- (4) the snapshot stream, checkpoints and stopping ------------------------------------------


def test_snapshots_at_every_report_and_at_the_end_saves_at_multiples_and_at_the_end() -> None:
    cfg = small(steps=130, report_every=50, save_every=60, n_show=5)
    saved: list[int] = []
    snaps = list(train(cfg, on_save=lambda s: saved.append(s.step)))
    assert [s.step for s in snaps] == [50, 100, 130]
    assert saved == [60, 120, 130]
    last = snaps[-1]
    assert last.total == 130
    assert last.samples.shape == (5, cfg.the_problem.out_dim)
    np.testing.assert_array_equal(last.x, np.linspace(-1, 1, cfg.the_problem.out_dim))
    assert set(last.quality) == {"in_bounds", "a_w1", "shape_rmse", "coverage"}
    assert all(
        math.isfinite(v)
        for v in (
            last.stats["d_loss"],
            last.stats["g_loss"],
            last.stats["d_real"],
            last.stats["d_fake"],
        )
    )
    assert 0 < last.stats["d_real"] < 1 and 0 < last.stats["d_fake"] < 1


def test_the_final_save_is_not_repeated_when_steps_is_a_multiple() -> None:
    saved: list[int] = []
    cfg = small(steps=120, report_every=40, save_every=60)
    snaps = list(train(cfg, on_save=lambda s: saved.append(s.step)))
    assert [s.step for s in snaps] == [40, 80, 120]
    assert saved == [60, 120]


def test_should_stop_ends_the_run_early_and_saves_where_it_stopped() -> None:
    cfg = small(steps=130, report_every=50, save_every=60)
    snaps: list[Snapshot] = []
    saved: list[int] = []
    stream = train(cfg, on_save=lambda s: saved.append(s.step), should_stop=lambda: bool(snaps))
    for snap in stream:
        snaps.append(snap)
    assert [s.step for s in snaps] == [50]
    assert saved == [50]


def test_a_stopped_run_resumed_to_the_same_total_ends_where_an_unbroken_run_ends() -> None:
    cfg = small(steps=130, report_every=50, save_every=60)
    _, unbroken = run(cfg)
    state = new_state(cfg, CPU)
    list(train(cfg, state, should_stop=lambda: state.step >= 50))
    assert state.step == 50
    resumed = list(train(cfg, state))
    assert [s.step for s in resumed] == [100, 130]
    assert_params_equal(params(state.G) + params(state.D), unbroken)


def test_metrics_row_has_exactly_the_metric_keys_in_order() -> None:
    (snap,) = list(train(small(steps=10, report_every=10)))
    row = snap.metrics_row()
    assert list(row) == list(run_kind().metric_keys)
    assert row["step"] == 10
    assert all(isinstance(v, (int, float)) and math.isfinite(v) for v in row.values())


# -- (5) config and device checks -----------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"steps": 0},
        {"steps": -5},
        {"batch_size": 0},
        {"batch_size": -1},
        {"steps": 1.5},
        {"steps": True},
        {"lr_g": 0.0},
        {"lr_d": -1e-4},
        {"lr_g": float("nan")},
        {"lr_d": float("inf")},
        {"report_every": 0},
        {"save_every": 0},
        {"n_eval": 0},
        {"engine": "turbo"},
        {"device": "cuda:"},
        {"device": "gpu"},
        {"device": "cuda:x"},
        {"device": "CPU"},
        {"device": ""},
    ],
)
def test_config_rejects_values_training_cannot_use(bad: dict[str, object]) -> None:
    with pytest.raises(ConfigError) as err:
        TrainConfig(**bad)  # type: ignore[arg-type]
    (field,) = bad
    assert "\n" not in str(err.value)
    assert "--" + field.replace("_", "-") in str(err.value)


@pytest.mark.parametrize("device", ["auto", "cpu", "cuda", "cuda:0", "cuda:1", "mps"])
def test_config_accepts_every_device_name_form(device: str) -> None:
    assert TrainConfig(device=device).device == device


def test_config_round_trips_through_a_dict_and_refuses_unknown_keys() -> None:
    cfg = TrainConfig(seed=4, steps=77, lr_d=3e-4, loss="ns")
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError, match="unknown option 'from_the_future'"):
        TrainConfig.from_dict({**cfg.to_dict(), "from_the_future": 1})


def test_defaults_are_the_tutorials() -> None:
    cfg = TrainConfig()
    assert (cfg.seed, cfg.batch_size, cfg.lr_g, cfg.lr_d) == (1, 64, 1e-4, 1e-4)
    assert (cfg.the_problem.noise_dim, cfg.the_problem.out_dim, cfg.hidden, cfg.steps) == (
        5,
        15,
        128,
        10_000,
    )


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("device", ["cuda", "cuda:1"])
def test_asking_for_cuda_without_it_is_a_device_error(device: str) -> None:
    with pytest.raises(DeviceError) as err:
        resolve_device(device)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("cuda", "mps", "auto"),
    [(False, False, "cpu"), (False, True, "mps"), (True, True, "cuda:1"), (True, False, "cuda:1")],
)
def test_auto_takes_cuda_then_mps_then_the_cpu(
    monkeypatch: pytest.MonkeyPatch, cuda: bool, mps: bool, auto: str
) -> None:
    # Each kind of machine, whatever this one has: torch's answers replaced (GPU 1 current).
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2 if cuda else 0)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 1)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert resolve_device("auto") == torch.device(auto)
    assert resolve_device("cpu") == CPU
