"""Channels-last on a CPU (core/nets/build.py: placed): a DCGAN's convolutions train in NHWC
memory there, which changes where the numbers sit, not what they are; a checkpoint written in
the other layout (by an older toygan) restores into it."""

from __future__ import annotations

from pathlib import Path

import torch

from toygan_tui.core.config import resolve
from toygan_tui.core.engines.autograd.reference import ReferenceEngine
from toygan_tui.core.nets.build import CONVOLUTIONS
from toygan_tui.core.training.checkpoint import (
    load_generator,
    restore_state,
    state_to_dict,
)
from toygan_tui.core.training.state import TrainState, new_state

CPU = torch.device("cpu")
CHANNELS_LAST = torch.channels_last


def digits_state(**options: object) -> TrainState:
    # Digits: the smallest DCGAN there is (16×16, one channel); EMA so G's copy is seen too.
    typed = {"problem": "digits", "batch_size": 16, "ema": 0.9, **options}
    return new_state(resolve(typed, set(typed)), CPU)


def conv_weights(net: torch.nn.Module) -> list[torch.Tensor]:
    return [m.weight for m in net.modules() if isinstance(m, CONVOLUTIONS)]


def test_a_dcgan_run_on_the_cpu_keeps_every_convolution_channels_last() -> None:
    state = digits_state()
    assert state.g_ema is not None
    for net in (state.G, state.D, state.g_ema):
        weights = conv_weights(net)
        assert all(w.is_contiguous(memory_format=CHANNELS_LAST) for w in weights)
        # (a weight with one channel is both; the others are NHWC only)
        assert any(not w.is_contiguous() for w in weights)


def test_an_mlp_run_is_left_in_torchs_layout() -> None:
    state = new_state(resolve({"problem": "ring"}, set()), CPU)
    assert all(p.is_contiguous() for p in [*state.G.parameters(), *state.D.parameters()])


def test_channels_last_trains_the_same_numbers_as_the_default_layout() -> None:
    """Two runs from one seed, one moved back to torch's default layout: after a few steps the
    weights agree to float rounding (a layout bug, a transposed kernel say, would not)."""
    last, default = digits_state(), digits_state()
    for net in (default.G, default.D):
        net.to(memory_format=torch.contiguous_format)
    assert conv_weights(default.G)[0].is_contiguous()
    for state in (last, default):
        ReferenceEngine(state).run(3)
    for a, b in zip(last.G.parameters(), default.G.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)
    z = torch.randn(8, last.problem.noise_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(last.G(z), default.G(z), rtol=1e-4, atol=1e-5)


def _older_checkpoint(tmp_path: Path) -> tuple[Path, TrainState]:
    """A checkpoint as a toygan before channels-last wrote it: every tensor contiguous."""
    state = digits_state()
    ReferenceEngine(state).run(2)

    def contiguous(value: object) -> object:
        if isinstance(value, torch.Tensor):
            return value.contiguous()
        if isinstance(value, dict):
            return {k: contiguous(v) for k, v in value.items()}
        if isinstance(value, list):
            return [contiguous(v) for v in value]
        return value

    path = tmp_path / "ckpt.pt"
    torch.save(contiguous(state_to_dict(state)), path)
    return path, state


def test_an_older_contiguous_checkpoint_restores_channels_last_with_its_values(
    tmp_path: Path,
) -> None:
    path, saved = _older_checkpoint(tmp_path)
    state = restore_state(path, saved.cfg, CPU)
    for w in conv_weights(state.G) + conv_weights(state.D):
        assert w.is_contiguous(memory_format=CHANNELS_LAST)
    for opt, kept in ((state.opt_G, saved.opt_G), (state.opt_D, saved.opt_D)):
        for param, old in zip(opt.params, kept.params, strict=True):
            for name in ("exp_avg", "exp_avg_sq"):
                moment = opt.state[param][name]
                assert moment.stride() == param.stride()  # the moments follow their weights
                assert torch.equal(moment, kept.state[old][name])
    for a, b in zip(state.G.parameters(), saved.G.parameters(), strict=True):
        assert torch.equal(a, b)


def test_sample_draws_the_images_the_run_drew(tmp_path: Path) -> None:
    """`toygan sample`'s G is laid out as the run's was, so it draws the same pixels exactly."""
    path, saved = _older_checkpoint(tmp_path)
    G, _, _, _ = load_generator(path, raw=True)
    assert conv_weights(G)[0].is_contiguous(memory_format=CHANNELS_LAST)
    z = torch.randn(8, saved.problem.noise_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(G(z), saved.G(z))
