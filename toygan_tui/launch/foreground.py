"""One start, interrupt and exit path for `train` and `sweep` (a run is a sweep of one): the
trainer's reports shown live (with the keys) or as plain lines, safe to interrupt.

Exit codes, the same for both: 0 finished (also: a resumed run already finished), 1 diverged,
a final checkpoint that could not be written, or a torchrun job that lost a process; 2 bad
input; 130 Ctrl-C (or q), 143 SIGTERM, 129 SIGHUP under torchrun: the checkpoints are saved
first, and the line says how to resume. A second Ctrl-C aborts at once: the last good
checkpoint stays, since every write is atomic.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn, TextIO, cast

from rich.console import Console

from toygan_tui.core.errors import Diverged, JobLost, SaveFailed
from toygan_tui.launch.start import Start
from toygan_tui.launch.torchrun import agreed
from toygan_tui.ui.live import present, wants_live
from toygan_tui.ui.terminal.controls import Controls, keys_for
from toygan_tui.ui.terminal.signals import StopRequest, stop_on_signals
from toygan_tui.ui.terminal.tty import SafeStream, hang_up, say, terminal_fds

EXIT_FAILED = 1


def run_in_foreground(
    start: Start, live: bool | None, speed: float | None = None, out: TextIO | None = None
) -> Any:
    """Train `start` here, shown on `out` (stdout); return the last report. A stop, an abort
    or a failure ends the process with its exit code and one line saying why."""
    out = out or sys.stdout
    console = Console(file=cast(TextIO, SafeStream(out)))
    ttys = terminal_fds()

    def stop_drawing() -> None:  # SIGHUP: the terminal is gone, the training is not
        if _fd(out) in ttys:  # output to a file or a pipe goes on
            console.quiet = True
        hang_up(ttys)

    show = wants_live(console) if live is None else live
    alone = start.world is None  # a torchrun job's rank 0 has no keys: a pause would stall it
    last = None
    # Keys outside the signal handlers: theirs (SIGTERM: checkpoint, then 143) come first.
    with keys_for(show and alone) as keys, stop_on_signals(stop_drawing, not alone) as stop:
        controls = Controls(keys, stop, start.status, speed)
        try:
            # torch loads in the stream: the first frame comes first
            reports = start.reports(
                stop if alone else agreed(stop),
                on_warning=warn,
                on_begin=controls.begin,
                ahead=controls.full_speed,
            )
            last = present(
                reports, console, live=show, steering=start.steering(controls),
                starting=start.starting, screen=start.screen(),
            )  # fmt: skip
        except KeyboardInterrupt:
            _aborted(start, stop)
        except (Diverged, SaveFailed, JobLost) as exc:
            _exit(f"toygan: error: {exc}", EXIT_FAILED)
    _ended(start, stop, last, console)
    return last


def _ended(start: Start, stop: StopRequest, last: Any, console: Console) -> None:
    """Say how the training ended: stopped while starting, stopped, or done."""
    trainer = start.trainer
    if trainer is None:  # stopped while torch loaded: nothing was built
        _exit(f"toygan: stopped by {stop.name} while starting; nothing was saved", stop.exit_code)
    start.finish(last, console)
    if stop() and trainer.step < trainer.steps:
        _exit(
            f"toygan: stopped by {stop.name} at step {trainer.step}/{trainer.steps}; "
            f"{start.saved_where()}\nresume with: {start.resume_command()}",
            stop.exit_code,
        )
    # soft_wrap: one line in a log, whatever the width
    console.print(start.done_line(), markup=False, highlight=False, soft_wrap=True)


def warn(message: str) -> None:
    say(f"toygan: warning: {message}")


def _aborted(start: Start, stop: StopRequest) -> NoReturn:
    if start.trainer is None:
        start.abandon()
        _exit(
            f"toygan: aborted by a second {stop.name} while starting; nothing was saved",
            stop.exit_code,
        )
    _exit(
        f"toygan: aborted by a second {stop.name}; {start.last_good()}\n"
        f"resume with: {start.resume_command()}",
        stop.exit_code,
    )


def _exit(message: str, code: int) -> NoReturn:
    say(message)
    sys.exit(code)


def _fd(stream: TextIO) -> int:
    try:
        return stream.fileno()
    except (OSError, ValueError, AttributeError):  # a stream with no file (a test's capture)
        return -1
