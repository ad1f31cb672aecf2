"""numpy's BLAS thread count, which torch.set_num_threads does not reach.

The CPU engine's matmuls run in numpy's OpenBLAS. Past a size threshold (batch ≥ ~128 here)
OpenBLAS splits a matmul over every core, and on a busy two-core machine those threads spin
against each other: ten times slower, not faster. So the engine holds OpenBLAS to the run's
--threads while it steps. Best effort: OpenBLAS found among the loaded libraries (Linux,
numpy's own wheels); elsewhere this changes nothing.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# (setter, getter) names across OpenBLAS builds: numpy's scipy-openblas, 64-bit-int, plain.
_NAMES = (
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
)


@functools.cache
def _openblas() -> tuple[Callable[[int], None], Callable[[], int]] | None:
    maps = Path("/proc/self/maps")
    if not maps.exists():
        return None
    paths = {line.split()[-1] for line in maps.read_text().splitlines() if "openblas" in line}
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for setter, getter in _NAMES:
            if hasattr(lib, setter) and hasattr(lib, getter):
                return getattr(lib, setter), getattr(lib, getter)
    return None


@contextmanager
def blas_threads(n: int) -> Iterator[None]:
    """Run the block with numpy's OpenBLAS using n threads, then restore its count."""
    found = _openblas()
    if found is None:
        yield
        return
    set_threads, get_threads = found
    before = get_threads()
    set_threads(n)
    try:
        yield
    finally:
        set_threads(before)


def current_blas_threads() -> int | None:
    """OpenBLAS's thread count now (None where it is not found)."""
    found = _openblas()
    return None if found is None else int(found[1]())
