"""The diagnosis: one named state of a run and a short reason, read off its latest reports.

diverged · D is winning · mode collapse · converged · oscillating · stalled · learning.

Each state is one entry of STATES: its name, how to read it, its reasons (templates over the
values its rule found, marked for translation: the ui translates them) and its rule over a
window of the run's latest metrics rows (the loss's stats, the problem's measures). A rule
asks the loss and the problem what they declare (core/losses.py: Stat.sure, saturates;
core/problems/base.py: Measure.good, collapsed, scale), never their names. The first state
whose rule holds, in STATES' order, is the diagnosis; `learning` always holds.

Torch-free and pure: the trainer (status.json, the dashboard, the plain lines), `watch`,
`replay` and `toygan runs` compute it from the same rows, so they agree.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from toygan_tui.core.losses import Loss, saturates
from toygan_tui.core.runfiles.catalog import RunKind
from toygan_tui.core.runfiles.snapshot import Diagnosis
from toygan_tui.core.runfiles.trends import (
    Window,
    best,
    gains,
    mean,
    measured,
    numbers,
    reversals,
    written,
)
from toygan_tui.core.words import N_

WINDOW = 20  # the reports a diagnosis reads: the latest and the 19 before it
RECENT = 5  # a state of the run (not of one report) holds over at least this many
SWING = 0.2  # an oscillation's least swing: of a probability, or a charted measure / its scale
TURNS = 4  # ... and the turns within the window that make the run oscillate


Found = tuple[str, dict[str, str]]  # (which reason, its values)


@dataclass(frozen=True)
class State:
    name: str
    meaning: str  # how to read it, for the docs
    reasons: Mapping[str, str]  # the rule's reasons by the key it returns
    rule: Callable[[Window], Found | None]
    tone: str = ""


def diagnose(rows: Sequence[Mapping[str, Any]], kind: RunKind) -> Diagnosis:
    """The run's state from its latest rows (oldest first; only the last WINDOW are read)."""
    return judge(Window([numbers(row) for row in list(rows)[-WINDOW:]], kind))


def judge(window: Window) -> Diagnosis:
    """The first state whose rule holds over the window."""
    for state in STATES:
        found = state.rule(window)
        if found is not None:
            key, values = found
            return Diagnosis(state.name, state.reasons[key], values, state.tone)
    raise AssertionError("`learning` always holds")


# -- the rules ---------------------------------------------------------------------------------


def _diverged(w: Window) -> Found | None:
    """A loss stat of the latest report is not finite: the trainer has stopped the run."""
    if not w.rows:
        return None
    broken = [s.name for s in w.kind.loss.stats if not math.isfinite(w.series(s.name)[-1])]
    return ("", {"what": broken[0]}) if broken else None


def _d_wins(w: Window) -> Found | None:
    """D is sure of real and fake alike over the recent reports, and G's gradient fades there
    (a saturating loss: minimax). Under a loss whose G keeps its gradient, a sure D is no
    state of its own: it shows as collapse, oscillation or a stall."""
    marked = [s for s in w.kind.loss.stats if s.sure is not None]
    if len(w) < RECENT or not marked or not _saturates(w.kind.loss):
        return None
    means = {s: mean(w.series(s.name)[-RECENT:]) for s in marked}
    if not all(s.is_sure(value) for s, value in means.items()):
        return None
    return "", {"stats": ", ".join(f"{s.label} {written(v, 2)}" for s, v in means.items())}


def _saturates(loss: Loss) -> bool:
    """saturates(), read off the formula once per loss."""
    if loss.name not in SATURATES:
        SATURATES[loss.name] = saturates(loss)
    return SATURATES[loss.name]


SATURATES: dict[str, bool] = {}


def _collapse(w: Window) -> Found | None:
    """A measure of how much of the data G covers sits at its collapse level in every recent
    report, while G's samples are good where they are (another measure was good in one of
    them) or after it was higher within the window (it fell)."""
    if len(w) < RECENT:
        return None
    measures = w.kind.problem.measures
    for m in (m for m in measures if not math.isnan(m.collapsed)):
        values = w.measure(m)
        if not all(m.is_collapsed(v) for v in values[-RECENT:]):
            continue
        fell = not all(m.is_collapsed(v) for v in values if math.isfinite(v))
        good = any(o is not m and o.is_good(best(o, w.measure(o)[-RECENT:])) for o in measures)
        if fell or good:
            now = written(values[-1], m.decimals)
            return "", {"measure": m.name, "value": now, "target": m.target}
    return None


def _converged(w: Window) -> Found | None:
    """Every measure with a good level is at it in each of the recent reports."""
    leveled = [m for m in w.kind.problem.measures if m.has_level]
    if len(w) < RECENT or not leveled:
        return None
    if all(m.is_good(v) for m in leveled for v in w.measure(m)[-RECENT:]):
        return "", {"n": str(RECENT)}
    return None


def _oscillating(w: Window) -> Found | None:
    """D's probabilities, or a charted measure over its scale, turn round again and again by
    a whole swing within the window: D and G chase each other instead of settling."""
    scales = {m.name: m for m in w.kind.problem.measures}
    candidates = [(s.label, w.series(s.name)) for s in w.kind.loss.stats if s.unit]
    for name in w.kind.problem.charted:
        if name in scales:
            measure = scales[name]
            candidates.append((name, [v / measure.scale for v in w.measure(measure)]))
    for label, values in candidates:
        if reversals(values, SWING) >= TURNS:
            finite = [v for v in values if math.isfinite(v)]
            low, high = written(min(finite), 2), written(max(finite), 2)
            return "", {"series": label, "low": low, "high": high}
    return None


def _stalled(w: Window) -> Found | None:
    """A whole window of reports, and no measure's mean over its latter half is better than
    over its first half by more than noise (one for a count, else 2 %)."""
    if len(w) < WINDOW or gains(w) or not measured(w):
        return None
    return "", {"n": str(WINDOW // 2)}


def _learning(w: Window) -> Found:
    """None of the above: the first reports, or the measures moving (the one gaining most, in
    units of its noise, is quoted: the means of the window's two halves)."""
    if len(w) < RECENT:
        return "early", {"n": str(len(w))}
    gaining = gains(w)
    if not gaining:
        return "moving", {}
    _, m, before, after = max(gaining, key=lambda g: g[0])
    before_text, after_text = (written(v, m.decimals) for v in (before, after))
    return "", {"measure": m.name, "before": before_text, "now": after_text, "n": str(len(w))}


STATES: tuple[State, ...] = (
    State(
        N_("diverged"),
        "a loss is not finite: the run stopped at its last good checkpoint",
        {"": N_("{what} is not finite: lower the learning rates")},
        _diverged,
        "bad",
    ),
    State(
        N_("D is winning"),
        "D tells G's samples from real ones, and under this loss G's gradient fades there",
        {"": N_("{stats}: G's gradient fades; try --loss ns")},
        _d_wins,
        "bad",
    ),
    State(
        N_("mode collapse"),
        "G's samples crowd into a few of the data's modes",
        {"": N_("{measure} {value} of {target}: G draws few kinds of sample")},
        _collapse,
        "warn",
    ),
    State(
        N_("converged"),
        "every measure at its good level, and staying there",
        {"": N_("every measure good for {n} reports: you can stop")},
        _converged,
        "good",
    ),
    State(
        N_("oscillating"),
        "D and G chase each other round instead of settling",
        {"": N_("{series} swings {low}–{high}: try lower learning rates")},
        _oscillating,
        "warn",
    ),
    State(
        N_("stalled"),
        "no measure has improved for a while, short of its good level",
        {"": N_("no measure better in {n} reports than in the {n} before")},
        _stalled,
        "warn",
    ),
    State(
        N_("learning"),
        "none of the above: the measures are on their way",
        {
            "": N_("{measure} {before} → {now} on average over {n} reports"),
            "early": N_("too early to tell ({n} reports)"),
            "moving": N_("the measures are still moving"),
        },
        _learning,
    ),
)
STATE_NAMES = tuple(state.name for state in STATES)


class Recent:
    """A run's latest WINDOW rows as they come (each read into floats once), and the
    diagnosis they make."""

    def __init__(self, kind: RunKind | None, rows: Iterable[Mapping[str, Any]] = ()) -> None:
        self.kind = kind  # None: a run of a kind this toygan does not know: no diagnosis
        self.rows: deque[dict[str, float]] = deque(map(numbers, rows), maxlen=WINDOW)

    def extend(self, rows: Iterable[Mapping[str, Any]]) -> None:
        self.rows.extend(map(numbers, rows))

    def add(self, row: Mapping[str, Any]) -> Diagnosis | None:
        """Take the next row; the diagnosis with it."""
        self.rows.append(numbers(row))
        return self.diagnosis()

    def clear(self) -> None:
        self.rows.clear()

    def diagnosis(self) -> Diagnosis | None:
        """The diagnosis of the rows so far (None: no rows, or no kind)."""
        if self.kind is None or not self.rows:
            return None
        return judge(Window(list(self.rows), self.kind))
