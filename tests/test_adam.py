"""AdamState keeps torch.optim.Adam's state in torch's own layout, without torch.optim: the same
state_dict both ways, so checkpoints keep their format; and `toygan train` and `sample` never
import torch._dynamo (torch's Optimizer does, on its first call: 1.4 s of start-up)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import torch
from clikit import imports_of

from toygan_tui.core.engines.adam import AdamState, adam_defaults, torch_adam


def params(seed: int = 0) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [
        torch.randn(4, 3, generator=gen).requires_grad_(),
        torch.randn(4, generator=gen).requires_grad_(),
    ]


def step(opt: torch.optim.Optimizer, ps: list[torch.Tensor], n: int = 3) -> None:
    for i in range(n):
        for p in ps:
            p.grad = torch.full_like(p, 0.1 * (i + 1)) + p.detach()
        opt.step()


def through_a_file(state_dict: dict[str, Any]) -> dict[str, Any]:
    """The state dict as a checkpoint gives it back: saved and loaded, no tensor shared."""
    buffer = io.BytesIO()
    torch.save(state_dict, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def assert_same_state_dict(mine: dict[str, Any], theirs: dict[str, Any]) -> None:
    """Equal structure, hyperparameters and tensors (values, dtypes and devices)."""
    assert mine["param_groups"] == theirs["param_groups"]
    assert mine["state"].keys() == theirs["state"].keys()
    for key, values in theirs["state"].items():
        assert mine["state"][key].keys() == values.keys()
        for name, want in values.items():
            got = mine["state"][key][name]
            assert (got.dtype, got.device, got.shape) == (want.dtype, want.device, want.shape)
            assert torch.equal(got, want), (key, name)


def test_a_fresh_state_dict_is_torchs() -> None:
    ps = params()
    torch_opt = torch.optim.Adam(ps, lr=3e-4)
    assert_same_state_dict(AdamState(ps, lr=3e-4).state_dict(), torch_opt.state_dict())
    # Every hyperparameter torch's Adam keeps, with its default (a newer torch adds some).
    assert AdamState(ps).param_groups[0].keys() == torch_opt.param_groups[0].keys()


def test_the_defaults_are_the_running_torchs_own() -> None:
    """Read from the signature, so torch 2.4 (no decoupled_weight_decay) gets its own keys."""
    assert adam_defaults() == torch.optim.Adam(params()).defaults

    class OldAdam:  # torch 2.4's Adam constructor, as far as the signature goes
        def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                     amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                     differentiable=False, fused=None) -> None: ...  # fmt: skip

    old = adam_defaults(OldAdam)
    assert "decoupled_weight_decay" not in old and old["lr"] == 1e-3 and len(old) == 10


def test_torch_adam_steps_the_state_itself_exactly_as_a_plain_torch_adam() -> None:
    mine_ps, their_ps = params(), params()
    adam = AdamState(mine_ps, lr=1e-2, weight_decay=0.1)
    plain = torch.optim.Adam(their_ps, lr=1e-2, weight_decay=0.1)
    step(torch_adam(adam), mine_ps)
    step(plain, their_ps)
    assert adam.state  # the steps landed in the AdamState, not in a copy
    assert_same_state_dict(adam.state_dict(), plain.state_dict())
    for mine, theirs in zip(mine_ps, their_ps, strict=True):
        assert torch.equal(mine, theirs)


def test_state_dicts_load_both_ways_and_training_goes_on_the_same() -> None:
    # A checkpoint written by a torch.optim.Adam (older toygan) loads into an AdamState, and
    # back: the next steps are bit-identical to the uninterrupted optimizer's.
    first_ps, second_ps, twin_ps = params(), params(), params()
    original = torch.optim.Adam(first_ps, lr=1e-2)
    step(original, first_ps)
    adam = AdamState(second_ps, lr=5.0)  # the saved lr wins, as in torch
    adam.load_state_dict(through_a_file(original.state_dict()))
    assert_same_state_dict(adam.state_dict(), original.state_dict())
    with torch.no_grad():
        for p, q in zip(second_ps, first_ps, strict=True):
            p.copy_(q)
    twin = torch.optim.Adam(twin_ps, lr=1.0)
    twin.load_state_dict(through_a_file(adam.state_dict()))
    with torch.no_grad():
        for p, q in zip(twin_ps, first_ps, strict=True):
            p.copy_(q)
    step(torch_adam(adam), second_ps, 2)
    step(original, first_ps, 2)
    step(twin, twin_ps, 2)
    for a, b, c in zip(second_ps, first_ps, twin_ps, strict=True):
        assert torch.equal(a, b) and torch.equal(b, c)
    assert_same_state_dict(adam.state_dict(), original.state_dict())


def test_a_state_dict_that_does_not_fit_is_refused_as_torch_refuses_it() -> None:
    saved = torch.optim.Adam(params()[:1]).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size"):
        AdamState(params()).load_state_dict(saved)
    with pytest.raises(TypeError, match="no option momentum"):
        AdamState(params(), momentum=0.9)


def modules_at_exit(*args: object) -> dict[str, bool]:
    """Run `toygan ARGS` in a fresh interpreter; which of torch, torch._dynamo it had loaded."""
    ran = imports_of(*args)
    assert ran.result.code == 0, ran.result.err
    return {name: name in ran.modules for name in ("torch", "torch._dynamo")}


@pytest.mark.slow  # four commands in fresh interpreters, each loading torch
def test_no_command_imports_torch_dynamo_unless_the_reference_engine_is_asked(
    tmp_path: Path,
) -> None:
    runs = tmp_path / "runs"
    train = ["train", "--runs-dir", runs, "--steps", 60, "--report-every", 20, "--save-every", 30]
    assert modules_at_exit(*train, "--no-live") == {"torch": True, "torch._dynamo": False}
    ckpt = runs / "last.pt"
    assert modules_at_exit("sample", "--ckpt", ckpt) == {"torch": True, "torch._dynamo": False}
    # (runs, watch, plot and replay load no torch at all: test_layering, test_watch...)
    # A resumed run loads the optimizers' state, and may switch engine: still no dynamo...
    resumed = ["train", "--resume", runs, "--steps", 90, "--no-live"]
    assert modules_at_exit(*resumed)["torch._dynamo"] is False
    # ...unless the user asks for the reference engine, which steps with torch.optim.Adam
    # (this also shows the check above can see the import).
    again = ["train", "--resume", runs, "--steps", 100, "--engine", "reference", "--no-live"]
    assert modules_at_exit(*again)["torch._dynamo"] is True


def test_the_checkpoint_keeps_torchs_optimizer_format(tmp_path: Path) -> None:
    # The fast engine's checkpoint loads into torch's own Adam, which continues the run.
    from toygan_tui.core.config import TrainConfig
    from toygan_tui.core.nets.build import make_generator
    from toygan_tui.core.training.checkpoint import read_checkpoint
    from toygan_tui.core.training.trainers import run_trainer

    trainer = run_trainer(TrainConfig(steps=30, device="cpu", report_every=30), tmp_path, "t")
    list(trainer.reports())
    data = read_checkpoint(tmp_path / "t" / "ckpt.pt")
    G = make_generator(TrainConfig())
    G.load_state_dict(data["G"])
    opt = torch.optim.Adam(G.parameters())
    opt.load_state_dict(data["opt_G"])
    assert_same_state_dict(opt.state_dict(), trainer.members[0].state.opt_G.state_dict())
    assert {float(s["step"]) for s in opt.state_dict()["state"].values()} == {30.0}
