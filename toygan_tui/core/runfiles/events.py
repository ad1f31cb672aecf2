"""runs/<id>/events.jsonl: what the keys changed in a run while it trained (GAN Lab's step
buttons and live knobs), one JSON line each, in the order they were taken:

    {"step": 300, "action": "update", "player": "D", "lr": 0.0001}
    {"step": 300, "action": "lr", "player": "G", "lr": 0.0002}

"update" is one update of that player alone (its learning rate then), "lr" a new learning
rate for it. `step` is the training step the run stood at: an event at step s comes after the
report of step s and shapes the steps after it. The checkpoint counts the events its state
holds; a resumed run keeps that many lines and drops the rest (a killed run's last ones), as
metrics.jsonl drops its rows past the checkpoint. Appended only, like the metrics; readers
skip a torn or damaged line. Torch-free, for replay.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from toygan_tui.core.runfiles.atomic import append_whole, atomic_write

EVENTS_FILE = "events.jsonl"
PLAYERS = ("G", "D")
ACTIONS = ("update", "lr")


@dataclass(frozen=True)
class Request:
    """What a key asks of the training, taken between two chunks of steps: one update of a
    player, or its learning rate times `factor`."""

    action: str  # "update" or "lr"
    player: str  # "G" or "D"
    factor: float = 1.0


@dataclass(frozen=True)
class Event:
    """What the training did, as events.jsonl records it."""

    step: int
    action: str  # "update" or "lr"
    player: str  # "G" or "D"
    lr: float  # the player's learning rate from then on (an update's: the one it took)

    def line(self) -> str:
        return json.dumps(asdict(self))


def append_event(run_dir: Path, event: Event) -> None:
    """Append one event in one write (OSError if it cannot be written: then cut off again, as
    metrics' and frames' appends are)."""
    append_whole(Path(run_dir) / EVENTS_FILE, (event.line() + "\n").encode("utf-8"))


def parse_event(line: str) -> Event | None:
    """One line as an Event, or None for a torn or damaged line."""
    try:
        data: Any = json.loads(line)
        event = Event(int(data["step"]), data["action"], data["player"], float(data["lr"]))
    except (ValueError, KeyError, TypeError):
        return None
    sane = event.action in ACTIONS and event.player in PLAYERS and event.step >= 0
    return event if sane and math.isfinite(event.lr) and event.lr > 0 else None


def read_events(run_dir: Path) -> list[Event]:
    """Every whole event of a run, in order ([] for a run without any)."""
    try:
        text = (Path(run_dir) / EVENTS_FILE).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return [e for e in map(parse_event, text.splitlines()) if e is not None]


def trim_events(run_dir: Path, count: int) -> int:
    """Keep the first `count` events (those a resumed run's checkpoint holds); returns how many
    were dropped. A run with no events file keeps having none."""
    path = Path(run_dir) / EVENTS_FILE
    if not path.exists():
        return 0
    events = read_events(run_dir)
    kept = events[:count]
    text = path.read_text(encoding="utf-8", errors="replace")
    if len(kept) != len(events) or len(text.splitlines()) != len(kept) or not text.endswith("\n"):
        atomic_write(path, "".join(e.line() + "\n" for e in kept).encode())
    return len(events) - len(kept)


def learning_rates(
    events: list[Event], start: dict[str, float], before: int
) -> tuple[dict[str, float], list[Event]]:
    """The learning rates in force for the steps up to `before` (an event at step s shapes
    the steps after s), from `start` (the run's options), and the events that set them."""
    rates, taken = dict(start), [e for e in events if e.step < before]
    for event in taken:
        if event.action == "lr":
            rates[event.player] = event.lr
    return rates, taken
