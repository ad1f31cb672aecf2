"""Where toygan keeps what it can always make again (the digits classifier): a user cache
directory, never inside runs/. $TOYGAN_CACHE_DIR wins, then $XDG_CACHE_HOME/toygan, then
~/.cache/toygan. Deleting it costs a few seconds of recomputation, nothing else."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """The directory (not created here)."""
    explicit = os.environ.get("TOYGAN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "toygan"
