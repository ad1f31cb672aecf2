"""`toygan train` on ranks 1… of a torchrun job: train in step with rank 0, quietly.

Such a rank draws nothing and writes nothing: it joins the job, receives the state rank 0
starts from (a fresh run's or a resumed one's, with its config), trains the same chunks of
steps on its shard of each batch, and stops where rank 0 stops (commands/interrupt.agreed).
Rank 0 reports every error in its one line, so this one says nothing of bad input; it speaks
only when the job falls apart under it, or when its machine lacks the run's --data folder
(its one line names its rank).

Its signal handlers come after the state has arrived: until then a SIGTERM (torchrun ending
the job because rank 0 refused its options) ends it at once, as by default.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from toygan_tui.commands.interrupt import agreed, stop_on_signals
from toygan_tui.commands.terminal import say
from toygan_tui.core.errors import EXIT_BAD_INPUT, InputError, JobLost
from toygan_tui.core.problems.base import ReadsData
from toygan_tui.core.world import World


def follow(world: World, device_name: str) -> None:
    from toygan_tui.core.engines.data_parallel.collectives import join
    from toygan_tui.core.training.handover import receive_state
    from toygan_tui.core.training.loop import train

    try:
        state = receive_state(join(world, device_name), world)
    except InputError:
        sys.exit(EXIT_BAD_INPUT)  # rank 0 says why
    except JobLost as exc:
        _lost(world, exc)
    problem = state.problem
    if isinstance(problem, ReadsData):  # this machine's copy of the folder: it may lack one
        try:
            problem.prepare(note=lambda line: None, warn=lambda line: None)  # rank 0 speaks
        except InputError as exc:
            _lost(world, exc, EXIT_BAD_INPUT)
    with stop_on_signals(lambda: None, hangup_stops=True) as stop:
        try:
            for _ in train(state.cfg, state, should_stop=agreed(stop)):
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
