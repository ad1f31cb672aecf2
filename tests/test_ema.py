"""The EMA generator: its update formula, its engines, its checkpoints, and its absence."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch
from test_engines import CPU, assert_same_state, fresh, run_side_by_side

from toygan_tui.core.config import ConfigError, TrainConfig
from toygan_tui.core.engines.autograd.reference import ReferenceEngine
from toygan_tui.core.engines.cuda_graph.cuda import DeviceEngine
from toygan_tui.core.engines.ema import ema_step
from toygan_tui.core.engines.numpy_cpu.cpu import CpuEngine
from toygan_tui.core.training.checkpoint import (
    CheckpointError,
    load_generator,
    restore_state,
    save_bytes,
    state_to_dict,
)
from toygan_tui.core.training.state import new_state
from toygan_tui.core.training.trainer import train

EMA = TrainConfig(device="cpu", seed=4, ema=0.75)  # a fast decay: every step shows


def params(net: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in net.parameters()]


def test_ema_follows_the_hand_computed_recursion_step_by_step() -> None:
    state = new_state(EMA, CPU)
    assert state.g_ema is not None
    engine = ReferenceEngine(state)
    g = [params(state.G)]
    assert all(torch.equal(e, w) for e, w in zip(params(state.g_ema), g[0], strict=True))
    for _ in range(3):
        engine.step()
        g.append(params(state.G))
    # By hand, in float64: e0 = g0; e_t = e_{t-1} + (1 − d)(g_t − e_{t-1}) = d·e_{t-1} + (1 − d)g_t.
    d = EMA.ema
    for i, got in enumerate(params(state.g_ema)):
        g0, g1, g2, g3 = (step[i].double() for step in g)
        want = d**3 * g0 + d**2 * (1 - d) * g1 + d * (1 - d) * g2 + (1 - d) * g3
        torch.testing.assert_close(got.double(), want, rtol=0, atol=1e-6)
        assert not torch.allclose(got, g3.float(), atol=1e-6)  # it lags G: not G itself


def test_ema_step_is_the_lerp_of_the_brief() -> None:
    average, current = torch.tensor([1.0, -2.0, 0.5]), torch.tensor([3.0, 2.0, 0.5])
    ema_step([average], [current], decay=0.9)
    torch.testing.assert_close(average, torch.tensor([1.2, -1.6, 0.5]))


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_the_ema_never_feeds_back_into_training(engine: str) -> None:
    plain = TrainConfig(device="cpu", steps=120, report_every=60, engine=engine)
    with_ema = dataclasses.replace(plain, ema=0.99)
    a, b = list(train(plain)), list(train(with_ema))
    for x, y in zip(a, b, strict=True):
        assert x.stats == y.stats and x.quality == y.quality  # bit for bit
        assert x.ema_quality == {} and set(y.ema_quality) == set(y.quality)
    assert b[-1].ema_quality != b[-1].quality  # the average lags G: its measures differ


def test_the_fast_cpu_engine_keeps_the_references_ema_with_a_non_minimax_loss() -> None:
    cfg = TrainConfig(device="cpu", loss="ns", lr_g=4e-4, lr_d=4e-4, beta1=0.5, ema=0.9)
    fast, ref = fresh(cfg), fresh(cfg)
    run_side_by_side(CpuEngine(fast), fast, ref, [50, 1, 63, 64])


@pytest.mark.parametrize("order", ["fast, reference, fast", "reference, fast, reference"])
def test_a_run_with_an_ema_can_switch_engines_midway(order: str) -> None:
    mixed, ref = fresh(EMA), fresh(EMA)
    engines = {"fast": CpuEngine(mixed), "reference": ReferenceEngine(mixed)}
    for name in order.split(", "):
        engines[name].run(40)
    ReferenceEngine(ref).run(120)
    assert_same_state(mixed, ref)


def test_the_device_step_updates_the_ema_when_run_eagerly() -> None:
    fast, ref = fresh(EMA, True), fresh(EMA, True)
    run_side_by_side(DeviceEngine(fast, graphed=False), fast, ref, [30, 1, 20])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_the_cuda_graph_keeps_the_ema_inside_the_graph() -> None:
    from toygan_tui.core.engines.factory import make_fast_engine
    from toygan_tui.core.training.state import resolve_device

    cfg = dataclasses.replace(EMA, device="cuda")
    fast, ref = new_state(cfg, resolve_device("cuda")), new_state(cfg, resolve_device("cuda"))
    engine = make_fast_engine(fast, required=True)
    assert engine is not None and engine.name == "fast (CUDA graph)"
    reference = ReferenceEngine(ref)
    for n in (25, 1, 14):
        engine.run(n)
        reference.run(n)
        assert_same_state(fast, ref)


def test_a_checkpoint_keeps_the_ema_and_a_resumed_run_goes_on_from_it(tmp_path: Path) -> None:
    cfg = dataclasses.replace(EMA, steps=90, report_every=30)
    straight = new_state(cfg, CPU)
    CpuEngine(straight).run(90)

    half = new_state(cfg, CPU)
    CpuEngine(half).run(40)
    path = tmp_path / "ckpt.pt"
    path.write_bytes(save_bytes(half, "r"))
    resumed = restore_state(path, cfg, CPU)
    assert resumed.g_ema is not None and half.g_ema is not None
    for a, b in zip(resumed.g_ema.parameters(), half.g_ema.parameters(), strict=True):
        assert torch.equal(a, b)
    CpuEngine(resumed).run(50)
    assert resumed.g_ema is not None and straight.g_ema is not None
    for a, b in zip(resumed.g_ema.parameters(), straight.g_ema.parameters(), strict=True):
        assert torch.equal(a, b)  # bit for bit: same engine, same steps, state restored


def test_sample_reads_the_ema_unless_raw(tmp_path: Path) -> None:
    state = new_state(EMA, CPU)
    CpuEngine(state).run(30)
    path = tmp_path / "ckpt.pt"
    path.write_bytes(save_bytes(state, "r"))
    assert state.g_ema is not None
    ema, _, step, is_ema = load_generator(path)
    raw, _, _, is_raw_ema = load_generator(path, raw=True)
    assert step == 30 and is_ema and not is_raw_ema
    for mine, want in ((ema, state.g_ema), (raw, state.G)):
        for a, b in zip(mine.parameters(), want.parameters(), strict=True):
            assert torch.equal(a, b)


def test_a_checkpoint_that_disagrees_with_its_config_about_the_ema_is_refused(
    tmp_path: Path,
) -> None:
    with_ema, without = new_state(EMA, CPU), new_state(dataclasses.replace(EMA, ema=0.0), CPU)
    for state, other in ((with_ema, without), (without, with_ema)):
        data = state_to_dict(state, "r")
        data["G_ema"] = state_to_dict(other, "r")["G_ema"]
        path = tmp_path / "bad.pt"
        torch.save(data, path)
        with pytest.raises(CheckpointError, match="cannot restore .*EMA"):
            restore_state(path, state.cfg, CPU)


def test_a_format_3_checkpoint_without_its_ema_entry_is_damaged(tmp_path: Path) -> None:
    data = state_to_dict(new_state(EMA, CPU), "r")
    del data["G_ema"]
    torch.save(data, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError, match=r"damaged checkpoint \(no 'G_ema'\)"):
        load_generator(tmp_path / "bad.pt")


@pytest.mark.parametrize("decay", [1.0, -0.1, 1.5, float("nan"), True, "0.9"])
def test_an_ema_outside_0_to_1_is_one_clear_line(decay: object) -> None:
    with pytest.raises(ConfigError, match=r"^--ema must be 0 \(none\) or a decay in \(0, 1\)"):
        TrainConfig(ema=decay)  # type: ignore[arg-type]
