"""Freed memory goes back to the system, so a large answer does not leave its peak behind.

A refresh holds an answer's rows several times over for a moment (the body, the parsed
Arrow table, the frame), then frees them. With the defaults that memory stays with the
process: Arrow's bundled mimalloc keeps its pages, and glibc raises its mmap threshold each
time a large block is freed, so the next large blocks come from heaps it never returns.
The next step then grows from that high water mark instead of reusing it, and peak memory
grew by about 4.4 bytes per byte answered (3.4 now).

So while answers are fetched and parsed (``answers_held``, the raw data step), large blocks
(1 MiB and over) are mapped on their own and unmapped when freed: Arrow allocates through the
C library, and glibc's mmap threshold is fixed (which also stops its raising). Smaller blocks,
which Arrow's CSV reader makes by the thousand in its threads' heaps, are handed back by
``release_freed`` where a large table has just been let go. After the raw step, Arrow's own
pool is back: it is the faster one, and mapping every large block costs the later steps
time (about a sixth of a small refresh when it was kept for the whole run). Measured in
``bench/memory.py``; where the C library is not glibc, only Arrow's pool changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pyarrow as pa

log = logging.getLogger(__name__)

LARGE_BLOCK = 1 << 20  # bytes: blocks this large or larger are mapped, and unmapped when freed
# Afterwards: the ceiling glibc's own threshold rises to on a 64-bit system (it cannot be
# made to rise by itself again once fixed).
USUAL_THRESHOLD = 32 << 20
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter (malloc.h)


@contextmanager
def answers_held() -> Iterator[None]:
    """While large answers come and go: their freed memory goes back to the system; on the
    way out the free pages are handed back and the faster settings restored."""
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    _fixed_mmap_threshold(LARGE_BLOCK)
    try:
        yield
    finally:
        release_freed()
        pa.set_memory_pool(previous)
        _fixed_mmap_threshold(USUAL_THRESHOLD)


def release_freed() -> bool:
    """Hand the free pages of the C library's heaps back to the system (glibc's
    ``malloc_trim``, a few milliseconds); False where there is no such call."""
    trim = _libc_call("malloc_trim", (ctypes.c_size_t,))
    return bool(trim is not None and trim(0))


def _fixed_mmap_threshold(size: int) -> bool:
    """glibc's ``mallopt(M_MMAP_THRESHOLD, size)``; False where there is no such call."""
    mallopt = _libc_call("mallopt", (ctypes.c_int, ctypes.c_int))
    return mallopt is not None and mallopt(_M_MMAP_THRESHOLD, size) == 1


@functools.cache
def _libc_call(name: str, argtypes: tuple[Any, ...]) -> Any:
    """A function of the C library, or None where it has no such function (not glibc)."""
    library = ctypes.util.find_library("c")
    try:
        call = getattr(ctypes.CDLL(library), name)
    except (OSError, AttributeError, TypeError):
        log.debug("no %s in %s: memory stays with the C library's defaults", name, library)
        return None
    call.argtypes, call.restype = list(argtypes), ctypes.c_int
    return call
