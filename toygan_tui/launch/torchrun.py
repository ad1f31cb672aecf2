"""What a torchrun job adds to `toygan train`: ranks 1… follow rank 0, and every rank agrees on
a stop.

A follower draws nothing and writes nothing: it joins the job, receives the state rank 0 starts
from (a fresh run's or a resumed one's, with its config), trains the same chunks of steps on its
shard of each batch, and stops where rank 0 stops (`agreed`). Rank 0 reports every error in its
one line, so a follower says nothing of bad input; it speaks only when the job falls apart
under it, or when its machine lacks the run's --data folder (its one line names its rank).

A follower's signal handlers come after the state has arrived: until then a SIGTERM (torchrun
ending the job because rank 0 refused its options) ends it at once, as by default.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import NoReturn

from toygan_tui.core.errors import EXIT_BAD_INPUT, InputError, JobLost
from toygan_tui.core.problems.base import ReadsData
from toygan_tui.core.world import World
from toygan_tui.ui.terminal.signals import StopRequest, stop_on_signals
from toygan_tui.ui.terminal.tty import say


def agreed(request: StopRequest) -> Callable[[], bool]:
    """`request`, polled by every process of a torchrun job at the same step: all stop if any
    asked (a signal to one rank, or torchrun passing one on to all), at that same step, so the
    checkpoint is consistent. Each rank takes the agreed signal (130 or 143) as its own."""

    def poll() -> bool:
        from toygan_tui.core.engines.data_parallel.collectives import agree_stop, joined

        if not joined():  # rank 0 before the job has formed (torch still loading)
            return request()
        signum = agree_stop(request.signum or 0)
        if signum and request.signum is None:
            request.signum = signum
        return signum != 0

    return poll


def follow(world: World, device_name: str) -> None:
    """Rank 1…: train in step with rank 0, quietly."""
    from toygan_tui.core.engines.data_parallel.collectives import join
    from toygan_tui.core.training.handover import receive_state
    from toygan_tui.core.training.trainers import follower_trainer

    try:
        state = receive_state(join(world, device_name), world)
    except InputError:
        sys.exit(EXIT_BAD_INPUT)  # rank 0 says why
    except JobLost as exc:
        _lost(world, exc)
    if isinstance(state.problem, ReadsData):  # this machine's copy of the folder: it may lack one
        try:
            state.problem.prepare(note=lambda line: None, warn=lambda line: None)  # rank 0 speaks
        except InputError as exc:
            _lost(world, exc, EXIT_BAD_INPUT)
    with stop_on_signals(lambda: None, hangup_stops=True) as stop:
        try:
            for _ in follower_trainer(state).reports(should_stop=agreed(stop)):
                pass
        except KeyboardInterrupt:  # a second signal: abort, as rank 0 does
            sys.exit(stop.exit_code)
        except JobLost as exc:
            _lost(world, exc)
    if stop() and state.step < state.cfg.steps:
        sys.exit(stop.exit_code)


def _lost(world: World, exc: Exception, code: int = 1) -> NoReturn:
    say(f"toygan: error: rank {world.rank}: {exc}")
    sys.exit(code)
