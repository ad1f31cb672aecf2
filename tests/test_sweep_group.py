"""Group engines: members that could share a batched engine are grouped, and the serial group
leaves every member exactly where its own engine would."""

from __future__ import annotations

import torch

from toygan_tui.core.config import resolve
from toygan_tui.core.engines.factory import SerialGroup, make_engine, make_groups
from toygan_tui.core.training.state import new_state

CPU = torch.device("cpu")


def state(**options: object):  # noqa: ANN201
    return new_state(resolve({"device": "cpu", **options}, set(options)), CPU)


def test_members_are_grouped_by_what_a_batched_engine_shares() -> None:
    states = [state(seed=1), state(seed=2, lr_g=4e-4), state(loss="ns"), state(problem="ring")]
    groups = make_groups(states)
    assert sorted(members for members, _ in groups) == [[0, 1], [2], [3]]  # seeds and lrs batch


def test_a_serial_group_leaves_each_member_as_its_own_engine_would() -> None:
    grouped, alone = [state(seed=1), state(seed=2)], [state(seed=1), state(seed=2)]
    stats = SerialGroup(grouped).run(30)
    for i, single in enumerate(alone):
        assert torch.equal(stats[i], make_engine(single).run(30))
        for p, q in zip(grouped[i].G.parameters(), single.G.parameters(), strict=True):
            assert torch.equal(p, q)
        assert grouped[i].step == single.step == 30
