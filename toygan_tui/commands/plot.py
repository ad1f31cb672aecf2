"""`toygan plot`: a run's training history as terminal charts, from its metrics.jsonl; given
several runs, their histories overlaid to compare them. A run that kept an EMA of G (--ema)
charts the EMA's measures (ema_in_bounds, ...) beside G's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from toygan_tui.core.errors import UsageError
from toygan_tui.core.runfiles.catalog import RunKind, run_kind
from toygan_tui.core.runfiles.rundir import METRICS_FILE, read_metrics
from toygan_tui.core.runfiles.runinfo import find_run, run_info
from toygan_tui.core.runfiles.snapshot import EMA_PREFIX
from toygan_tui.core.runfiles.sweeps import member_dir, member_rows, run_or_member


def run_plot(
    *, runs: list[Path], metrics: list[str], runs_dir: Path, member: int | None = None
) -> None:
    """RUNS: none (the newest run), one (its charts) or several (overlaid, one colour each).
    The charts are the first run's: its loss's stats and its problem's measures. With
    `member`, RUNS names one sweep and the charts are that member's."""
    from toygan_tui.ui.plots import RUN_COLORS, compare_view, history_view

    if len(runs) > len(RUN_COLORS):
        raise UsageError(f"plot compares at most {len(RUN_COLORS)} runs, got {len(runs)}")
    if member is not None:
        return _plot_member(runs, metrics, runs_dir, member)
    wanted: list[Path | None] = list(runs) or [None]  # None: the newest run
    paths = [_metrics_path(run, runs_dir) for run in wanted]
    for path in paths:
        run_or_member(path.parent, None)  # a sweep needs --member
    kind = _kind(paths[0])
    rows = _reports(paths[0])
    ema = has_ema(rows, kind)
    chosen = _chosen(kind, metrics, ema)
    if len(paths) == 1:
        view = history_view(rows, chosen, title=str(paths[0].parent), kind=kind, ema=ema)
    else:
        reports = dict(zip(_labels(paths), [rows, *map(_reports, paths[1:])], strict=True))
        view = compare_view(reports, chosen, kind, ema)
    Console().print(view)


def _plot_member(runs: list[Path], metrics: list[str], runs_dir: Path, member: int) -> None:
    from toygan_tui.ui.plots import history_view

    if len(runs) > 1:
        raise UsageError("--member picks a member of one sweep; give one sweep")
    path = find_run(runs[0] if runs else None, runs_dir)
    kind = _kind(member_dir(path, member) / METRICS_FILE)  # the member's own config.json
    rows = member_rows(path, member)
    if not rows:
        raise UsageError(f"{path} member {member}: no reports yet")
    ema = has_ema(rows, kind)
    title = f"{path} member {member}"
    Console().print(
        history_view(rows, _chosen(kind, metrics, ema), title=title, kind=kind, ema=ema)
    )


def _chosen(kind: RunKind, metrics: list[str], ema: bool) -> list[str]:
    keys = [k for k in kind.metric_keys if k != "step"] + (ema_keys(kind) if ema else [])
    unknown = [m for m in metrics if m not in keys]
    if unknown:
        raise UsageError(f"--metric {unknown[0]!r} is not a metric; choose from {', '.join(keys)}")
    return metrics or default_metrics(kind, ema)


def default_metrics(kind: RunKind, ema: bool = False) -> list[str]:
    """The loss's stats and the problem's first two measures (and the EMA's, if kept)."""
    firsts = [m.name for m in kind.problem.measures[:2]]
    return [*kind.loss.stat_names, *firsts, *(EMA_PREFIX + m for m in firsts if ema)]


def ema_keys(kind: RunKind) -> list[str]:
    return [EMA_PREFIX + m.name for m in kind.problem.measures]


def has_ema(rows: list[dict[str, Any]], kind: RunKind) -> bool:
    """Whether the run's reports measured an EMA of G (a run with --ema)."""
    keys = set(ema_keys(kind))
    return any(keys & row.keys() for row in rows)


def _kind(metrics: Path) -> RunKind:
    """The kind of the run a metrics.jsonl belongs to (its directory's config.json)."""
    info = run_info(metrics.parent)
    return run_kind(info.problem, info.loss)


def _metrics_path(run: Path | None, runs_dir: Path) -> Path:
    """RUN's metrics.jsonl: RUN is a metrics file, a run directory or id, or None (the newest)."""
    if run is not None and run.is_file():
        return run
    return find_run(run, runs_dir) / METRICS_FILE


def _reports(path: Path) -> list[dict[str, Any]]:
    rows = read_metrics(path)
    if not rows:
        raise UsageError(f"{path}: no reports yet")
    return rows


def _labels(paths: list[Path]) -> list[str]:
    """The run ids for the legend; the directories themselves where two ids are alike."""
    seen: set[Path] = set()
    for path in paths:
        if path.resolve() in seen:
            raise UsageError(f"{path.parent}: the same run is given twice")
        seen.add(path.resolve())
    ids = [path.parent.name for path in paths]
    return ids if len(set(ids)) == len(ids) else [str(path.parent) for path in paths]
