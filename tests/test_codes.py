"""--codes K (core/nets/codes.py): InfoGAN's categorical code. The code is the largest of
the noise's first K inputs (uniform, drawn with the noise), G reads it one-hot, D's code head
is K more outputs, both players' losses gain Q's cross-entropy on G's images (checked against
a hand computation), the penalty and the losses read the logit alone, and a run with codes
resumes bit for bit. Refused for nets that take no code."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from clikit import metrics_rows, quick, toygan
from test_resume import assert_option_resumes_and_counts
from torch.nn import functional as F

from toygan_tui.core.config import FOLDER_READS, ConfigError, TrainConfig, resolve
from toygan_tui.core.engines.autograd.penalty import gradient_penalty
from toygan_tui.core.engines.autograd.step import Batch, Players, joint_step
from toygan_tui.core.losses import get_loss, torch_ops
from toygan_tui.core.nets import codes
from toygan_tui.core.nets.dcgan import discriminator, generator
from toygan_tui.core.problems import get_problem
from toygan_tui.core.training.evaluator import Evaluator

DIGITS = get_problem("digits")


def test_the_code_is_the_largest_of_the_first_k_inputs_and_each_code_as_likely() -> None:
    z = torch.randn(100_000, 100, generator=torch.Generator().manual_seed(0))
    code = codes.code_of(z, 10)
    assert torch.equal(code, z[:, :10].argmax(dim=1))
    shares = torch.bincount(code, minlength=10).float() / len(z)
    assert torch.allclose(shares, torch.full((10,), 0.1), atol=0.004)
    given = codes.with_code(z, 10)
    assert given.shape == z.shape and torch.equal(given[:, 10:], z[:, 10:])
    assert torch.equal(given[:, :10], F.one_hot(code, 10).float())
    assert codes.with_code(z, 0) is z


def test_a_fixed_code_swaps_the_largest_input_into_its_place() -> None:
    z = torch.randn(1_000, 100, generator=torch.Generator().manual_seed(4))
    drawn = codes.fixed(z, 3, 10)
    assert (codes.code_of(drawn, 10) == 3).all()
    assert torch.equal(drawn[:, 10:], z[:, 10:])
    assert torch.equal(drawn.sort(dim=1).values, z.sort(dim=1).values)  # the same values
    assert torch.equal(codes.fixed(drawn, 3, 10), drawn)


def test_codes_in_turn_give_row_i_the_code_i_mod_k_and_every_code_as_often() -> None:
    z = torch.randn(1_000, 100, generator=torch.Generator().manual_seed(5))
    turned = codes.in_turn(z, 10)
    assert torch.equal(codes.code_of(turned, 10), torch.arange(1_000) % 10)
    assert torch.equal(turned[:, 10:], z[:, 10:])
    assert codes.in_turn(z, 0) is z


def test_the_reports_fixed_noise_takes_the_codes_in_turn() -> None:
    cfg = resolve({"problem": "digits", "steps": 2}, set())
    assert cfg.codes == 10
    shown = Evaluator(cfg, torch.device("cpu")).z
    assert torch.equal(codes.code_of(shown, 10), torch.arange(len(shown)) % 10)
    # The same draw either way; with codes only the first K inputs of each row are reordered,
    # without them the draw is left as it is.
    plain = Evaluator(dataclasses.replace(cfg, codes=0), torch.device("cpu")).z
    assert torch.equal(shown, codes.in_turn(plain, 10))
    assert not torch.equal(shown, plain)


def nets(n_codes: int) -> tuple[torch.nn.Module, torch.nn.Module]:
    torch.manual_seed(0)
    return generator(DIGITS, 8, n_codes), discriminator(DIGITS, 8, False, n_codes)


def test_g_sees_only_the_code_of_the_first_k_inputs() -> None:
    z = torch.randn(4, 100, generator=torch.Generator().manual_seed(1))
    same_code = z.clone()
    same_code[:, :10] *= 2  # other values, the same largest one
    other_code = z.clone()
    other_code[:, :10] = -other_code[:, :10]  # the smallest becomes the largest
    G, _ = nets(10)
    assert torch.equal(G(z), G(same_code))
    assert not torch.allclose(G(z), G(other_code))
    plain, _ = nets(0)
    assert not torch.allclose(plain(z), plain(same_code))  # without codes the values count


def test_d_has_k_more_outputs_and_the_logit_comes_first() -> None:
    _, D = nets(10)
    images = torch.rand(5, 1, 16, 16) * 2 - 1
    out = D(images)
    assert out.shape == (5, 11)
    assert torch.equal(codes.logit(out), out[:, :1])
    assert nets(0)[1](images).shape == (5, 1)


def test_the_step_adds_the_codes_cross_entropy_to_both_players_losses() -> None:
    """With SGD at lr 1 a parameter moves by minus its gradient: compare with autograd on the
    losses written out by hand, InfoGAN's term included (Q learns on the fakes only)."""
    G, D = nets(10)
    G0, D0 = copy.deepcopy(G), copy.deepcopy(D)
    real = torch.from_numpy(DIGITS.real_batch(np.random.RandomState(0), 16)[0]).float()
    z = torch.randn(16, 100, generator=torch.Generator().manual_seed(2))
    ns, ops, code = get_loss("ns"), torch_ops(), codes.code_of(z, 10)

    fake = G0(z)
    out = D0(fake)
    g_hand = ns.g_loss(out[:, :1], ops) + F.cross_entropy(out[:, 1:], code)
    g_grads = torch.autograd.grad(g_hand, list(G0.parameters()))
    g_plain = torch.autograd.grad(ns.g_loss(D0(G0(z))[:, :1], ops), list(G0.parameters()))
    out_fake = D0(fake.detach())
    d_hand = ns.d_loss(D0(real)[:, :1], out_fake[:, :1], ops)
    d_hand = d_hand + F.cross_entropy(out_fake[:, 1:], code)
    d_grads = torch.autograd.grad(d_hand, list(D0.parameters()))

    sgd = [torch.optim.SGD(net.parameters(), lr=1.0) for net in (G, D)]
    joint_step(Players(G, D, *sgd), Batch(real, None, z, None), ns, 0.0, ops)
    for net, before, grads in ((G, G0, g_grads), (D, D0, d_grads)):
        for p, p0, grad in zip(net.parameters(), before.parameters(), grads, strict=True):
            assert torch.allclose(p0 - p, grad, atol=1e-6)
    moved = [p0 - p for p, p0 in zip(G.parameters(), G0.parameters(), strict=True)]
    assert not all(torch.allclose(m, g, atol=1e-6) for m, g in zip(moved, g_plain, strict=True))


def test_the_gradient_penalty_reads_the_logit_not_the_code_head() -> None:
    _, D = nets(10)
    x = torch.rand(6, 1, 16, 16, generator=torch.Generator().manual_seed(3))

    def penalty_of(column: slice) -> torch.Tensor:
        x_hat = x.clone().requires_grad_()
        (grad,) = torch.autograd.grad(D(x_hat)[:, column].sum(), x_hat)
        return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()

    assert torch.allclose(gradient_penalty(D, x), penalty_of(slice(0, 1)))
    assert not torch.allclose(penalty_of(slice(0, 11)), penalty_of(slice(0, 1)))


@pytest.mark.parametrize("problem", ["curves", "ring", "cond-curves"])
def test_codes_are_refused_for_nets_that_take_none(problem: str) -> None:
    with pytest.raises(ConfigError, match=f"--codes: --problem {problem}'s mlp nets take no code"):
        TrainConfig(problem=problem, codes=10)
    assert TrainConfig(problem=problem).codes == 0


@pytest.mark.parametrize("bad", [-1, 1.5, True, 1, 101])
def test_a_bad_codes_is_one_line(bad: object) -> None:
    with pytest.raises(ConfigError, match="--codes must be"):
        TrainConfig(problem="digits", depth=2, codes=bad)  # type: ignore[arg-type]


SMALL = ("--problem", "digits", "--batch-size", 16, "--hidden", 8, "--augment", 0)


@pytest.mark.slow
def test_a_run_with_codes_resumes_bit_for_bit_and_differs_from_one_without(
    tmp_path: Path,
) -> None:
    assert_option_resumes_and_counts(tmp_path / "runs", "--codes", 3, 0, *SMALL)


@pytest.mark.slow
def test_sample_draws_one_code_and_refuses_codes_the_run_lacks(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    for name, n_codes in (("coded", 3), ("plain", 0)):
        options = ("--name", name, "--steps", 4, "--report-every", 2, "--codes", n_codes)
        done = toygan(*quick(runs, *options, *SMALL))
        assert done.code == 0, done.err

    def images(*options: object) -> list[object]:
        result = toygan(
            "sample", "--ckpt", runs / "coded" / "ckpt.pt", "--format", "json", *options
        )
        assert result.code == 0, result.err
        return json.loads(result.out)["images"]  # type: ignore[no-any-return]

    assert images("--code", 2) != images("--code", 1)
    assert images("--code", 2) == images("--code", 2)
    # Without --code image i has code i mod 3: the first, code 0. One image at a time, since
    # G's BatchNorm makes each image depend on the batch it is drawn in.
    assert images("-n", 1) == images("-n", 1, "--code", 0) != images("-n", 1, "--code", 1)
    for ckpt, code, words in (
        ("plain", 1, "--code: the run has no codes (a run trained with --codes K has)"),
        ("coded", 3, "--code 3: the run has the codes 0 to 2"),
    ):
        result = toygan("sample", "--ckpt", runs / ckpt / "ckpt.pt", "--code", code)
        assert result.code == 2 and result.err.strip().endswith(words), result.err
        assert result.err.count("\n") == 1 and "Traceback" not in result.err


def test_a_sweep_member_with_codes_measures_as_train_does(tmp_path: Path) -> None:
    """Members with other codes get their own fixed noise (codes in turn), not a neighbour's."""
    runs, short = tmp_path / "runs", ("--steps", 4, "--report-every", 2, "--device", "cpu")
    swept = toygan("sweep", *short, "--runs-dir", runs, "--seeds", 1, "--codes", "0,3", *SMALL)
    assert swept.code == 0, swept.err
    alone = toygan(*quick(runs, "--name", "alone", *short, "--codes", 3, *SMALL))
    assert alone.code == 0, alone.err

    def rows(path: Path, member: int | None = None) -> list[dict[str, float]]:
        keep = ("step", "confident", "classes", "fd")
        return [{k: r[k] for k in keep} for r in metrics_rows(path, member)]

    theirs = rows(runs / "alone" / "metrics.jsonl")
    assert rows(runs / "sweep-1" / "metrics.jsonl", member=2) == theirs
    assert rows(runs / "sweep-1" / "metrics.jsonl", member=1) != theirs


@pytest.mark.parametrize("field", Evaluator.READS)
def test_runs_share_an_evaluator_only_when_every_field_it_reads_is_equal(field: str) -> None:
    """A sweep gives members one fixed noise batch per Evaluator.key: a field the Evaluator
    reads but the key left out would measure a member on a neighbour's noise or problem."""
    on_images = field in FOLDER_READS  # options of the folder problems alone
    start = {"problem": "images", "data": "/x"} if on_images else {"problem": "digits"}
    if field == "pack":  # the MLP problems' option (the heat grid's width): images refuse it
        start = {"problem": "ring"}
    base = resolve(start, set())
    other = {"problem": "cond-digits", "data": "/y", "image_size": 32, "loss": "hinge",
             "n_eval": 9, "n_show": 9, "eval_seed": 9, "codes": 3, "channels": 1,
             "fit": "pad", "background": "black", "classes": "a/b", "pack": 2}  # fmt: skip
    changed = resolve({**start, field: other[field]}, {field})
    assert Evaluator.key(changed) != Evaluator.key(base)
    assert Evaluator.key(dataclasses.replace(base, seed=9, lr_g=1e-3)) == Evaluator.key(base)
