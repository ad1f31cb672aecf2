"""What a sweep looks like at one report: every member's measures, and per option set their
median and spread over the seeds and how many seeds reached the problem's good level.

The same report feeds the live table, the plain lines, status.json (for `watch`) and
`--format json`. Floats only; torch-free.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from toygan_tui.core.errors import InputError
from toygan_tui.core.problems import get_problem
from toygan_tui.core.problems.base import Measure
from toygan_tui.core.runfiles.snapshot import json_number


@dataclass(frozen=True)
class MemberResult:
    number: int  # the member's number (1, 2, ...), as --member takes it
    set_index: int  # its option set, the table's row
    seed: int
    quality: dict[str, float]  # the problem's measures on the fixed evaluation batch


@dataclass(frozen=True)
class SweepReport:
    sweep_id: str
    step: int
    total: int
    labels: list[str]  # each option set as its row names it
    problems: list[str]  # each option set's problem (its measures, its good levels)
    members: list[MemberResult]
    steps_per_s: float = math.nan  # the sweep's steps per second (each one steps every member)
    elapsed: float = 0.0
    engine: str = ""
    state: str = "running"  # or finished / interrupted / diverged / stalled (from the files)
    extra: dict[str, str] = field(default_factory=dict)  # what the keys set (speed, paused)

    @property
    def eta(self) -> float:
        if not self.steps_per_s > 0:
            return math.inf
        return (self.total - self.step) / self.steps_per_s


@dataclass(frozen=True)
class MeasureSummary:
    measure: Measure
    median: float
    low: float  # the spread: the lowest and highest value over the seeds
    high: float
    good: int  # seeds at the measure's good level
    n: int


@dataclass(frozen=True)
class SetSummary:
    label: str
    problem: str
    measures: list[MeasureSummary]
    strip: list[tuple[int, float, bool]] = field(default_factory=list)  # (seed, headline, good)

    @property
    def headline(self) -> MeasureSummary:
        return self.measures[0]


def summarize(report: SweepReport) -> list[SetSummary]:
    """One summary per option set, in the sets' order."""
    by_set: list[list[MemberResult]] = [[] for _ in report.labels]
    for member in report.members:
        by_set[member.set_index].append(member)
    return [
        _summary(label, problem, results)
        for label, problem, results in zip(report.labels, report.problems, by_set, strict=True)
    ]


def _summary(label: str, problem: str, results: list[MemberResult]) -> SetSummary:
    measures = get_problem(problem).measures
    summaries = []
    for measure in measures:
        values = _values(results, measure.name)
        finite = values[np.isfinite(values)]
        median, low, high = (
            (float(np.median(finite)), float(finite.min()), float(finite.max()))
            if finite.size
            else (math.nan, math.nan, math.nan)
        )
        good = sum(measure.is_good(float(v)) for v in values)
        summaries.append(MeasureSummary(measure, median, low, high, good, len(values)))
    head = measures[0]
    strip = [(r.seed, _get(r, head.name), head.is_good(_get(r, head.name))) for r in results]
    return SetSummary(label, problem, summaries, strip)


def medians(report: SweepReport) -> dict[str, float | None]:
    """Each measure's median over every member (finite values only; null where none is), as
    status.json's row: what `toygan runs` shows for a sweep."""
    names = dict.fromkeys(name for m in report.members for name in m.quality)
    out = {}
    for name in names:
        values = _values(report.members, name)
        finite = values[np.isfinite(values)]
        out[name] = float(np.median(finite)) if finite.size else None
    return out


def _values(results: list[MemberResult], name: str) -> np.ndarray:
    """One measure of each member (NaN where a member has none)."""
    return np.array([_get(r, name) for r in results], dtype=float)


def _get(result: MemberResult, name: str) -> float:
    return result.quality.get(name, math.nan)


def to_dict(report: SweepReport) -> dict[str, Any]:
    """The report as plain JSON (null for a non-finite number): status.json's `sweep` entry."""
    return {
        "sweep_id": report.sweep_id,
        "step": report.step,
        "total": report.total,
        "labels": report.labels,
        "problems": report.problems,
        "members": [
            [m.number, m.set_index, m.seed, {k: _json(v) for k, v in m.quality.items()}]
            for m in report.members
        ],
        "steps_per_s": _json(report.steps_per_s),
        "elapsed": _json(report.elapsed),
        "engine": report.engine,
    }


def from_dict(data: Any, state: str = "running") -> SweepReport | None:
    """The report status.json holds (None if it holds none, or a damaged one)."""
    try:
        members = [
            MemberResult(int(n), int(s), int(seed), {k: json_number(v) for k, v in q.items()})
            for n, s, seed, q in data["members"]
        ]
        report = SweepReport(
            sweep_id=str(data["sweep_id"]),
            step=int(data["step"]),
            total=int(data["total"]),
            labels=[str(label) for label in data["labels"]],
            problems=[str(p) for p in data["problems"]],
            members=members,
            steps_per_s=json_number(data.get("steps_per_s")),
            elapsed=json_number(data.get("elapsed")),
            engine=str(data.get("engine", "")),
            state=state,
        )
        for problem in report.problems:
            get_problem(problem)
        if any(not 0 <= m.set_index < len(report.labels) for m in members):
            return None
        return report
    except (KeyError, TypeError, ValueError, AttributeError, InputError):
        return None


def table_json(report: SweepReport) -> list[dict[str, Any]]:
    """The final table as `toygan sweep --format json` prints it: one object per option set."""
    return [
        {
            "set": summary.label,
            "problem": summary.problem,
            "seeds": [seed for seed, _, _ in summary.strip],
            "measures": {
                m.measure.name: {
                    "median": _json(m.median),
                    "min": _json(m.low),
                    "max": _json(m.high),
                    "good": m.good,
                    "n": m.n,
                    "good_level": m.measure.good,
                }
                for m in summary.measures
            },
        }
        for summary in summarize(report)
    ]


def _json(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def status_fields(report: SweepReport) -> dict[str, Any]:
    """What a sweep's status.json holds of its latest report: the members' medians (`toygan
    runs` shows them as the sweep's quality) and the whole table (`toygan watch` draws it)."""
    speed = report.steps_per_s
    return {
        "metrics": medians(report),
        "sweep": to_dict(report),
        "engine": report.engine,
        "steps_per_s": speed if math.isfinite(speed) else None,
    }
