"""Where a replay is and where the keys take it: pure state, no terminal, no clock of its own.

← → one report (and pause there: stepping is for looking), PgUp/PgDn a tenth of the run,
Home/End, space play/pause, + and - the speed (reports per second, along a ladder), q leaves.
At the last report of a running run the player stays at the end, so new reports show as they
come.
"""

from __future__ import annotations

import math

from toygan_tui.ui.terminal.keys import FASTER_KEYS, PAUSE_KEYS, QUIT_KEYS, SLOWER_KEYS

FPS_LADDER = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0)  # reports per second
QUIT = "quit"


class Player:
    def __init__(self, count: int, position: int = 0, fps: float = 10.0, playing: bool = True):
        self.count = count  # reports on the tape
        self.position = min(max(position, 0), max(count - 1, 0))
        self.fps = fps
        self.playing = playing
        self.next_at = -math.inf  # when playing moves on by one report (-inf: count from now)

    @property
    def at_end(self) -> bool:
        return self.position >= self.count - 1

    def press(self, key: str) -> str | None:
        """Act on one key (a name from ui/terminal/keys.key_names); QUIT to leave."""
        tenth = max(1, self.count // 10)
        moves = {"left": -1, "right": 1, "pgup": -tenth, "pgdn": tenth}
        if key in QUIT_KEYS:
            return QUIT
        if key in moves:
            self.go(self.position + moves[key])
            # One report at a time means looking at each: playing on would carry the view
            # past it (at the end of a finished run straight back to the last report).
            self.playing = self.playing and key not in ("left", "right")
        elif key == "home":
            self.go(0)
        elif key == "end":
            self.go(self.count - 1)
        elif key in PAUSE_KEYS:
            if self.at_end:  # played to the end (or sent there): play again from the start
                self.go(0)
                self.playing = True
            else:
                self.playing = not self.playing
            self.next_at = -math.inf
        elif key in FASTER_KEYS:
            self.fps = min((f for f in FPS_LADDER if f > self.fps), default=self.fps)
        elif key in SLOWER_KEYS:
            self.fps = max((f for f in FPS_LADDER if f < self.fps), default=self.fps)
        return None

    def go(self, position: int) -> None:
        self.position = min(max(position, 0), max(self.count - 1, 0))

    def grown(self, count: int) -> None:
        """The tape now holds `count` reports: at the end before, at the end still (follow)."""
        following = self.at_end
        self.count = count
        if following:
            self.go(count - 1)
        else:
            self.go(self.position)  # a shorter tape (a resumed run trimmed it): stay on it

    def tick(self, now: float) -> float:
        """Move on while playing; return how long until the next move (inf when none)."""
        if not self.playing or self.at_end:
            return math.inf
        if self.next_at == -math.inf:  # just started: this report gets its full time too
            self.next_at = now + 1.0 / self.fps
        elif now >= self.next_at:
            self.go(self.position + 1)
            self.next_at = now + 1.0 / self.fps
        return max(self.next_at - now, 0.0)
