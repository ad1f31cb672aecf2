"""`toygan train`: a Session from the core, presented by the ui."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console


def run_train(*, runs_dir: Path, name: str | None, live: bool | None, **options: object) -> None:
    from toygan_tui.core.config import TrainConfig
    from toygan_tui.core.session import Session
    from toygan_tui.ui.live import present, wants_live

    cfg = TrainConfig(**options)  # type: ignore[arg-type]
    session = Session(cfg, runs_dir, name)
    console = Console()
    last = present(session.snapshots(), console, live=wants_live(console) if live is None else live)
    step = last.step if last is not None else session.state.step
    console.print(
        f"run {session.run.run_id} done at step {step}/{cfg.steps}: "
        f"checkpoint {session.run.checkpoint} (and {session.last_checkpoint})",
        markup=False,
        highlight=False,
    )
