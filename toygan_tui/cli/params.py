"""The options of `toygan train` and `toygan sweep`, built from the option table (core/config.py)
and never listed by hand: one Typer option per entry, with its help (core/option_help.py) and
its panel. `train` takes each option's value; `sweep` takes each as a comma list (one set of
members per value; the lockstep options one value only), read here with the value's own type.

Click's objects (Typer's) stay in this package: commands get plain values, lists and
argument strings.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from toygan_tui.core.config import OPTIONS, SWEEP_WIDE
from toygan_tui.core.errors import ConfigError
from toygan_tui.core.option_help import help_text
from toygan_tui.core.options import Entry
from toygan_tui.core.sweep_plan import split_list

F = TypeVar("F", bound=Callable[..., Any])
KW = inspect.Parameter.KEYWORD_ONLY
THIS_COMMAND = "This command"  # the help panel of a command's own options

# How each type of the table is read off the command line, and what a value that is not one
# is called (the words of train's own refusal, which Click writes).
READERS: dict[type, tuple[Callable[[str], Any], str]] = {
    int: (int, "integer"), float: (float, "float"), str: (str, "string"),
}  # fmt: skip


def parameter(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    return inspect.Parameter(name, KW, annotation=annotation, default=default)


def with_parameters(params: Sequence[inspect.Parameter]) -> Callable[[F], F]:
    """Give a command function the signature Typer reads its options from."""

    def decorate(func: F) -> F:
        func.__signature__ = inspect.Signature(list(params))  # type: ignore[attr-defined]
        func.__annotations__ = {p.name: p.annotation for p in params}
        return func

    return decorate


def context() -> inspect.Parameter:
    return parameter("ctx", typer.Context, inspect.Parameter.empty)


def train_parameters() -> list[inspect.Parameter]:
    """Every option of the table that is on the command line, as `train` takes it."""
    return [_train_option(e) for e in OPTIONS.values() if e.spec.flag]


def _train_option(entry: Entry) -> inspect.Parameter:
    kind: Any = Path | None if entry.spec.path else entry.type
    option = typer.Option(
        help=help_text(entry),
        show_default=not entry.spec.tuned,  # a problem's or loss's value, not the table's
        rich_help_panel=entry.spec.panel,
    )
    default = None if entry.spec.path else entry.default
    return parameter(entry.name, Annotated[kind, option], default)


def sweep_parameters() -> list[inspect.Parameter]:
    """The same options as `sweep` takes them: a comma list of values each (text, read by
    `grid_values`), except the seed, which --seeds gives as ranges."""
    return [_sweep_option(e) for e in OPTIONS.values() if e.spec.flag and e.name != "seed"]


def _sweep_option(entry: Entry) -> inspect.Parameter:
    if entry.name in SWEEP_WIDE:
        default = entry.spec.sweep_default or entry.default
        how = f"One value for every member (default {default})."
    else:
        how = "A comma list: one set of members per value."
    option = typer.Option(
        help=f"{help_text(entry)} {how}", show_default=False, rich_help_panel=entry.spec.panel
    )
    return parameter(entry.name, Annotated[str | None, option], None)


def _own_option(*flags: str, help: str) -> Any:
    return typer.Option(*flags, help=help, rich_help_panel=THIS_COMMAND)


RunsDir = Annotated[Path, _own_option("--runs-dir", help="Where runs are kept.")]
Detach = Annotated[
    bool, _own_option("--detach", help="Run in the background; follow it with `toygan watch`.")
]
Speed = Annotated[
    float | None,
    _own_option(help="Start capped at this many steps/s (+ and - change it when live)."),
]

Lang = Annotated[
    str | None,
    _own_option(help="en | zh: the language on screen (default: zh where LC_ALL or LANG starts "
                "with zh)."),
]  # fmt: skip

# train's and sweep's own options (not the table's), after the table's.
TRAIN_OWN = [
    parameter("runs_dir", RunsDir, Path("runs")),
    parameter("name", Annotated[str | None, _own_option(help="Run id (default: a timestamp).")],
              None),
    parameter("live", Annotated[bool | None, _own_option(
              "--live/--no-live", help="Live dashboard (default: on a terminal).")], None),
    parameter("detach", Detach, False),
    parameter("resume", Annotated[Path | None, _own_option(
              help="Continue a run: its directory, a checkpoint, or runs/last.pt.")], None),
    parameter("speed", Speed, None),
    parameter("lang", Lang, None),
]  # fmt: skip
SWEEP_OWN = [
    parameter("seeds", Annotated[str, _own_option(
              help="Seeds: a range and/or a list, e.g. 1-10, 1,3,5 or 1-3,7.")], "1"),
    parameter("runs_dir", RunsDir, Path("runs")),
    parameter("name", Annotated[str | None, _own_option(help="Sweep id (default: sweep-<n>).")],
              None),
    parameter("live", Annotated[bool | None, _own_option(
              "--live/--no-live", help="Live table (default: on a terminal).")], None),
    parameter("fmt", Annotated[str, _own_option(
              "--format", help="The table at the end: table | json.")], "table"),
    parameter("detach", Detach, False),
    parameter("resume", Annotated[Path | None, _own_option(
              help="Continue a sweep from its directory.")], None),
    parameter("speed", Speed, None),
]  # fmt: skip


def own(values: dict[str, Any]) -> dict[str, Any]:
    """A command's own options (not the option table's), by name."""
    return {k: v for k, v in values.items() if k not in OPTIONS}


def config_values(values: dict[str, Any]) -> dict[str, Any]:
    """The options of `train`'s values that are config fields, as the config holds them (a
    path absolute, as text; no path: "")."""
    out = {}
    for name, entry in OPTIONS.items():
        if name in values:
            value = values[name]
            if entry.spec.path:
                value = str(Path(value).resolve()) if value is not None else ""
            out[name] = value
    return out


def grid_values(values: dict[str, Any]) -> dict[str, list[Any]]:
    """`sweep`'s typed options: each comma list read with its option's type, a lockstep option
    refused with more than one value; a path made absolute."""
    lists: dict[str, list[Any]] = {}
    for name, text in values.items():
        entry = OPTIONS.get(name)
        if entry is None or text is None:
            continue
        items = split_list(entry.flag_name, text, _reader(entry))
        if len(items) > 1 and name in SWEEP_WIDE:
            raise ConfigError(
                f"{entry.flag_name} takes one value in a sweep (its members step together)"
            )
        lists[name] = items
    return lists


def _reader(entry: Entry) -> Callable[[str], Any]:
    """One value of a list as `train` reads it; its refusal as one line."""

    def read(item: str) -> Any:
        if entry.spec.path:
            return str(Path(item).resolve())
        convert, kind = READERS[entry.type]
        try:
            return convert(item)
        except ValueError:
            raise ConfigError(
                f"Invalid value for '{entry.flag_name}': {item!r} is not a valid {kind}."
            ) from None

    return read


def typed(ctx: typer.Context) -> set[str]:
    """The options the user typed, as opposed to defaults: a resumed run keeps its own."""
    return {name for name in ctx.params if _source(ctx, name) not in ("DEFAULT", "DEFAULT_MAP")}


def _source(ctx: typer.Context, name: str) -> str:
    source = ctx.get_parameter_source(name)
    return source.name if source is not None else "DEFAULT"


# Options the parent sets itself for a detached child (or that only make sense in the parent).
PARENT_ONLY = ("detach", "name", "live")


def child_args(command: Any, params: dict[str, Any], given: Collection[str]) -> list[str]:
    """The command line that gives `command` (a click command, as Typer builds it) the options
    the user typed again, minus the parent's own: any option, present or future."""
    args: list[str] = []
    positional: list[str] = []
    for param in command.params:
        value = params.get(param.name or "")
        if param.name in PARENT_ONLY or param.name not in given or value is None:
            continue
        values = list(value) if param.multiple or isinstance(value, (list, tuple)) else [value]
        if param.param_type_name != "option":
            positional += [str(v) for v in values]
        elif param.is_flag and param.secondary_opts:
            args.append(param.opts[0] if value else param.secondary_opts[0])
        elif param.is_flag:
            args += [param.opts[0]] if value else []
        else:
            for v in values:
                args += [param.opts[0], str(v)]
    return args + (["--", *positional] if positional else [])
