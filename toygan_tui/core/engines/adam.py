"""Adam's state for one player, held in torch.optim.Adam's own layout but without torch.optim.

Why not a torch.optim.Adam: every method of torch's Optimizer (its constructor, state_dict,
load_state_dict, zero_grad, step) goes through torch's `_disable_dynamo`, whose first call
imports torch._dynamo: 1.4 s, as long as importing torch itself. The fast engines keep their
own flat moments and need an optimizer only as the container a checkpoint saves and loads.
AdamState is that container: `state_dict()` gives exactly what torch.optim.Adam.state_dict()
gives (tests/test_adam.py compares them), so checkpoints keep their format both ways.

The reference engine does step with torch.optim.Adam: `torch_adam()` makes one that works on
these very containers (its `param_groups` and `state` are AdamState's), so either engine
continues from where the other stopped. Only that engine pays for torch._dynamo.
"""

from __future__ import annotations

import inspect
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from collections.abc import Iterable


def adam_defaults(adam: type = torch.optim.Adam) -> dict[str, Any]:
    """The hyperparameters `adam`'s state_dict keeps in a param group besides "params", with
    its defaults: read from its constructor's signature, as the running torch has them (2.4 has
    no decoupled_weight_decay, for one). Reading a signature calls nothing: no torch._dynamo."""
    parameters = inspect.signature(adam).parameters.values()  # its constructor's
    return {p.name: p.default for p in parameters if p.default is not inspect.Parameter.empty}


DEFAULTS = adam_defaults()


class AdamState:
    """One param group and its per-parameter state ("step", "exp_avg", "exp_avg_sq"), as
    torch.optim.Adam keeps them: `param_groups` and `state` are the same structures."""

    def __init__(self, params: Iterable[torch.Tensor], **hyper: Any) -> None:
        unknown = set(hyper) - set(DEFAULTS)
        if unknown:
            raise TypeError(f"Adam has no option {', '.join(sorted(unknown))}")
        self.param_groups: list[dict[str, Any]] = [{**DEFAULTS, **hyper, "params": list(params)}]
        self.state: defaultdict[torch.Tensor, dict[str, torch.Tensor]] = defaultdict(dict)

    @property
    def params(self) -> list[torch.Tensor]:
        return [p for group in self.param_groups for p in group["params"]]

    def state_dict(self) -> dict[str, Any]:
        """torch.optim.Optimizer.state_dict(): parameters numbered in group order; the state's
        tensors are the live ones, not copies (torch.save copies them)."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: values for p, values in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, saved: dict[str, Any]) -> None:
        """torch.optim.Adam.load_state_dict(): the saved hyperparameters and state, on our
        parameters, with torch's checks and casts. Updated in place, so an optimizer made by
        torch_adam() sees the loaded values."""
        groups = saved["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        mine = [group["params"] for group in self.param_groups]
        if [len(g["params"]) for g in groups] != [len(params) for params in mine]:
            raise ValueError(
                "loaded state dict contains a parameter group "
                "that doesn't match the size of optimizer's group"
            )
        to_param = {
            i: (p, group)
            for group, params in zip(groups, mine, strict=True)
            for i, p in zip(group["params"], params, strict=True)
        }
        state: dict[Any, Any] = {}
        for key, values in saved["state"].items():
            if key in to_param:  # torch keeps state of unknown keys as it is, and so do we
                p, group = to_param[key]
                key, values = p, {k: _cast(k, v, p, group) for k, v in values.items()}
            state[key] = values
        self.param_groups[:] = [
            {**DEFAULTS, **group, "params": params}
            for group, params in zip(groups, mine, strict=True)
        ]
        self.state.clear()
        self.state.update(state)


def _cast(name: str, value: Any, param: torch.Tensor, group: dict[str, Any]) -> Any:
    """A saved state value as torch.optim.Adam loads it: moments take their parameter's dtype
    and device; "step" stays a float32 scalar, on the CPU unless capturable or fused."""
    on_device = group.get("capturable") or group.get("fused")
    if name == "step":
        if not isinstance(value, torch.Tensor):  # a number, from an old torch
            value = torch.tensor(float(value), dtype=torch.float32)
        return value.to(dtype=torch.float32, device=param.device) if on_device else value
    if isinstance(value, torch.Tensor):
        return value.to(dtype=param.dtype, device=param.device)
    return value


def torch_adam(adam: AdamState) -> torch.optim.Optimizer:
    """A torch.optim.Adam working on `adam`'s own param groups and state (not copies): its
    steps show in `adam` and in checkpoints. This is where torch._dynamo gets imported."""
    first = adam.param_groups[0]
    opt = torch.optim.Adam(first["params"], lr=first["lr"])
    for group in adam.param_groups:  # options a newer torch added keep its defaults
        for key, value in opt.defaults.items():
            group.setdefault(key, value)
    opt.param_groups = adam.param_groups
    opt.state = adam.state
    return opt


def fresh_state(group: dict[str, Any], p: torch.Tensor) -> dict[str, torch.Tensor]:
    """What torch.optim.Adam creates for a parameter on its first step (same dtypes/devices)."""
    on_device = group["capturable"] or group["fused"]
    step = (
        torch.zeros((), dtype=torch.float32, device=p.device)
        if on_device
        else torch.tensor(0.0, dtype=torch.float32)
    )
    return {
        "step": step,
        "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
        "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format),
    }


@torch.no_grad()
def adam_update(adam: AdamState, grads: list[torch.Tensor]) -> None:
    """One Adam update of `adam`'s parameters by `grads`, on its own state (moments and step
    counts, made as torch's Adam makes them on a first step): torch's fused kernel, which the
    fast engines run too, so no torch.optim (whose first step imports torch._dynamo, seconds).
    For one player's single update (core/engines/autograd/single.py)."""
    group = adam.param_groups[0]
    params = group["params"]
    for p in params:
        if "step" not in adam.state[p]:
            adam.state[p].update(fresh_state(group, p))
    count = float(adam.state[params[0]]["step"]) + 1
    steps = [torch.full((), count, device=p.device) for p in params]  # what the kernel reads
    beta1, beta2 = group["betas"]
    torch._fused_adam_(
        params, grads, [adam.state[p]["exp_avg"] for p in params],
        [adam.state[p]["exp_avg_sq"] for p in params], [], steps, lr=float(group["lr"]),
        beta1=beta1, beta2=beta2, weight_decay=group["weight_decay"], eps=group["eps"],
        amsgrad=False, maximize=False,
    )  # fmt: skip
    for p in params:
        adam.state[p]["step"].fill_(count)
