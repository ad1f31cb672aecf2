"""Files that are either whole or absent: atomic writes, stale temp files, a write probe.

A writer killed at any instant (SIGKILL, power loss) leaves the old file intact plus, at worst,
a temp file `.<name>.<pid>.<random>.tmp` beside it. The pid in the name tells a later run
whether the writer is gone, so its leftovers can be removed without racing a live writer
(two runs may share runs/last.pt); our own temp files are never stale while we run. Stdlib only.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import tempfile
from pathlib import Path

from toygan_tui.core.runfiles.process import process_alive

# .<target name>.<writer pid>.<mkstemp's random part>.tmp
_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.(?P<pid>\d+)\.[^.]+\.tmp$")


def append_whole(path: Path, data: bytes) -> None:
    """Append `data` in one write; a failed write is cut off again (OSError raised), so no torn
    record stays for the next one to be glued to. For the append-only logs (metrics, frames)."""
    with open(path, "ab") as handle:
        start = handle.tell()
        try:
            handle.write(data)
            handle.flush()
        except OSError:
            with contextlib.suppress(OSError):
                handle.truncate(start)
            raise


def atomic_write(path: Path, data: bytes, durable: bool = True) -> None:
    """Write via a temp file in the same directory, fsync, then os.replace: never a half file.

    durable=False skips the fsyncs: still whole-or-absent while the machine runs, for files
    rewritten often that are views, not records (a power loss may then leave the old one).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(path), suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; a run's files are as open as any
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if durable:
        _fsync_dir(path.parent)


def temp_prefix(path: Path) -> str:
    """The start of a temp file name for `path` that clean_stale_temps recognises."""
    return f".{path.name}.{os.getpid()}."


@functools.cache
def _umask() -> int:
    mask = os.umask(0o022)  # the only way to read it is to set it; put it straight back
    os.umask(mask)
    return mask


def _fsync_dir(directory: Path) -> None:
    # The rename itself reaches the disk only when the directory is synced; where a platform
    # cannot open or sync a directory the write is still atomic, just less durable.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def clean_stale_temps(directory: Path) -> list[Path]:
    """Remove temp files whose writer process is gone; return what was removed."""
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        for entry in Path(directory).iterdir():
            match = _TEMP_NAME.match(entry.name)
            pid = int(match["pid"]) if match else 0
            if match and entry.is_file() and pid != os.getpid() and not process_alive(pid):
                with contextlib.suppress(OSError):
                    entry.unlink()
                    removed.append(entry)
    return removed


def check_writable(directory: Path, nbytes: int) -> None:
    """Write, fsync and remove an `nbytes` temp file in `directory` (created if needed).

    Raises OSError (EACCES, EROFS, ENOSPC, ENOTDIR, ...) when a checkpoint could not be written
    there, so a run fails before training rather than at its first save.
    """
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(directory))
    directory.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".probe.{os.getpid()}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(b"\0" * nbytes)
            handle.flush()
            os.fsync(handle.fileno())
    finally:
        Path(tmp).unlink(missing_ok=True)
