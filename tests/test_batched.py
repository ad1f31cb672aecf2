"""The batched engine (sweeps): member k takes the steps of its own `toygan train` run.

Each member is compared with the single run `toygan train` would make of its options (the fast
CPU engine where it applies, else the reference), after every chunk of steps, with the
tolerances of tests/test_engines.py: stats to rounding, parameters within one Adam step, Adam
moments within 1 % of their norm, step counts and random streams exactly.

hinge is the exception, and why: its dL/dlogit is ±1/batch for every sample, so at the start
a weight's gradient is a sum over real samples minus a like sum over fakes that cancels to
exactly 0 in one order of addition and to ~1e-9 in another (the batched matmul adds in its
own order). Adam divides by √v: such an entry moves by up to ~0.1 lr in one engine and not in
the other, for several steps. Measured over 300 steps: ≤ 2.3 lr apart, moments within 0.6 %.
Its parameters are allowed 3 Adam steps (a real mistake moves them by hundreds) and its stats,
means of logits that drift with them, 5e-4 (measured: ≤ 1.4e-4 after 300 steps).
"""

from __future__ import annotations

import dataclasses

import pytest
import torch
from test_engines import ATOL, CHUNKS, assert_same_state, fresh

from toygan_tui.core.engines.batched import BatchedEngine
from toygan_tui.core.engines.cpu import CpuEngine
from toygan_tui.core.engines.flat import NotApplicable
from toygan_tui.core.engines.members import MemberPlayers
from toygan_tui.core.engines.reference import ReferenceEngine
from toygan_tui.core.engines.stacked import StackedMLP
from toygan_tui.core.training.adam import AdamState, torch_adam
from toygan_tui.core.training.config import TrainConfig
from toygan_tui.core.training.state import TrainState

# Four members: different seeds, learning rates (G's and D's apart in two) and Adam betas.
MEMBERS = [
    dict(seed=1),
    dict(seed=2, lr_g=3e-4),
    dict(seed=3, lr_d=2e-4, beta1=0.5),
    dict(seed=4, lr_g=2e-4, lr_d=2e-4, beta2=0.99),
]
# (parameters' tolerance in Adam steps, stats' tolerance) by loss: see the module's docstring.
TOLERANCES = {"hinge": (3.0, 5e-4)}


def configs(**shared: object) -> list[TrainConfig]:
    return [TrainConfig(device="cpu", **{**shared, **member}) for member in MEMBERS]  # type: ignore[arg-type]


def single_engine(state: TrainState):  # noqa: ANN201
    """The engine `toygan train` picks for this run on the CPU (--engine auto)."""
    try:
        return CpuEngine(state)
    except NotApplicable:
        return ReferenceEngine(state)


def run_members_side_by_side(cfgs: list[TrainConfig], chunks: list[int]) -> None:
    members, singles = [fresh(c) for c in cfgs], [fresh(c) for c in cfgs]
    batched, engines = BatchedEngine(members), [single_engine(s) for s in singles]
    steps, atol = TOLERANCES.get(cfgs[0].loss, (1.0, ATOL))
    for n in chunks:
        stats = batched.run(n)
        assert len(stats) == len(members)
        for got, member, single, engine in zip(stats, members, singles, engines, strict=True):
            torch.testing.assert_close(got, engine.run(n), rtol=0, atol=atol)
            assert_same_state(member, single, param_steps=steps)


@pytest.mark.parametrize("loss", ["minimax", "ns", "lsgan", "hinge"])
def test_each_member_takes_its_own_runs_steps(loss: str) -> None:
    chunks = CHUNKS if loss == "minimax" else [50, 1, 63, 86]  # across 64-step draw chunks
    run_members_side_by_side(configs(loss=loss), chunks)


@pytest.mark.parametrize(
    "shared",
    [
        dict(problem="ring", hidden=32),  # 2-D points, two hidden layers (the reference runs it)
        dict(loss="ns", depth=3, hidden=16, batch_size=10),  # deeper; draws not chunkable
    ],
    ids=["ring-depth-2", "ns-depth-3-batch-10"],
)
def test_members_of_other_shapes_take_their_own_runs_steps(shared: dict) -> None:
    run_members_side_by_side(configs(**shared)[:2], [20, 1, 25])


def test_each_member_keeps_its_own_ema_of_g() -> None:
    # Different decays, and one member with no average beside two that keep one.
    decays = (0.9, 0.0, 0.99, 0.5)
    cfgs = [dataclasses.replace(c, ema=e) for c, e in zip(configs(), decays, strict=True)]
    run_members_side_by_side(cfgs, [50, 1, 63])


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
            assert_same_state(member, single)


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
        assert_same_state(member, single)


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
