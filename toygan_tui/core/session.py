"""A training session: train() plus the files a run leaves (config, metrics, checkpoints)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

from toygan_tui.core.checkpoint import atomic_write, save_bytes
from toygan_tui.core.config import ConfigError, TrainConfig
from toygan_tui.core.errors import InputError
from toygan_tui.core.runs import (
    LAST_CHECKPOINT,
    RunDir,
    append_metrics,
    check_run_id,
    new_run_id,
    write_config,
)
from toygan_tui.core.snapshot import Snapshot
from toygan_tui.core.state import TrainState, new_state, resolve_device
from toygan_tui.core.train import train


class Session:
    """One run directory being trained into; creating it checks the device, writes config.json."""

    def __init__(self, cfg: TrainConfig, runs_dir: Path, run_id: str | None = None) -> None:
        self.cfg = cfg
        self.runs_dir = Path(runs_dir)
        self.device = resolve_device(cfg.device)
        if run_id is not None:
            check_run_id(run_id)
            if (self.runs_dir / run_id).exists():
                raise ConfigError(
                    f"run {run_id!r} already exists in {self.runs_dir}; pick another --name"
                )
        self.run = RunDir(self.runs_dir / (run_id or new_run_id(self.runs_dir)))
        self.state: TrainState = new_state(cfg, self.device)
        try:
            self.run.path.mkdir(parents=True, exist_ok=True)
            write_config(self.run, cfg, {"run_id": self.run.run_id, "device": str(self.device)})
        except OSError as exc:
            raise InputError(f"cannot write the run into {self.runs_dir}: {exc.strerror}") from None

    @property
    def last_checkpoint(self) -> Path:
        return self.runs_dir / LAST_CHECKPOINT

    def snapshots(self, should_stop: Callable[[], bool] = lambda: False) -> Iterator[Snapshot]:
        """Train, appending each report to metrics.jsonl and saving checkpoints as it goes."""
        for snap in train(self.cfg, self.state, on_save=self.save, should_stop=should_stop):
            snap = dataclasses.replace(snap, run_id=self.run.run_id)
            append_metrics(self.run, snap)
            yield snap

    def save(self, state: TrainState) -> None:
        """Write the run's checkpoint, then runs/last.pt, each atomically."""
        data = save_bytes(state, self.run.run_id)
        atomic_write(self.run.checkpoint, data)
        atomic_write(self.last_checkpoint, data)
