"""The batched engine (sweeps): member k takes the steps of its own `toygan train` run.

Each member runs beside the single run `toygan train` would make of its options (the fast CPU
engine where it applies, else the reference). Their random streams must stay exactly equal over
the whole run (checkpoints resume from them). Their numbers agree to float rounding, which is
what the tolerances of tests/test_engines.py allow for: stats to rounding, parameters within one
Adam step, Adam moments within 1 % of their norm.

Why the runs are re-synced every few steps: the batched matmuls add some products in another
order than the single run's (D's logits differ in the last bit for ~90 % of samples), so now
and then a ReLU input within rounding of 0 flips for one sample, and a GAN's dynamics amplify
that difference step after step (measured here without re-syncing: a flip at step 217 of a
member with β1 0.5 grew to 1.9 Adam steps by step 300 and 6 by step 500, its moments to 10 %).
So after each chunk (≤ 29 steps, crossing the 64-step draw chunks at odd places) the member
takes the single run's modules and optimizer state, and each chunk must end where the single
run's does: measured over 8 members × 4 losses, no flip and agreement to ~1e-6. One flip within
a chunk is still allowed for: parameters get 3 Adam steps, the stats 2e-4, each player's Adam
moments, taken together, 5 % of their norm. A real mistake moves parameters by ~lr on every
step and moments by tens of percent: the tests below show a wrong stream or lr failing these.
The streams are never re-synced: they must stay exactly equal over the whole run.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch
from clikit import toygan
from test_engines import assert_close_norm, assert_same_streams, fresh, resync

from toygan_tui.core.config import TrainConfig
from toygan_tui.core.engines.adam import AdamState, torch_adam
from toygan_tui.core.engines.autograd.reference import ReferenceEngine
from toygan_tui.core.engines.batched import batched
from toygan_tui.core.engines.batched.batched import BatchedEngine, BlockLogitGrads
from toygan_tui.core.engines.batched.member_rows import MemberPlayers
from toygan_tui.core.engines.batched.stacked import StackedMLP
from toygan_tui.core.engines.contract import NotApplicable
from toygan_tui.core.engines.factory import make_engine
from toygan_tui.core.engines.numpy_cpu.cpu import CpuEngine
from toygan_tui.core.losses import LOSSES
from toygan_tui.core.training.checkpoint import read_checkpoint
from toygan_tui.core.training.state import TrainState, new_state, resolve_device

# Four members: different seeds, learning rates (G's and D's apart in two) and Adam betas.
MEMBERS = [
    dict(seed=1),
    dict(seed=2, lr_g=3e-4),
    dict(seed=3, lr_d=2e-4, beta1=0.5),
    dict(seed=4, lr_g=2e-4, lr_d=2e-4, beta2=0.99),
]
RESYNC_CHUNKS = [23, 1, 17, 29] * 3  # 210 steps; see the module's docstring
PARAM_STEPS, STATS_ATOL, MOMENTS_RTOL = 3.0, 2e-4, 5e-2  # see the module's docstring


def configs(**shared: object) -> list[TrainConfig]:
    return [TrainConfig(device="cpu", **{**shared, **member}) for member in MEMBERS]  # type: ignore[arg-type]


def single_engine(state: TrainState):  # noqa: ANN201
    """The engine `toygan train` picks for this run on the CPU (--engine auto)."""
    try:
        return CpuEngine(state)
    except NotApplicable:
        return ReferenceEngine(state)


def assert_member_matches(member: TrainState, single: TrainState) -> None:
    """Streams and step counts exactly, parameters (and G's average) within PARAM_STEPS Adam
    steps, each player's Adam moments together within MOMENTS_RTOL of their norm."""
    assert_same_streams(member, single)
    assert member.step == single.step
    atol = PARAM_STEPS * max(single.cfg.lr_g, single.cfg.lr_d)
    nets = [(member.G, single.G), (member.D, single.D), (member.g_ema, single.g_ema)]
    for mine, theirs in nets:
        assert (mine is None) == (theirs is None)
        if mine is not None and theirs is not None:
            for p, q in zip(mine.parameters(), theirs.parameters(), strict=True):
                torch.testing.assert_close(p, q, rtol=0, atol=atol)
    for mine_opt, their_opt in ((member.opt_G, single.opt_G), (member.opt_D, single.opt_D)):
        a, b = mine_opt.state_dict()["state"], their_opt.state_dict()["state"]
        assert a.keys() == b.keys()
        assert {float(v["step"]) for v in a.values()} == {float(v["step"]) for v in b.values()}
        for moment in ("exp_avg", "exp_avg_sq"):
            got = torch.cat([a[k][moment].flatten() for k in a])
            want = torch.cat([b[k][moment].flatten() for k in a])
            assert_close_norm(got, want, MOMENTS_RTOL)


def run_members_side_by_side(cfgs: list[TrainConfig], chunks: list[int]) -> None:
    members, singles = [fresh(c) for c in cfgs], [fresh(c) for c in cfgs]
    batched, engines = BatchedEngine(members), [single_engine(s) for s in singles]
    for n in chunks:
        stats = batched.run(n)
        assert len(stats) == len(members)
        for got, member, single, engine in zip(stats, members, singles, engines, strict=True):
            torch.testing.assert_close(got, engine.run(n), rtol=0, atol=STATS_ATOL)
            assert_member_matches(member, single)
            resync(member, single)


@pytest.mark.parametrize("loss", ["minimax", "ns", "lsgan", "hinge"])
def test_each_member_takes_its_own_runs_steps(loss: str) -> None:
    run_members_side_by_side(configs(loss=loss), RESYNC_CHUNKS)


@pytest.mark.parametrize(
    "shared",
    [
        dict(problem="ring", hidden=32),  # 2-D points, two hidden layers (the reference runs it)
        dict(problem="grid", hidden=16, loss="lsgan"),
        dict(problem="two", hidden=16, loss="hinge"),
        dict(loss="ns", depth=3, hidden=16, batch_size=10),  # deeper; draws not chunkable
    ],
    ids=["ring-depth-2", "grid-lsgan", "two-hinge", "ns-depth-3-batch-10"],
)
def test_members_of_other_shapes_take_their_own_runs_steps(shared: dict) -> None:
    run_members_side_by_side(configs(**shared)[:2], [20, 1, 25])


def test_each_member_keeps_its_own_ema_of_g() -> None:
    # Different decays, and one member with no average beside two that keep one.
    decays = (0.9, 0.0, 0.99, 0.5)
    cfgs = [dataclasses.replace(c, ema=e) for c, e in zip(configs(), decays, strict=True)]
    run_members_side_by_side(cfgs, [23, 1, 17, 29])


def test_the_comparison_catches_a_member_with_a_wrong_stream_or_learning_rate() -> None:
    # The side-by-side check has teeth: one draw too many, or another lr, fails it.
    cfg = TrainConfig(device="cpu", seed=2)
    for spoil in ("stream", "lr"):
        member, single = fresh(cfg), fresh(cfg)
        if spoil == "stream":
            member.noise(1)
        else:
            member.opt_G.param_groups[0]["lr"] = 1.5e-4
        BatchedEngine([fresh(cfg), member]).run(100)
        CpuEngine(single).run(100)
        with pytest.raises(AssertionError):
            assert_member_matches(member, single)


def test_a_member_can_go_on_in_its_own_engine_and_back() -> None:
    # run() leaves each member's modules, Adam state and streams as a single run would, and
    # picks up whatever another engine did to them in between.
    cfgs = configs()[:2]
    members, singles = [fresh(c) for c in cfgs], [fresh(c) for c in cfgs]
    batched = BatchedEngine(members)
    batched.run(70)
    for member in members:
        CpuEngine(member).run(70)
    batched.run(70)
    for single in singles:
        CpuEngine(single).run(210)
    for member, single in zip(members, singles, strict=True):
        assert_member_matches(member, single)


def tiny_net(seed: int) -> torch.nn.Sequential:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))


def test_adam_with_each_members_settings_is_torchs_adam() -> None:
    # The update alone, on gradients that are not a GAN's: every member's rows against
    # torch.optim.Adam with that member's lr and betas.
    settings = [dict(lr=1e-3, betas=(0.9, 0.999)), dict(lr=3e-2, betas=(0.5, 0.9))] * 2
    nets, twins = [tiny_net(k) for k in range(4)], [tiny_net(k) for k in range(4)]
    stacked = StackedMLP(nets, rows=1, device=torch.device("cpu"))
    adams = [AdamState(n.parameters(), **s) for n, s in zip(nets, settings, strict=True)]
    player = MemberPlayers(stacked, adams)
    theirs = [
        torch_adam(AdamState(t.parameters(), **s)) for t, s in zip(twins, settings, strict=True)
    ]
    player.load(0)
    torch.manual_seed(0)
    for step in range(1, 6):
        stacked.grads.normal_()
        grads, per = stacked.member_views(stacked.grads), 4
        player.adam_step.fill_(step)
        player.adam()
        for k, (twin, opt) in enumerate(zip(twins, theirs, strict=True)):
            for p, g in zip(twin.parameters(), grads[k * per : (k + 1) * per], strict=True):
                p.grad = g.clone()
            opt.step()
    player.store(5)
    for net, twin in zip(nets, twins, strict=True):
        for p, q in zip(net.parameters(), twin.parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-7)


def spoiled(spoil: str) -> list[TrainState]:
    """Two members that cannot share a batch, for each reason the engine refuses."""
    base = TrainConfig(device="cpu")
    other = {
        "problem": dict(problem="ring"),
        "loss": dict(loss="ns"),
        "hidden": dict(hidden=64),
        "depth": dict(depth=2),
        "batch_size": dict(batch_size=32),
        "wgan-gp": dict(loss="wgan-gp", n_critic=5, gp_weight=10.0),
        "conditional": dict(problem="cond-curves"),
    }
    if spoil in ("wgan-gp", "conditional"):
        return [fresh(TrainConfig(device="cpu", **other[spoil]))] * 1
    states = [fresh(base), fresh(dataclasses.replace(base, seed=2, **other.get(spoil, {})))]
    if spoil == "device":
        states[1].device = torch.device("mps")  # nothing runs on it here; only compared
    if spoil == "step":
        CpuEngine(states[1]).run(3)
    return states


REASONS = {
    "problem": "differ in problem", "loss": "differ in loss", "hidden": "differ in hidden",
    "depth": "differ in depth", "batch_size": "differ in batch_size",
    "device": "different devices", "wgan-gp": "wgan-gp", "conditional": "conditional",
    "step": "different (Adam )?steps",
}  # fmt: skip


@pytest.mark.parametrize("spoil", REASONS)
def test_runs_that_cannot_share_a_batch_are_refused_in_one_line(spoil: str) -> None:
    states = spoiled(spoil)
    with pytest.raises(NotApplicable, match=REASONS[spoil]) as error:
        BatchedEngine(states).run(1)
    assert "\n" not in str(error.value)


def test_the_engine_names_its_batch() -> None:
    assert BatchedEngine([fresh(c) for c in configs()]).name == "batched (K=4)"


@pytest.mark.parametrize("loss", ["minimax", "ns", "lsgan", "hinge"])
def test_dl_dlogit_by_autograd_off_the_cpu_equals_the_losss_own(loss: str) -> None:
    # Off a CPU the engine takes dL/dlogit by autograd on the loss's formulas (scaled by K):
    # the same numbers as the loss's hand-written ones the CPU path uses.
    K, B = 3, 8
    logits = torch.linspace(-3, 3, K * 2 * B).reshape(K, 2 * B)  # either side of every kink
    logits = logits[:, torch.randperm(2 * B, generator=torch.Generator().manual_seed(0))]
    on_cpu = BlockLogitGrads(LOSSES[loss], K, B, torch.device("cpu"))
    autograd = BlockLogitGrads(LOSSES[loss], K, B, torch.device("cpu"))
    autograd.on_cpu = False
    for got, want in zip(autograd(logits), on_cpu(logits), strict=True):
        torch.testing.assert_close(got, want.clone(), rtol=1e-5, atol=1e-7)


def test_a_diverging_member_leaves_the_others_alone() -> None:
    # Members share buffers, not numbers: one member's overflow stays in its own row.
    cfgs = [TrainConfig(device="cpu", seed=1), TrainConfig(device="cpu", lr_g=1e12, lr_d=1e12)]
    members = [fresh(c) for c in cfgs]
    single = fresh(cfgs[0])
    stats = BatchedEngine(members).run(20)
    CpuEngine(single).run(20)
    assert not torch.isfinite(stats[1]).all()
    assert_member_matches(members[0], single)


def test_members_stepped_in_blocks_take_their_own_runs_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # On a CPU the engine steps the members in cache-sized blocks: here a block of 3 and one of 1.
    monkeypatch.setattr(batched, "CPU_BLOCK", 3)
    engine = BatchedEngine([fresh(c) for c in configs()])
    assert [len(block.states) for block in engine.blocks] == [3, 1]
    run_members_side_by_side(configs(), [23, 1, 17])


# -- on a GPU: the same engine, all members in one block, each member's own device streams --
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


def on_the_gpu(cfgs: list[TrainConfig]) -> list[TrainState]:
    device = resolve_device("cuda")
    return [new_state(dataclasses.replace(c, device="cuda"), device) for c in cfgs]


@CUDA
@pytest.mark.usefixtures("no_tf32")
@pytest.mark.parametrize("loss", ["minimax", "hinge"])
def test_on_a_gpu_each_member_takes_the_steps_of_its_own_gpu_run(loss: str) -> None:
    # Against the engine `toygan train --device cuda` picks (the CUDA-graph engine), which
    # draws each step from the run's device generators, as the members do on a GPU.
    cfgs = configs(loss=loss)
    members, singles = on_the_gpu(cfgs), on_the_gpu(cfgs)
    engine = BatchedEngine(members)
    assert engine.name == "batched (K=4)" and len(engine.blocks) == 1  # one block on a GPU
    engines = [make_engine(single) for single in singles]
    assert {e.name for e in engines} == {"fast (CUDA graph)"}
    for n in RESYNC_CHUNKS[:6]:
        stats = engine.run(n)
        for got, member, single, own in zip(stats, members, singles, engines, strict=True):
            assert got.device == member.device
            torch.testing.assert_close(got, own.run(n), rtol=0, atol=STATS_ATOL)
            assert_member_matches(member, single)
            resync(member, single)


@CUDA
@pytest.mark.usefixtures("no_tf32")
def test_on_a_gpu_a_member_goes_on_in_its_own_engine_and_a_diverging_one_stays_in_its_row() -> None:
    cfgs = [*configs()[:2], TrainConfig(device="cuda", lr_g=1e12, lr_d=1e12)]
    members, singles = on_the_gpu(cfgs), on_the_gpu(cfgs[:2])
    stats = BatchedEngine(members).run(40)
    assert not torch.isfinite(stats[2]).all() and torch.isfinite(torch.stack(stats[:2])).all()
    for member in members[:2]:
        make_engine(member).run(30)  # a checkpointed member, resumed as a single run
    BatchedEngine(members[:2]).run(20)  # and back, without the diverged one (as a sweep does)
    for single in singles:
        make_engine(single).run(90)
    for member, single in zip(members[:2], singles, strict=True):
        assert_member_matches(member, single)


@CUDA
def test_a_sweep_on_a_gpu_trains_in_the_batched_engine(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    args = ["--device", "cuda", "--no-live", "--steps", 120, "--report-every", 40]
    result = toygan("sweep", *args, "--runs-dir", runs, "--seeds", "1-3")
    assert result.code == 0, result.err
    assert "engine batched (K=3)" in result.out
    assert toygan("train", *args, "--runs-dir", runs, "--name", "t", "--seed", 3).code == 0
    mine = read_checkpoint(runs / "sweep-1" / "members" / "3" / "ckpt.pt")
    theirs = read_checkpoint(runs / "t" / "ckpt.pt")
    assert mine["config"] == theirs["config"] and mine["step"] == theirs["step"] == 120
    for net in ("G", "D"):  # a ReLU flip allowed, as above
        for key, value in theirs[net].items():
            torch.testing.assert_close(mine[net][key], value, rtol=0, atol=PARAM_STEPS * 1e-4)
