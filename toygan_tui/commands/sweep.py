"""`toygan sweep`: many runs trained together (the grid of options × the seeds), shown as one
table that fills in as they train, safe to interrupt and to resume, like `train`.

Exit codes as train's: 0 finished, 1 the final checkpoints could not be written, 2 bad input,
130 Ctrl-C, 143 SIGTERM (every member's checkpoint saved first).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, cast

from rich.console import Console

from toygan_tui.commands.interrupt import StopRequest, stop_on_signals
from toygan_tui.commands.terminal import SafeStream, hang_up, say, terminal_fds
from toygan_tui.core.errors import InputError, SaveFailed, UsageError
from toygan_tui.core.runfiles.sweepreport import SweepReport, table_json
from toygan_tui.core.sweep.grid import (
    Member,
    grid_of,
    members,
    parse_seeds,
    set_label,
    sweep_defaults,
)

if TYPE_CHECKING:
    from toygan_tui.core.sweep.plan import SweepPlan
    from toygan_tui.core.sweep.session import SweepSession

FORMATS = ("table", "json")
EXIT_FAILED = 1


def run_sweep(
    lists: dict[str, list[Any]], typed: set[str], own: dict[str, Any], child: list[str] | None
) -> None:
    """`lists` holds each typed option of the table as its list of values, `typed` the names of
    every option the user typed, `own` the sweep's own options (seeds, runs_dir, name, live,
    fmt, resume); `child`: --detach's command line for the background sweep (None: in the
    foreground)."""
    fmt, resume = own["fmt"], own["resume"]
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if resume is not None:
        if set(lists) - set(RESUMABLE) or "seeds" in typed:
            raise UsageError("a resumed sweep keeps its seeds and grid; give only --steps, "
                             "--device, --report-every or --save-every")  # fmt: skip
        from toygan_tui.commands.sweep_resume import resumed_plan

        plan, path = resumed_plan(resume, {k: v[0] for k, v in lists.items()})
        if plan is None:
            return
    else:
        plan = fresh_plan(lists, parse_seeds(own["seeds"]), typed)
        _check_device(plan.first.cfg.device)
        from toygan_tui.core.runfiles.sweeps import claim_sweep_dir

        path = claim_sweep_dir(own["runs_dir"], own["name"])
        plan.write_config(path, plan.first.cfg.device)  # a sweep from now on, for every reader
        if child is not None:
            child = [*child, "--name", path.name]
    if child is not None:
        return _detach(plan, path, child, 0 if resume is None else _saved_step(path))
    _sweep(plan, path, resume is not None, own["live"], fmt)


# What a resumed sweep may be given again: options that cannot change the members' numbers.
RESUMABLE = ("steps", "device", "report_every", "save_every")


def _saved_step(path: Path) -> int:
    from toygan_tui.core.sweep.saver import read_saved

    return int(read_saved(path).get("step", 0))


def _detach(plan: SweepPlan, path: Path, child: list[str], step: int) -> None:
    from toygan_tui.commands.detach import LOG_FILE, note_start, spawn

    pid = spawn([*child, "--no-live"], path / LOG_FILE, verb="sweep")
    cfg = plan.first.cfg
    note_start(path, pid, step, cfg.steps, cfg.device)
    print(f"sweep {path.name} started in the background (pid {pid})")
    print(f"  directory: {path}  (its output: {path / LOG_FILE})")
    print(f"  watch it:  toygan watch {path}")


def fresh_plan(lists: dict[str, list[Any]], seeds: list[int], typed: set[str]) -> SweepPlan:
    from toygan_tui.core.sweep.plan import SweepPlan

    grid, single = grid_of(lists, seeds)
    found: list[Member] = members(grid, {**sweep_defaults(), **single}, typed - {"seeds"})
    labels = [set_label(options) for options in grid.sets]
    return SweepPlan(found, labels, {**grid.spec(), "fixed": _plain(single)})


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if isinstance(v, (int, float, str, bool))}


def _check_device(device: str) -> None:
    if device not in ("auto", "cpu"):
        from toygan_tui.core.training.state import resolve_device  # torch: cuda / mps only

        resolve_device(device)


def _sweep(plan: SweepPlan, path: Path, resumed: bool, live: bool | None, fmt: str) -> None:
    from toygan_tui.ui.live import wants_live

    out = sys.stdout if fmt == "table" else sys.stderr  # json: stdout holds the JSON alone
    console = Console(file=cast(TextIO, SafeStream(out)))
    ttys = terminal_fds()

    def stop_drawing() -> None:  # SIGHUP: the terminal is gone, the training is not
        if out.fileno() in ttys:  # output to a file or a pipe goes on
            console.quiet = True
        hang_up(ttys)

    show = wants_live(console) if live is None else live
    holder: list[SweepSession] = []
    last: SweepReport | None = None
    with stop_on_signals(on_hangup=stop_drawing) as stop:
        try:
            last = _present(_reports(plan, path, resumed, stop, holder), console, show, path.name)
        except KeyboardInterrupt:
            _aborted(holder, path, stop)
        except SaveFailed as exc:
            _exit(f"toygan: error: {exc}", EXIT_FAILED)
    if not holder:
        if not resumed:
            abandon(path)
        _exit(f"toygan: stopped by {stop.name} while starting; nothing was saved", stop.exit_code)
    session = holder[0]
    _final(last, fmt, console)
    if stop() and session.step < session.steps:
        _exit(
            f"toygan: stopped by {stop.name} at step {session.step}/{session.steps}; "
            f"every member's checkpoint saved in {path}\n"
            f"resume with: toygan sweep --resume {path}",
            stop.exit_code,
        )
    done = f"sweep {path.name} done at step {session.step}/{session.steps}: {len(plan.members)}"
    print(f"{done} members in {path}", file=sys.stderr if fmt == "json" else sys.stdout)


def _reports(
    plan: SweepPlan, path: Path, resumed: bool, stop: StopRequest, holder: list
) -> Iterator[SweepReport]:
    """Import torch, build the session, then train (nothing is built if stopped meanwhile)."""
    importlib.import_module("toygan_tui.core.sweep.session")
    if stop():
        return
    from toygan_tui.core.sweep.session import SweepSession

    try:
        session = SweepSession(plan, path, resume=resumed)
    except InputError:  # e.g. an unwritable disk: a fresh sweep leaves no empty directory
        if not resumed:
            abandon(path)
        raise
    holder.append(session)
    yield from session.snapshots(
        stop, on_warning=lambda message: say(f"toygan: warning: {message}")
    )


def _present(
    reports: Iterator[SweepReport], console: Console, live: bool, sweep_id: str
) -> SweepReport | None:
    from toygan_tui.ui.sweep_view import plain_lines

    if not live:
        console.out(f"sweep {sweep_id}: starting", highlight=False)
        last = None
        for last in reports:
            for line in plain_lines(last):
                console.out(line, highlight=False)
        return last
    return _live(reports, console, sweep_id)


def _live(reports: Iterator[SweepReport], console: Console, sweep_id: str) -> SweepReport | None:
    from rich.live import Live

    from toygan_tui.ui.live import Pacer, clock, fit_to_screen
    from toygan_tui.ui.sweep_view import SweepView

    pacer, last = Pacer(4.0), None
    with Live(fit_to_screen(SweepView(None, sweep_id)), console=console, auto_refresh=False,
              transient=True) as screen:  # fmt: skip
        for last in reports:
            started = clock()
            if pacer.due(started):
                screen.update(fit_to_screen(SweepView(last)), refresh=True)
                pacer.drawn(started, clock())
    return last


def _final(last: SweepReport | None, fmt: str, console: Console) -> None:
    """The table once, as it stands at the end (or the JSON of it)."""
    if last is None:
        return
    if fmt == "json":
        print(json.dumps(table_json(last), indent=2))
        return
    from toygan_tui.ui.sweep_view import SweepView, progress_line

    console.print(progress_line(last), soft_wrap=False, overflow="ellipsis", no_wrap=True)
    console.print(SweepView(last, final=True))


def _aborted(holder: list, path: Path, stop: StopRequest) -> NoReturn:
    if not holder:
        _exit(f"toygan: aborted by a second {stop.name} while starting; nothing was saved",
              stop.exit_code)  # fmt: skip
    session = holder[0]
    _exit(
        f"toygan: aborted by a second {stop.name}; the last good checkpoints are in {path} "
        f"(step {session.saver.saved_step})\nresume with: toygan sweep --resume {path}",
        stop.exit_code,
    )


def abandon(path: Path) -> None:
    """A fresh sweep that never trained leaves nothing: its config.json and its directory go
    (if nothing else was written in it)."""
    with contextlib.suppress(OSError):
        (path / "config.json").unlink(missing_ok=True)
        path.rmdir()


def _exit(message: str, code: int) -> NoReturn:
    say(message)
    sys.exit(code)
