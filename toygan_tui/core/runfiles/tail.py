"""Reading what was appended to a file since the last look: the part every tail reader shares.

A run's append-only files (metrics.jsonl, frames) are read incrementally from where the last
poll stopped. When the file is replaced or cut (a resumed run trims it), reading starts again at
its first byte and the reader is told to forget what it parsed. Pure stdlib (no torch).
"""

from __future__ import annotations

import os
from pathlib import Path

MAX_READ_BYTES = 64 * 1024 * 1024  # one poll never reads more than this of a huge file


class FileTail:
    """Where the next read of `path` starts; subclasses parse what `read_new` returns and move
    `offset` past what they used."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.identity: tuple[int, int] | None = None  # (device, inode) of the file being read
        self.offset = 0

    def read_new(self) -> tuple[bytes, bool]:
        """(the bytes from `offset` on, reset): reset means the file was replaced or shortened
        since the last look, so reading restarted at its first byte (and restart() ran)."""
        try:
            st = os.stat(self.path)
        except OSError:
            return b"", False
        reset = False
        if (st.st_dev, st.st_ino) != self.identity or st.st_size < self.offset:
            reset = self.identity is not None
            self.identity, self.offset = (st.st_dev, st.st_ino), 0
            self.restart()
        if st.st_size == self.offset:
            return b"", reset
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self.offset)
                return handle.read(MAX_READ_BYTES), reset
        except OSError:
            return b"", reset

    def restart(self) -> None:
        """Forget what was parsed of the file: it is read again from its start."""
