"""PacGAN's packing (--pack K): D judges K samples at once, K real or K fake side by side.

The reference packs the batch's samples in turn (samples jK … jK+K−1 are D's input j, each
with its label), so D has K times the inputs and the losses are means over B/K logits; every
fast engine takes the reference's steps with it (the tolerances of tests/test_engines.py), a
packed run resumes bit for bit on a CPU, and where packing cannot apply the config says so in
one line. Small nets, few steps: the layer structure and the packing are what can go wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from snapshots import make_snapshot
from test_batched import RESYNC_CHUNKS, run_members_side_by_side
from test_batched import configs as member_configs
from test_engines import CHUNKS, fresh, run_side_by_side
from test_resume import assert_option_resumes_and_counts
from test_ui_dashboard import frame

from toygan_tui.core.config import ConfigError, TrainConfig, resolve
from toygan_tui.core.engines.autograd.penalty import gradient_penalty
from toygan_tui.core.engines.autograd.reference import ReferenceEngine
from toygan_tui.core.engines.cuda_graph.cuda import DeviceEngine
from toygan_tui.core.engines.factory import group_key, make_engine
from toygan_tui.core.engines.numpy_cpu.cpu import CpuEngine
from toygan_tui.core.errors import InputError
from toygan_tui.core.nets.inputs import d_input
from toygan_tui.core.training.evaluator import Evaluator
from toygan_tui.core.world import World, check_job

# Narrow nets: one per path the engines take (the minimax mirror and a loss's own dL/dlogit,
# one hidden layer and a deeper D, a label packed with its sample, packs of 2, 3 and 4).
PACKED = {
    "grid, depth 2, ns, pack 4": dict(problem="grid", loss="ns", depth=2, batch_size=64, pack=4),
    "ring, depth 1, minimax, pack 3": dict(problem="ring", depth=1, batch_size=30, pack=3),
    "cond-curves, depth 2, hinge, pack 2": dict(
        problem="cond-curves", loss="hinge", depth=2, pack=2
    ),
}


# 178 steps (50, 1, 63, 64): the CPU engine's 64-step draws crossed at odd places, as the loss
# pairs of tests/test_engines_losses.py run; a wrong packing shows from the first step.
PACKED_CHUNKS = CHUNKS[:4]


def packed_config(name: str) -> TrainConfig:
    return TrainConfig(device="cpu", hidden=32, **PACKED[name])  # type: ignore[arg-type]


# -- the reference: what packing is ----------------------------------------------------------
def test_d_input_puts_k_consecutive_samples_with_their_labels_side_by_side() -> None:
    x = torch.arange(12.0).reshape(6, 2)  # six 2-D samples
    labels = torch.tensor([[0.0], [1.0], [1.0], [0.0], [1.0], [1.0]])
    assert torch.equal(d_input(x, None, 1), x)
    assert d_input(x, None, 3).tolist() == [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]
    assert d_input(x, labels, 2).tolist() == [
        [0, 1, 0, 2, 3, 1], [4, 5, 1, 6, 7, 0], [8, 9, 1, 10, 11, 1],
    ]  # fmt: skip


def test_a_packed_d_is_k_times_as_wide_and_scores_b_over_k_inputs_a_side() -> None:
    state = fresh(packed_config("cond-curves, depth 2, hinge, pack 2"))
    assert state.D[0].in_features == 2 * (state.problem.out_dim + 1)  # K × (sample, label)
    assert state.G[0].in_features == state.problem.noise_dim + 1  # G is unchanged
    seen: list[tuple[int, ...]] = []
    state.D.register_forward_hook(lambda m, args, out: seen.append(tuple(out.shape)))
    ReferenceEngine(state).run(1)
    assert seen == [(32, 1)] * 3  # G's loss on the fakes, D's on the reals and the fakes


def test_the_packed_gradient_penalty_is_one_norm_per_packed_input() -> None:
    torch.manual_seed(0)
    D = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    x_hat = torch.randn(9, 2)
    by_hand = x_hat.reshape(3, 6).requires_grad_(True)
    (grad,) = torch.autograd.grad(D(by_hand).sum(), by_hand)
    expected = ((grad.norm(2, dim=1) - 1) ** 2).mean()
    torch.testing.assert_close(gradient_penalty(D, x_hat, None, pack=3), expected)


def test_a_packed_wgan_gp_run_draws_one_epsilon_per_packed_input() -> None:
    # wgan-gp runs on the reference (the fast engines refuse its double backward).
    cfg = resolve(
        {"problem": "ring", "loss": "wgan-gp", "pack": 4, "hidden": 16, "batch_size": 32,
         "device": "cpu"}, typed={"pack", "hidden", "batch_size"},
    )  # fmt: skip
    engine = make_engine(fresh(cfg))
    assert isinstance(engine, ReferenceEngine)
    batch = engine._batch()
    assert batch.eps is not None and batch.eps.shape == (32, 1)
    assert torch.equal(batch.eps, batch.eps[::4].repeat_interleave(4, dim=0))
    assert torch.isfinite(engine.run(3)).all()


def test_the_heat_grid_shows_a_packed_d_k_copies_of_each_point() -> None:
    cfg = TrainConfig(device="cpu", problem="ring", batch_size=32, hidden=16, pack=4)
    state, evaluator = fresh(cfg), Evaluator(cfg, torch.device("cpu"))
    assert evaluator.grid is not None and evaluator.grid.shape[1] == 8
    assert torch.equal(evaluator.grid[:, 2:4], evaluator.grid[:, :2])
    heat = evaluator.evaluate(evaluator.players(state)).heat
    assert heat is not None and heat.shape == (40, 40)


# -- every engine takes the reference's packed steps -----------------------------------------
@pytest.mark.parametrize("name", PACKED)
def test_the_cpu_engine_takes_the_reference_packed_steps(name: str) -> None:
    fast, ref = fresh(packed_config(name)), fresh(packed_config(name))
    run_side_by_side(CpuEngine(fast), fast, ref, PACKED_CHUNKS)


@pytest.mark.parametrize("name", PACKED)
def test_the_device_engine_takes_the_reference_packed_steps_when_run_eagerly(name: str) -> None:
    fast, ref = fresh(packed_config(name), True), fresh(packed_config(name), True)
    run_side_by_side(DeviceEngine(fast, graphed=False), fast, ref, PACKED_CHUNKS)


@pytest.mark.parametrize("loss", ["minimax", "lsgan"])
def test_each_batched_member_takes_its_own_packed_runs_steps(loss: str) -> None:
    cfgs = member_configs(problem="grid", hidden=32, batch_size=64, pack=4, loss=loss)
    run_members_side_by_side(cfgs, RESYNC_CHUNKS)


def test_members_packed_differently_are_never_batched_together() -> None:
    one, two = (fresh(TrainConfig(device="cpu", pack=k)) for k in (1, 2))
    assert group_key(one) != group_key(two)


# -- a packed run: recorded, resumed bit for bit, shown --------------------------------------
@pytest.mark.parametrize("engine", ["auto", "reference"])
def test_a_packed_run_resumes_bit_for_bit_and_packing_changes_the_run(
    tmp_path: Path, engine: str
) -> None:
    small = ("--problem", "ring", "--hidden", 16, "--batch-size", 32, "--engine", engine)
    assert_option_resumes_and_counts(tmp_path / "runs", "--pack", 2, 1, *small)


def test_a_run_from_before_packing_reads_as_pack_1() -> None:
    old = TrainConfig().to_dict()
    del old["pack"]
    assert TrainConfig.from_dict(old).pack == 1


def test_the_header_says_pack_k_only_for_a_packed_run() -> None:
    assert "pack 4" in frame(120, 30, make_snapshot(engine="fast", pack=4))[0]
    assert "pack" not in frame(120, 30, make_snapshot(engine="fast"))[0]


# -- where packing cannot apply: one line ----------------------------------------------------
@pytest.mark.parametrize(
    ("options", "why"),
    [
        (dict(pack=3), "--pack 3: --batch-size 64 is not a multiple of 3"),
        (dict(pack=0), "--pack must be positive, got 0"),
        (dict(problem="digits", pack=2), "--pack: --problem digits's dcgan D judges one image"),
    ],
)
def test_packing_is_refused_in_one_line_where_it_cannot_apply(options: dict, why: str) -> None:
    with pytest.raises(ConfigError) as error:
        resolve({"device": "cpu", **options}, typed=set(options))  # the problem's nets
    assert str(error.value).startswith(why) and "\n" not in str(error.value)


def test_a_torchrun_job_refuses_shards_that_split_a_pack() -> None:
    check_job(World(0, 2, 0), batch_size=64, engine="auto", device="cpu", pack=4)
    with pytest.raises(InputError, match="--pack 4: each process's 6 samples must be whole"):
        check_job(World(0, 2, 0), batch_size=12, engine="auto", device="cpu", pack=4)
