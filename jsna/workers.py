"""Per-area work on both cores: a pool of worker processes for the tables, workbooks and
reports of a large scope.

Each area's files depend only on its own rows, so areas are independent; the Python that
renders them holds the GIL, so threads would not help. Workers return the files' bytes
and the step's own process stages them (the publication's journal stays in one process).
Results come back in the areas' order, and an error in any area fails the step as it
would in one process: nothing of the run is published.

Workers are forked from a fork server that has imported the pack modules once, not from
the step's process, which may hold threads and locks. Starting them costs about a
second, so work of fewer than ``JSNA_POOL_MIN_AREAS`` areas (default 64; a chapter
counts as 20) is rendered in the step's own process, unless the run has started the
pool already: then every per-area step uses it. ``JSNA_WORKERS`` sets the
pool's size (default: the machine's cores; 1 turns the pool off). Workers exit on their
own when the refresh that started them is killed. As with any Python
multiprocessing, a script that starts a refresh must guard it with
``if __name__ == "__main__":`` (the ``jsna`` command and ``dagster`` are).
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.util
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from jsna import environment

T = TypeVar("T")
PRELOAD = ["jsna.pack.workbook", "jsna.pack.report", "jsna.pack.chapter", "docx", "jsna.table_files", "jsna.preview"]
_pool: ProcessPoolExecutor | None = None
_size = 0
_warming: threading.Thread | None = None
# Whether the latest run of this process (``warm_up``) has a scope large enough for the
# pool; None in a process no run has told (a step of Dagster's multiprocess executor).
_run_wants_pool: bool | None = None


def workers() -> int:
    return max(1, int(environment.read("JSNA_WORKERS") or os.cpu_count() or 1))


def min_areas() -> int:
    return max(1, int(environment.read("JSNA_POOL_MIN_AREAS") or 64))


def _shared_pool(size: int) -> ProcessPoolExecutor:
    """One pool per process, reused by every step of the run that renders areas."""
    global _pool, _size
    if _warming is not None:
        _warming.join()
    if _pool is None or _size < size:  # a larger pool serves a smaller render as it is
        shutdown()
        _pool, _size = _new_pool(size), size
    return _pool


def _exit_with(parent: int) -> None:
    """In each worker: exit once the process that started the pool is gone. A refresh
    killed outright (SIGKILL, out of memory) runs no clean-up, and its workers, waiting
    for jobs that will never come, would otherwise outlive it with the fork server and
    hold its output open."""

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if not _alive(parent):
                os._exit(1)

    threading.Thread(target=watch, name="jsna-worker-watchdog", daemon=True).start()


def _alive(pid: int) -> bool:
    """Running, not merely unreaped. A killed process stays a zombie until its own parent
    reaps it, and ``subprocess.run`` reaps only once the output is read to the end: a
    worker that took the zombie for alive kept that output open, and both waited forever."""
    if os.path.isdir("/proc/self"):  # Linux: the process's state, zombie or not
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                return handle.read().rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")
        except FileNotFoundError:
            return False
    try:  # elsewhere the kernel is asked, and a zombie counts as alive
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        pass
    return True


def _new_pool(size: int) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return ProcessPoolExecutor(max_workers=size, mp_context=context, initializer=_exit_with, initargs=(os.getpid(),))


def _pool_size(areas: int) -> int:
    """Workers for a scope of ``areas`` areas (0: render them in the step's process)."""
    size = min(workers(), areas)
    return size if size >= 2 and areas >= min_areas() else 0


def _running() -> int:
    """The size of the pool this process has started (or is starting), else 0: once a run's
    chapters have started it, the lighter steps of the same areas use it too, since the
    second of a region's start-up has been paid already. Not for a later, smaller run of the
    same process (a notebook's, a test's): a pool a large run left behind made each
    three-area refresh after it about a tenth dearer (the rows pickled there and back)."""
    if _run_wants_pool is False:
        return 0
    return _size if workers() >= 2 and (_pool is not None or _warming is not None) else 0


def warm_up(areas: int) -> None:
    """Start the workers in the background (the fork server imports the pack modules,
    about a second) while a step waits on the network, so that the first area rendered
    does not wait for them. Nothing happens for a scope rendered in one process, and a pool
    an earlier run of this process started stays unused by this one."""
    global _warming, _size, _run_wants_pool
    size = _pool_size(areas)
    _run_wants_pool = bool(size)
    if not size or _warming is not None or (_pool is not None and _size >= size):
        return
    _size = size  # the pool being started: a render waits for it (``_shared_pool``)

    def start() -> None:
        global _pool, _size
        if _pool is not None:
            _pool.shutdown(cancel_futures=True)
        _pool, _size = _new_pool(size), size
        for future in [_pool.submit(int) for _ in range(size)]:  # each worker starts
            future.result()

    _warming = threading.Thread(target=start, name="jsna-workers-warm-up", daemon=True)
    _warming.start()


def shutdown() -> None:
    """Stop the workers (at exit, or after a worker died)."""
    global _pool, _warming
    if _warming is not None and _warming is not threading.current_thread():
        _warming.join()
        _warming = None
    if _pool is not None:
        _pool.shutdown(cancel_futures=True)
        _pool = None


atexit.register(shutdown)
# A process started by multiprocessing (Dagster's multiprocess executor runs each step in
# one) runs no ``atexit`` handler: at exit it joins its child processes, the workers among
# them, which wait for jobs forever. Its finalizers of priority >= 0 run before that join,
# highest first: this one before the pool's queues close (priority 10), so the workers
# still receive the call to stop.
multiprocessing.util.Finalize(None, shutdown, exitpriority=100)


def _call(job: Callable[[], T]) -> T:
    return job()


def render_each(jobs: Sequence[Callable[[], T]], areas: int | None = None) -> Iterator[T]:
    """Every job's result, in order: on the pool when the scope (``areas``, by default
    one job per area) is large enough and there is more than one core, else here. A job
    must pickle: a ``functools.partial`` of a function of ``jsna`` with its own rows
    (frames, strings, numbers, specs)."""
    size = min(_pool_size(len(jobs) if areas is None else areas) or _running(), len(jobs))
    if size < 2:
        for job in jobs:
            yield job()
        return
    pool = _shared_pool(size)
    chunk = max(1, len(jobs) // (size * 4))  # a few chunks per worker: even load, few messages
    try:
        yield from pool.map(_call, jobs, chunksize=chunk)
    except BrokenProcessPool:  # a worker died (killed, out of memory): the next step starts afresh
        shutdown()
        raise
