"""`toygan sweep`'s grid options: any option of `toygan train` that is a field of TrainConfig,
given as a comma list, each value checked by train's own option type. New train options are
sweep options with no change here."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from typer import BadParameter

from toygan_tui.core.sweep.grid import SWEEP_WIDE, Grid, split_list
from toygan_tui.core.training.config import ConfigError, TrainConfig

OWN = ("seed", "steps", "device")  # the sweep's own options (--seeds takes ranges)


def grid_options(
    train: Any, args: Sequence[str], seeds: list[int], ctx: Any = None
) -> tuple[Grid, dict[str, Any]]:
    """(the grid: options with several values, and the seeds; the options with one value).
    `train` is train's command, whose option types check each value (in context `ctx`)."""
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    by_flag = {opt: p for p in train.params for opt in p.opts if p.name in fields}
    axes: dict[str, list[Any]] = {}
    fixed: dict[str, Any] = {}
    for flag, text in _pairs(args):
        param = by_flag.get(flag)
        if param is None or param.name in OWN:
            raise ConfigError(f"no such option: {flag} (see 'toygan sweep --help')")
        name = str(param.name)
        if name in axes or name in fixed:
            raise ConfigError(f"{flag} is given twice; give one comma list")
        values = split_list(flag, text, _converter(param, ctx))
        if len(values) > 1 and name in SWEEP_WIDE:
            raise ConfigError(f"{flag} takes one value in a sweep (its members step together)")
        if len(values) > 1:
            axes[name] = values
        else:
            fixed[name] = values[0]
    return Grid(axes, seeds), fixed


def _pairs(args: Sequence[str]) -> list[tuple[str, str]]:
    """['--loss', 'ns,minimax', '--lr-g=1e-4'] → [('--loss', 'ns,minimax'), ('--lr-g', '1e-4')]."""
    pairs, i = [], 0
    while i < len(args):
        token = args[i]
        if not token.startswith("--"):
            raise ConfigError(f"unexpected argument {token!r} (options take --name value)")
        if "=" in token:
            flag, text = token.split("=", 1)
            i += 1
        elif i + 1 < len(args):
            flag, text = token, args[i + 1]
            i += 2
        else:
            raise ConfigError(f"{token} needs a value")
        pairs.append((flag, text))
    return pairs


def _converter(param: Any, ctx: Any) -> Callable[[str], Any]:
    """One value of the list as train's option type reads it; its refusal as a ConfigError."""

    def convert(item: str) -> Any:
        try:
            return param.process_value(ctx, item)
        except BadParameter as exc:
            raise ConfigError(exc.format_message()) from None

    return convert
