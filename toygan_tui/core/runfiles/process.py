"""Is the process that wrote a file still there? pid liveness that survives pid reuse.

A pid alone can be reused by an unrelated process after the first one exits; the pid with its
start time (from /proc, on Linux) names one process for good. Stdlib only.
"""

from __future__ import annotations

import os
from pathlib import Path


def process_alive(pid: int, started: int | None = None) -> bool:
    """Whether `pid` is a live process on this machine, and the same one if its start time
    (process_start(pid) when it was recorded) is given: a reused pid is another process."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists and belongs to someone else
    stat = _proc_stat(pid)
    if stat is None:
        return not Path("/proc/self/stat").exists()  # no /proc (macOS): the signal test it is
    state, start = stat
    # A zombie (Z) or dead (X) process has exited; only its parent has not reaped it yet.
    return state not in ("Z", "X") and (started is None or start == started)


def process_start(pid: int) -> int | None:
    """When `pid` started, in clock ticks since boot (None without /proc): with the pid, it
    names one process for good."""
    stat = _proc_stat(pid)
    return stat[1] if stat is not None else None


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state, start time) from /proc/<pid>/stat, or None where there is no such file."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        fields = text[text.rindex(")") + 2 :].split()  # after "pid (command) "
        return fields[0], int(fields[19])  # fields 3 and 22 of proc(5)
    except (OSError, ValueError, IndexError):
        return None
