"""GAN Lab's drawings and keys, without a terminal: G's manifold and the arrows over the points
and curves views (with and without colour), the learning rates in the header, and the keys
that toggle the drawings, take one update of a player and halve or double a learning rate."""

from __future__ import annotations

import numpy as np
import pytest
from rich.cells import cell_len
from snapshots import draw, make_snapshot, visible
from test_controls import FakeKeys, hold

from toygan_tui.core.runfiles.events import Event, Request
from toygan_tui.core.runfiles.snapshot import Diagnosis
from toygan_tui.ui.dashboard import render
from toygan_tui.ui.format import events_note, learning_rate
from toygan_tui.ui.history import History
from toygan_tui.ui.i18n import _, use
from toygan_tui.ui.overlays import (
    HEADS,
    LONGEST,
    Layers,
    arrows_overlay,
    manifold_overlay,
)
from toygan_tui.ui.scatter import PointsChart
from toygan_tui.ui.screens import RunScreen
from toygan_tui.ui.terminal.controls import KEYS, LAB_KEYS, Controls
from toygan_tui.ui.terminal.signals import StopRequest
from toygan_tui.ui.terminal.viewkeys import BAR

BOX = ((-3.0, 3.0), (-3.0, 3.0))
RNG = np.random.default_rng(0)
REAL = RNG.normal(size=(100, 2))
FAKE = 0.3 * RNG.normal(size=(40, 2)) + [1.5, 0.0]
GRID = np.stack(np.meshgrid(np.linspace(-2, 2, 20), np.linspace(-2, 2, 20)), axis=-1)
PUSH = np.tile([[-1.0, 0.0]], (8, 1))  # every arrow pushes its sample left


def heads(text: str) -> str:
    return "".join(ch for ch in text if ch in HEADS)


def test_the_manifold_is_lines_between_neighbours_shaded_by_density() -> None:
    # A grid in dots with its left half squeezed: the same share of noise in half the area.
    xs = np.concatenate([np.linspace(0, 10, 10), np.linspace(12, 60, 10)])
    grid = np.stack(np.meshgrid(xs, np.linspace(0, 60, 20)), axis=-1)
    over = manifold_overlay(grid, rows=16, cols=31)
    assert over.codes[-1, :].all() and over.codes[:, 0].all()  # the bottom and left lines
    dense, sparse = over.shade[:, :5], over.shade[:, 8:]
    assert dense[dense >= 0].min() > sparse[sparse >= 0].max()
    one = manifold_overlay(GRID[:1] * 5 + 12, rows=16, cols=31)  # 1-D noise: a single curve
    assert (one.codes.any(axis=1)).sum() == 1


@pytest.mark.parametrize(("push", "head"), [((1, 0), "→"), ((1, 1), "↗"), ((0, 1), "↑"),
                                            ((-1, 1), "↖"), ((-1, 0), "←"), ((-1, -1), "↙"),
                                            ((0, -1), "↓"), ((1, -1), "↘")])  # fmt: skip
def test_an_arrow_ends_in_the_head_of_its_direction(push: tuple[int, int], head: str) -> None:
    over = arrows_overlay(np.array([[30.0, 30.0]]), np.array([push], float), np.ones(1), 16, 31)
    assert heads("".join(over.glyphs.ravel())) == head


def test_arrows_are_as_long_as_their_gradient_and_vanishing_ones_shrink() -> None:
    starts = np.array([[4.0, 8.0], [4.0, 24.0], [4.0, 40.0]])  # rows 13, 9 and 5 of 16
    pushes = np.tile([[1.0, 0.0]], (3, 1))

    def head_columns(magnitude: list[float]) -> list[int]:
        over = arrows_overlay(starts, pushes, np.array(magnitude), 16, 40)
        return [int(np.flatnonzero(over.glyphs[row] != "")[0]) for row in (13, 9, 5)]

    # The longest LONGEST dots (2 a column), the others as √ of their share: ½ for ¼.
    assert head_columns([1.0, 0.25, 0.0]) == [(4 + LONGEST) // 2, (4 + LONGEST // 2) // 2, 2]
    assert head_columns([1e-4, 0.25e-4, 0.0]) == [2, 2, 2]  # all vanishing: heads alone


def chart(**layers: bool) -> PointsChart:
    return PointsChart(REAL, FAKE, BOX, np.zeros((4, 4)), manifold=GRID, arrows=PUSH,
                       layers=Layers(**layers))  # fmt: skip


@pytest.mark.parametrize("color", [True, False])
def test_the_points_view_draws_what_the_layers_ask_with_and_without_colour(color: bool) -> None:
    def seen(**layers: bool) -> str:
        system = "truecolor" if color else None
        return "\n".join(visible(draw(chart(**layers), 90, 30, color_system=system)))

    plain, manifold, arrows = seen(), seen(manifold=True), seen(arrows=True)
    assert "manifold" in manifold and "manifold" not in plain
    assert braille(manifold) > braille(plain) + 40  # the grid's lines
    assert "−∇ G's loss (longest 1)" in arrows
    assert heads(arrows).count("←") >= 4 and not heads(plain)  # left, where they push
    assert heads(seen(manifold=True, arrows=True)) == heads(arrows)


def braille(text: str) -> int:
    return sum(0x2800 < ord(ch) <= 0x28FF for ch in text)


def test_the_curves_view_draws_arrows_up_and_down_on_its_first_curves() -> None:
    snap = make_snapshot(arrows=np.tile(np.r_[np.ones(7), -np.ones(8)], (3, 1)))
    plain = "\n".join(visible(draw(render(snap, History()), 100, 30)))
    shown = "\n".join(visible(draw(render(snap, History(), layers=Layers(arrows=True)), 100, 30)))
    assert "↕ −∇ G's loss" in shown and "∇" not in plain
    more = {h: heads(shown).count(h) - heads(plain).count(h) for h in HEADS}  # the numbers'
    assert more["↑"] >= 10 and more["↓"] >= 10 and sum(more.values()) == more["↑"] + more["↓"]


def test_the_header_says_the_learning_rates_in_force() -> None:
    snap = make_snapshot(lr={"G": 1e-4, "D": 5e-5})
    assert "lr D 5e-5 G 1e-4" in visible(draw(render(snap, History()), 100, 30))[0]
    assert [learning_rate(v) for v in (1e-4, 2.5e-5, 6e-4, 0.25, 1e-8)] == [
        "1e-4", "2.5e-5", "6e-4", "0.25", "1e-8",
    ]  # fmt: skip
    events = [Event(40, "update", "D", 1e-4), Event(40, "update", "D", 1e-4),
              Event(40, "lr", "G", 2e-4), Event(40, "update", "G", 2e-4)]  # fmt: skip
    assert events_note(events) == "D update ×2, G update, lr G 2e-4"


class Reading(FakeKeys):
    fd = 0  # as a terminal being read: the frame has a key bar


def lab(typed: dict[float, str], lab: bool = True) -> Controls:
    keys = Reading(typed)
    return Controls(keys, StopRequest(), lambda: None, clock=keys.clock, lab=lab)  # type: ignore[arg-type]


def bar(c: Controls, snap: object) -> str:
    return [line for line in visible(draw(c.frame(RunScreen(), snap), 120, 40)) if line][-1]


def test_m_and_a_toggle_the_drawings_the_view_has() -> None:
    c = lab({0.0: "ma"})
    hold(c, 50)  # the curves view: arrows, but no manifold
    assert c.layers == Layers(arrows=True)
    ring = make_snapshot(problem="ring", samples=FAKE, x=np.empty(0))
    c = lab({0.0: "m"})
    c.hold(ring, lambda force: None)
    assert c.layers == Layers(manifold=True)
    assert bar(c, ring).endswith("m manifold  a arrows")
    assert "m manifold" not in bar(c, make_snapshot()) and "a arrows" in bar(c, make_snapshot())


def test_d_pauses_and_asks_for_an_update_and_brackets_ask_for_new_rates() -> None:
    c = lab({0.0: "d"})
    hold(c, 50)  # running: `d` pauses, and the hold lets the trainer take the update at once
    assert c.paused and c.requests() == [Request("update", "D")] and c.requests() == []
    c = lab({0.0: "[}g"})
    c.paused = True
    hold(c, 50)
    assert c.requests() == [Request("lr", "D", 0.5), Request("lr", "G", 2.0),
                            Request("update", "G")]  # fmt: skip
    assert "d/g update  []{} lr D G" in bar(c, make_snapshot())


def test_a_sweep_s_keys_take_no_update_and_no_rate() -> None:
    c = lab({0.0: "dg[]{}", 1.0: " "}, lab=False)
    hold(c, 50)
    assert c.requests() == [] and not c.paused
    assert "update" not in bar(c, make_snapshot())


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_lab_s_frame_fits_80_by_24_with_every_key_in_its_bar(lang: str) -> None:
    """The ring paused with both drawings on: the header keeps the rates beside the diagnosis'
    line, the legend names both drawings, and the bar lists every key (one space apart)."""
    use(lang)
    c = lab({0.0: "ma"})
    ring = make_snapshot(
        problem="ring", samples=FAKE, x=np.empty(0), manifold=GRID, arrows=PUSH,
        lr={"G": 1e-4, "D": 2e-4}, extra={"speed": "max", "status": "PAUSED"},
        diagnosis=Diagnosis("learning", "too early to tell ({n} reports)", {"n": "3"}, "good"),
    )  # fmt: skip
    c.hold(ring, lambda force: None)
    drawn = visible(draw(c.frame(RunScreen(), ring), 80, 24))
    lines = drawn[:24]
    assert len(lines) == 24 and all(cell_len(line) <= 80 for line in lines)
    assert f"{_('lr')} D 2e-4 G 1e-4" in lines[0] and lines[2].startswith(_("learning"))
    legend = lines[3].rstrip()  # in short words at 80: both drawings named, none cut
    assert f"⠉⠒ {_('manifold')}" in legend and legend.endswith("↗ " + _("−∇ G's loss"))
    bar = lines[-1]
    assert "…" not in bar
    for key, what in (*KEYS, *LAB_KEYS, *BAR.values()):
        assert f"{key} {_(what)}" in bar


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_at_80_columns_the_legends_name_the_drawings_in_short_words(lang: str) -> None:
    """A dashboard's picture is ~46 cells wide at 80 columns: with the manifold and the arrows
    on, the legends take their short words and still say what the arrows are; where there is
    room, the full words."""
    from toygan_tui.ui.i18n import _ as say
    from toygan_tui.ui.i18n import use

    use(lang)
    try:
        ring = chart(manifold=True, arrows=True)
        narrow, wide = (visible(draw(ring.legend(True, w), w, 1))[0] for w in (46, 200))
        assert say("−∇ G's loss") in narrow and say("manifold") in narrow
        assert say("G's manifold") not in narrow and say("real points") not in narrow
        assert say("G's manifold") in wide and say("real points") in wide
        longest = say("−∇ G's loss (longest {value})").split("{")[0]  # its remark in brackets
        assert longest in wide and longest not in narrow
        curves = make_snapshot(arrows=np.tile(np.r_[np.ones(7), -np.ones(8)], (3, 1)))
        frame = render(curves, History(), layers=Layers(arrows=True))
        legend = next(line for line in visible(draw(frame, 80, 24)) if "↕" in line)
        assert legend.rstrip().endswith("↕ " + say("−∇ G's loss"))
    finally:
        use("en")
