"""The replay's player and the key names it reads: pure state, checked key by key."""

from __future__ import annotations

import math

import pytest

from toygan_tui.ui.terminal.keys import key_names
from toygan_tui.ui.terminal.player import QUIT, Player


def test_arrows_pages_and_ends_move_within_the_tape() -> None:
    player = Player(100, position=50, playing=False)
    expected = {"right": 51, "left": 50, "pgdn": 60, "pgup": 50, "end": 99, "home": 0}
    for key, position in expected.items():
        player.press(key)
        assert player.position == position, key
    player.press("left")  # already at the first: stays
    assert player.position == 0
    player.press("end")
    player.press("pgdn")
    assert player.position == 99


def test_playing_moves_one_report_per_frame_time_and_stops_at_the_end() -> None:
    player = Player(3, fps=10)
    assert player.tick(0.0) == pytest.approx(0.1)  # the first report gets its time too
    assert player.position == 0
    player.tick(0.1)
    assert player.position == 1
    player.tick(0.15)
    assert player.position == 1  # not yet
    player.tick(0.2)
    assert player.position == 2 and player.tick(0.3) == math.inf  # at the end: nothing to wait for


def test_an_arrow_steps_one_report_and_pauses_there_even_after_playing_to_the_end() -> None:
    player = Player(5, position=4, playing=True)  # played to the end of a finished run
    player.press("left")
    assert player.position == 3 and not player.playing
    assert player.tick(10.0) == math.inf and player.position == 3  # it stays to be looked at
    player.press(" ")
    player.press("pgup")  # a page keeps playing
    assert player.playing


def test_space_pauses_and_at_the_end_plays_again_from_the_start() -> None:
    player = Player(5, position=1, playing=True)
    player.press(" ")
    assert not player.playing and player.position == 1
    player.press(" ")
    assert player.playing and player.position == 1
    player.go(4)  # played to the end: still "playing", with nothing left to play
    player.press(" ")  # one press plays again from the start
    assert player.playing and player.position == 0
    paused_at_end = Player(5, position=4, playing=False)
    paused_at_end.press(" ")
    assert paused_at_end.playing and paused_at_end.position == 0


def test_speed_walks_the_ladder_and_q_quits() -> None:
    player = Player(5, fps=10)
    player.press("+")
    assert player.fps == 20
    for _ in range(9):
        player.press("-")
    assert player.fps == 1
    assert player.press("q") == QUIT and player.press("x") is None


def test_a_growing_tape_is_followed_only_from_its_end() -> None:
    at_end, behind = Player(10, position=9), Player(10, position=3)
    for player in (at_end, behind):
        player.grown(15)
    assert (at_end.position, behind.position) == (14, 3)
    behind.grown(2)  # trimmed by a resumed run: still on the tape
    assert behind.position == 1


def test_key_names_read_special_keys_and_drop_unknown_sequences() -> None:
    typed = "a\x1b[D\x1b[C\x1b[5~\x1b[6~\x1b[H\x1bOF \x1b[1;5Cq"
    assert key_names(typed) == ["a", "left", "right", "pgup", "pgdn", "home", "end", " ", "q"]
    assert key_names("\x1b") == [] and key_names("") == []
