"""Checkpoints: a TrainState as tensors and plain types, written atomically, loaded safely.

Loading never executes code from the file: torch.load(weights_only=True), then the structure
is validated before anything is built from it. Every way a file can be unusable (missing,
empty, truncated, foreign, a directory, another format version, another shape) becomes a
CheckpointError whose message is the one line the user sees.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch

from toygan_tui import __version__
from toygan_tui.core.config import ConfigError, TrainConfig, upgrade_v1
from toygan_tui.core.engines.adam import AdamState
from toygan_tui.core.errors import InputError
from toygan_tui.core.nets.build import lay_out_moments, make_generator, placed
from toygan_tui.core.training.state import TrainState, new_state

FORMAT = "toygan-checkpoint"
# 3: the EMA of G ("G_ema": its state dict, None without one) and the config's recipe and ema.
# 2: the config names its problem and loss (and the nets' depth, Adam's betas, n_critic, the
# penalty's weight). 1: the released curves + minimax format. 1 and 2 are still read: they
# have no EMA, and their configs read as recipe tutorial, ema 0 (config.upgrade_v1 for 1).
FORMAT_VERSION = 3
READABLE_VERSIONS = (1, 2, 3)

# The top-level entries every checkpoint of this format version has, with their types.
_LAYOUT: dict[str, type | tuple[type, ...]] = {
    "config": dict,
    "step": int,
    "G": dict,
    "D": dict,
    "opt_G": dict,
    "opt_D": dict,
    "rng": dict,
}


class CheckpointError(InputError):
    """A file is not a usable toygan checkpoint; the message is one line for the user."""


def state_to_dict(state: TrainState, run_id: str = "") -> dict[str, Any]:
    """Everything needed to continue the run exactly, as tensors and plain types."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "toygan_version": __version__,
        "torch_version": str(torch.__version__),  # TorchVersion is no plain type
        "run_id": run_id,
        "config": state.cfg.to_dict(),
        "step": state.step,
        "elapsed": state.elapsed,
        "events": state.events,  # how many lines of events.jsonl this state holds
        "G": state.G.state_dict(),
        "G_ema": None if state.g_ema is None else state.g_ema.state_dict(),
        "D": state.D.state_dict(),
        "opt_G": state.opt_G.state_dict(),
        "opt_D": state.opt_D.state_dict(),
        "rng": _rng_to_dict(state),
    }


def _rng_to_dict(state: TrainState) -> dict[str, Any]:
    # Every stream training draws from. The evaluation noise needs none: it is regenerated
    # from cfg.eval_seed; python's `random` and torch's global RNG are never used.
    rng: dict[str, Any] = {"device_type": state.device.type, "noise": state.noise_gen.get_state()}
    if state.data_rng is not None:
        _, keys, pos, has_gauss, gauss = state.data_rng.get_state(legacy=True)
        rng["data_numpy"] = {
            "keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "gauss": float(gauss),
        }
    if state.data_gen is not None:
        rng["data_torch"] = state.data_gen.get_state()
    return rng


def save_bytes(state: TrainState, run_id: str = "") -> bytes:
    """Serialise once; the caller may write the same bytes to several places."""
    buffer = io.BytesIO()
    torch.save(state_to_dict(state, run_id), buffer)
    return buffer.getvalue()


def read_checkpoint(path: Path) -> dict[str, Any]:
    """Load and validate a checkpoint file; CheckpointError with one line if it is not one."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"{path}: no such file")
    if path.is_dir():
        raise CheckpointError(f"{path}: is a directory, not a checkpoint file")
    if path.stat().st_size == 0:
        raise CheckpointError(f"{path}: the file is empty")
    try:
        with _weights_only_enforced():
            data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds for a foreign or truncated file
        raise CheckpointError(f"{path}: not a toygan checkpoint ({_first_line(exc)})") from None
    _validate(path, data)
    return data


@contextlib.contextmanager
def _weights_only_enforced() -> Iterator[None]:
    # TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 turns torch.load into a full unpickle, which runs code
    # from the file. torch 2.13 lets an explicit weights_only=True win, but that precedence is
    # torch's choice, not a promise to us: the variable is hidden for the duration of the load.
    saved = os.environ.pop("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = saved


def _validate(path: Path, data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a toygan checkpoint")
    version = data.get("format_version")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        *older, newest = map(str, READABLE_VERSIONS)
        readable = f"{', '.join(older)} and {newest}"
        raise CheckpointError(
            f"{path}: checkpoint format {version!r} is not supported "
            f"(this toygan reads formats {readable})"
        )
    for key, kind in _LAYOUT.items():
        if key not in data:
            raise CheckpointError(f"{path}: damaged checkpoint (no {key!r})")
        if not isinstance(data[key], kind) or isinstance(data[key], bool):
            raise CheckpointError(f"{path}: damaged checkpoint ({key!r} has the wrong type)")
    if data["step"] < 0:
        raise CheckpointError(f"{path}: damaged checkpoint (step {data['step']})")
    events = data.setdefault("events", 0)  # checkpoints from before the keys' events: none
    if not isinstance(events, int) or isinstance(events, bool) or events < 0:
        raise CheckpointError(f"{path}: damaged checkpoint (events {events!r})")
    if version >= 3 and "G_ema" not in data:
        raise CheckpointError(f"{path}: damaged checkpoint (no 'G_ema')")
    # Formats 1 and 2 kept no EMA: theirs reads as None, as a run without --ema writes it.
    if not isinstance(data.setdefault("G_ema", None), (dict, type(None))):
        raise CheckpointError(f"{path}: damaged checkpoint ('G_ema' has the wrong type)")
    for net in ("G", "D", "G_ema"):
        if not all(isinstance(v, torch.Tensor) for v in (data[net] or {}).values()):
            raise CheckpointError(f"{path}: damaged checkpoint ({net} holds non-tensors)")


def config_of(path: Path, data: dict[str, Any]) -> TrainConfig:
    """The run's config; a key this toygan does not know is refused, not dropped."""
    config = data["config"]
    try:
        if data["format_version"] == 1:
            config = upgrade_v1(config)
        return TrainConfig.from_dict(config)
    except (ConfigError, TypeError) as exc:
        raise CheckpointError(f"{path}: damaged checkpoint config ({exc})") from None


def load_generator(
    path: Path, raw: bool = False, data: dict[str, Any] | None = None
) -> tuple[torch.nn.Module, TrainConfig, int, bool]:
    """A generator (on the CPU, eval mode), its config, its step and whether it is the EMA of
    G: all `sample` needs. The EMA where the run kept one, else (or with raw=True) G itself.
    `data`: the checkpoint already read, when the caller has it."""
    data = read_checkpoint(path) if data is None else data
    cfg = config_of(path, data)
    net = "G" if raw or data["G_ema"] is None else "G_ema"
    G = placed(make_generator(cfg), torch.device("cpu"))  # as the run's reports drew
    try:
        G.load_state_dict(data[net])
    except (RuntimeError, KeyError, TypeError) as exc:
        raise CheckpointError(
            f"{path}: {net} does not fit its config ({_first_line(exc)})"
        ) from None
    return G.eval(), cfg, int(data["step"]), net == "G_ema"


def restore_state(
    path: Path, cfg: TrainConfig, device: torch.device, data: dict[str, Any] | None = None
) -> TrainState:
    """Rebuild the TrainState saved in `path` on `device`, to continue under `cfg`.

    `data` is the already-read checkpoint, when the caller has it (no second read).
    """
    data = read_checkpoint(path) if data is None else data
    state = new_state(cfg, device)
    try:
        state.G.load_state_dict(data["G"])
        state.D.load_state_dict(data["D"])
        _restore_ema(state, data["G_ema"])
        state.opt_G.load_state_dict(data["opt_G"])
        state.opt_D.load_state_dict(data["opt_D"])
        _check_moments(state.opt_G)
        _check_moments(state.opt_D)
        lay_out_moments(state.opt_G.state)
        lay_out_moments(state.opt_D.state)
        _restore_rng(state, data["rng"])
    except (RuntimeError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise CheckpointError(f"{path}: cannot restore ({_first_line(exc)})") from None
    state.step = int(data["step"])
    state.elapsed = float(data.get("elapsed", 0.0))
    state.events = data["events"]
    return state


def _restore_ema(state: TrainState, saved: dict[str, Any] | None) -> None:
    # The config's ema says whether the run keeps one; the file must agree.
    if state.g_ema is None:
        if saved is not None:
            raise ValueError("the checkpoint holds an EMA of G but its config has no --ema")
        return
    if saved is None:
        raise ValueError(f"--ema {state.cfg.ema} needs an EMA of G, and the checkpoint has none")
    state.g_ema.load_state_dict(saved)


def _check_moments(opt: AdamState) -> None:
    # load_state_dict checks the parameter count, not the shapes of Adam's moments; a wrong
    # shape would otherwise surface as a broadcasting error at the first step.
    for group in opt.param_groups:
        for p in group["params"]:
            for name, value in opt.state.get(p, {}).items():
                if name != "step" and getattr(value, "shape", p.shape) != p.shape:
                    raise ValueError(f"optimizer moment {name!r} does not fit its parameter")


def _restore_rng(state: TrainState, rng: dict[str, Any]) -> None:
    # A generator's state only fits a generator of the same device type; resumed elsewhere,
    # the torch streams restart from the seed (the numbers then differ, the run goes on).
    if rng["device_type"] == state.device.type:
        state.noise_gen.set_state(rng["noise"])
        if state.data_gen is not None:
            state.data_gen.set_state(rng["data_torch"])
    if state.data_rng is not None and "data_numpy" in rng:
        saved = rng["data_numpy"]
        keys = saved["keys"].numpy().astype(np.uint32)
        state.data_rng.set_state(
            ("MT19937", keys, saved["pos"], saved["has_gauss"], saved["gauss"])
        )


def params_finite(state: TrainState) -> bool:
    """Whether every parameter of G and D is finite (one host sync on a GPU)."""
    flags = [p.isfinite().all() for net in (state.G, state.D) for p in net.parameters()]
    return bool(torch.stack(flags).all())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
