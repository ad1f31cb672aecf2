"""`toygan plot`: a run's training history as terminal charts, from its metrics.jsonl."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from toygan_tui.commands.errors import UsageError
from toygan_tui.core.runinfo import find_run
from toygan_tui.core.runs import METRICS_FILE, read_metrics
from toygan_tui.core.snapshot import METRIC_KEYS

DEFAULT_METRICS = ("d_loss", "g_loss", "d_real", "d_fake", "in_bounds", "a_w1")


def run_plot(*, run: Path | None, metrics: list[str], runs_dir: Path) -> None:
    unknown = [m for m in metrics if m not in METRIC_KEYS or m == "step"]
    if unknown:
        names = ", ".join(k for k in METRIC_KEYS if k != "step")
        raise UsageError(f"--metric {unknown[0]!r} is not a metric; choose from {names}")
    path = _metrics_path(run, runs_dir)
    rows = read_metrics(path)
    if not rows:
        raise UsageError(f"{path}: no reports yet")
    from toygan_tui.ui.plots import history_view

    Console().print(history_view(rows, metrics or list(DEFAULT_METRICS), title=str(path.parent)))


def _metrics_path(run: Path | None, runs_dir: Path) -> Path:
    """RUN's metrics.jsonl: RUN is a metrics file, a run directory or id, or None (the newest)."""
    if run is not None and run.is_file():
        return run
    return find_run(run, runs_dir) / METRICS_FILE
