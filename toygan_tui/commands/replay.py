"""`toygan replay`: a run's dashboard again, report by report, from the files it stored.

The frames file gives G's curves at each report, metrics.jsonl the numbers and the history;
the frame is the one `train` and `watch` draw (ui/dashboard.render), with the learning rates in
force and, at the first report after them, what the keys changed (events.jsonl); `m` and `a`
(or --manifold and --arrows, for --out) draw G's manifold and the arrows where the run stored
them. Read-only and torch-free,
like `watch`: it works on finished, interrupted and running runs (at the end of a running run
it follows new reports), and on runs from before the frames file (numbers and history only,
said in the header). Without a terminal it prints the plain lines; `--out` writes a recording
(.cast, asciinema v2), one frame (.svg), or G's samples animated report by report (.gif,
every `--every`-th report) instead.
"""

from __future__ import annotations

import importlib.util
import math
import time
from pathlib import Path

from rich.console import Console
from rich.live import Live

from toygan_tui.commands.watch import MIN_INTERVAL_S
from toygan_tui.core.errors import UsageError
from toygan_tui.core.runfiles.runinfo import find_run
from toygan_tui.core.runfiles.sweeps import run_or_member
from toygan_tui.core.runfiles.tape import Tape
from toygan_tui.ui.dashboard import Dashboard, render
from toygan_tui.ui.export import asciicast, svg
from toygan_tui.ui.format import events_note, plain_line
from toygan_tui.ui.history import History
from toygan_tui.ui.keybar import WithKeyBar, key_bar
from toygan_tui.ui.live import fit_to_screen, wants_live
from toygan_tui.ui.overlays import NO_LAYERS, Layers
from toygan_tui.ui.terminal.keys import Keys, key_names
from toygan_tui.ui.terminal.player import QUIT, Player
from toygan_tui.ui.terminal.viewkeys import bar_entries, drawings_of, toggle

KEYS = (
    ("←/→", "report"), ("PgUp/PgDn", "tenth"), ("Home/End", "ends"),
    ("space", "play"), ("+/-", "speed"), ("q", "quit"),
)  # fmt: skip
SPARE_KEYS = ("Home/End", "PgUp/PgDn")  # left off the key bar first where it is too narrow
FORMATS = (".cast", ".svg", ".gif")
SIZES = {"--width": (20, 1000), "--height": (6, 500)}
# A history chart is a few hundred braille dots wide: a long run's history is drawn from at
# most this many rows, so a frame of a 1M-step run costs what one of a 50k-step run does.
HISTORY_ROWS = 1000


def run_replay(
    *,
    run: Path | None,
    runs_dir: Path,
    out: Path | None,
    step: int | None,
    fps: float,
    width: int,
    height: int,
    member: int | None = None,
    manifold: bool = False,
    arrows: bool = False,
    every: int = 1,
) -> None:
    _check_options(out, step, fps, width, height)
    if every < 1:
        raise UsageError(f"--every must be a whole number of reports ≥ 1, got {every}")
    tape = Tape(run_or_member(find_run(run, runs_dir), member), member)
    if not len(tape) and (out is not None or tape.info.ended or not wants_live(Console())):
        raise UsageError(f"run {tape.info.run_id} has no reports yet: nothing to replay")
    start = tape.index_at(step) if step is not None else None
    layers = Layers(manifold=manifold, arrows=arrows)
    if out is not None and out.suffix == ".gif":
        _animate(tape, out, start or 0, every, fps)
    elif out is not None:
        _export(tape, out, start, (fps, width, height), layers)
    elif wants_live(console := Console()):
        player = Player(len(tape), start or 0, fps, playing=start is None)
        _replay_live(tape, console, player, layers)
    else:
        for i in range(start or 0, len(tape)):
            print(plain_line(tape.snapshot(i, {})), flush=True)


def _check_options(out: Path | None, step: int | None, fps: float, width: int, height: int):
    if not (math.isfinite(fps) and fps > 0):
        raise UsageError(f"--fps must be a positive number of reports per second, got {fps}")
    if step is not None and step < 0:
        raise UsageError(f"--step must be 0 or more, got {step}")
    for flag, value in (("--width", width), ("--height", height)):
        low, high = SIZES[flag]
        if not low <= value <= high:
            raise UsageError(f"{flag} must be between {low} and {high}, got {value}")
    if out is not None and out.suffix not in FORMATS:
        raise UsageError(
            f"--out {out}: give a .cast (a recording), an .svg (one frame) or a .gif (G's "
            f"samples over the run) file"
        )


def frame_at(tape: Tape, i: int, extra: dict[str, str], layers: Layers = NO_LAYERS) -> Dashboard:
    """The dashboard as it stood at report i: that report, and the history up to it."""
    history = History()
    rows = tape.rows[: i + 1]
    stride = math.ceil(len(rows) / HISTORY_ROWS)
    for row in rows[::-stride][::-1]:  # every stride-th row back from this one, which is in
        history.add_row(row)
    where = {"replay": f"{i + 1}/{len(tape)}", **extra}
    changed = events_note(tape.events_before(i))
    if changed:  # what the keys did since the report before: shown with the first one after
        where["keys"] = changed
    return render(tape.snapshot(i, where), history, layers=layers)


def _export(
    tape: Tape, out: Path, start: int | None, size: tuple[float, int, int], layers: Layers
) -> None:
    run_id, (fps, width, height) = tape.info.run_id, size
    if out.suffix == ".svg":
        i = len(tape) - 1 if start is None else start
        step = tape.rows[i]["step"]
        text = svg(frame_at(tape, i, {}, layers), width, height, f"toygan {run_id} step {step}")
    else:
        frames = (frame_at(tape, i, {}, layers) for i in range(start or 0, len(tape)))
        lines = asciicast(frames, width, height, fps, f"toygan replay {run_id}")
        text = "".join(line + "\n" for line in lines)
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out}")


def _animate(tape: Tape, out: Path, start: int, every: int, fps: float) -> None:
    """G's fixed-noise samples at every `every`-th report from `start` (and the last), as a GIF."""
    if importlib.util.find_spec("PIL") is None:
        raise UsageError('--out FILE.gif needs Pillow: pip install "toygan[images]"')
    from toygan_tui.core.problems import get_problem
    from toygan_tui.ui.animation import frame, write_gif

    if not tape.has_frames:
        raise UsageError(f"run {tape.info.run_id} stored no frames (an older toygan's run)")
    problem = get_problem(tape.info.problem)
    picked = list(range(start, len(tape), every))
    if picked[-1] != len(tape) - 1:
        picked.append(len(tape) - 1)  # the run as it ends
    try:
        count = write_gif((frame(problem, tape.snapshot(i, {})) for i in picked), out, fps)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {out}: {count} frames, steps {tape.rows[picked[0]]['step']} to "
          f"{tape.rows[picked[-1]]['step']}")  # fmt: skip


def _replay_live(tape: Tape, console: Console, player: Player, layers: Layers) -> None:
    """The dashboard at the player's report, redrawn when it moves, the run grows, a drawing
    is toggled or the terminal is resized; `q` or Ctrl-C leaves."""
    shown: tuple[object, ...] | None = None
    offered = drawings_of(tape.info.problem)
    bar = key_bar((*KEYS[:-1], *bar_entries(offered), KEYS[-1]), spare=SPARE_KEYS)
    polled = time.monotonic()
    with Keys() as keys, Live(console=console, auto_refresh=False, transient=False) as live:
        while True:
            now = time.monotonic()
            if now - polled >= MIN_INTERVAL_S:
                polled = now
                if tape.poll():
                    player.grown(len(tape))
            wait = min(player.tick(now), MIN_INTERVAL_S)
            state = (player.position, player.playing, player.fps, len(tape), tape.info.status)
            if state + (layers, console.size) != shown:
                frame = (
                    frame_at(tape, player.position, _state(player, tape), layers)
                    if len(tape)
                    else render(None, History())  # a run still starting: its first report comes
                )
                live.update(fit_to_screen(WithKeyBar(frame, bar)), refresh=True)
                shown = state + (layers, console.size)
            for key in key_names(keys.wait(wait)):
                toggled = toggle(layers, key, offered)
                if toggled is not None:
                    layers = toggled
                elif player.press(key) == QUIT:
                    return


def _state(player: Player, tape: Tape) -> dict[str, str]:
    """The header's word on the player: playing at what speed, paused, or at the end."""
    if player.at_end and tape.info.ended:
        where = f"end ({tape.info.status})"
    elif player.at_end:
        where = f"following ({tape.info.status})"
    else:
        where = f"▶ {player.fps:g} reports/s" if player.playing else "⏸ paused"
    return {"play": where}
