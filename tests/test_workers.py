"""Per-area work on both cores (``jsna.workers``): the pool gives what one process gives,
in the same order, and fails the way one process fails."""

from __future__ import annotations

import functools
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from jsna import workers
from schemas import PUBLISHED
from tests.test_pack_bytes import report_of, workbook_of

ROOT = Path(__file__).resolve().parent.parent
SLUGS = ("southwark", "lambeth", "lewisham", "city-of-london", "westminster", "croydon")


@pytest.fixture
def pool(monkeypatch):
    """The pool forced on for any scope, with two workers; stopped afterwards."""
    workers.shutdown()  # none left by an earlier refresh of this process
    monkeypatch.setattr(workers, "_run_wants_pool", None)  # nor its scope's choice
    monkeypatch.setenv("JSNA_POOL_MIN_AREAS", "1")
    monkeypatch.setenv("JSNA_WORKERS", "2")
    yield
    workers.shutdown()


def test_pool_renders_every_area_as_one_process_does_in_order(published, pool):
    out, _ = published
    jobs = [functools.partial(f, out, slug) for slug in SLUGS for f in (report_of, workbook_of)]
    pooled = list(workers.render_each(jobs))
    here = [job() for job in jobs]
    assert pooled == here  # byte for byte, in the areas' order
    assert len(set(pooled)) == len(jobs)  # and each area its own file


def test_pool_runs_in_other_processes_and_a_small_scope_here(monkeypatch, pool):
    jobs = [functools.partial(os.getpid) for _ in range(4)]
    monkeypatch.setenv("JSNA_POOL_MIN_AREAS", "64")  # a region, not England, and no pool yet: here
    assert set(workers.render_each(jobs)) == {os.getpid()}
    monkeypatch.setenv("JSNA_POOL_MIN_AREAS", "1")
    assert os.getpid() not in set(workers.render_each(jobs))
    monkeypatch.setenv("JSNA_POOL_MIN_AREAS", "64")  # once started (by the chapters), the light steps use it
    assert os.getpid() not in set(workers.render_each(jobs))
    assert set(workers.render_each(jobs[:1])) == {os.getpid()}  # one job: here
    started = workers._pool  # noqa: SLF001 - the pool itself is the subject
    workers.warm_up(3)  # a later run of three areas in the same process: here, the pool kept
    assert set(workers.render_each(jobs)) == {os.getpid()}
    workers.warm_up(153)  # then one of England's scope: on the same pool again
    assert os.getpid() not in set(workers.render_each(jobs)) and workers._pool is started  # noqa: SLF001
    monkeypatch.setenv("JSNA_WORKERS", "1")  # one core: no pool, even one started
    assert set(workers.render_each(jobs)) == {os.getpid()}


def test_an_error_in_one_area_fails_the_whole_render(pool):
    jobs = [functools.partial(int, "1"), functools.partial(int, "not a number"), functools.partial(int, "3")]
    with pytest.raises(ValueError, match="not a number"):
        list(workers.render_each(jobs))


def test_warm_up_starts_the_workers_the_render_then_uses(pool):
    workers.warm_up(153)
    assert list(workers.render_each([functools.partial(int, "7")] * 3, areas=153)) == [7, 7, 7]


def test_table_specs_pickle_by_name():
    for spec in PUBLISHED.values():
        assert pickle.loads(pickle.dumps(spec)) is spec


def _refresh_on_the_pool() -> subprocess.Popen:
    """A process that renders on the pool, prints its workers' pids, then waits to be killed."""
    script = (
        "import functools, os, sys, time\n"
        "os.environ.update(JSNA_POOL_MIN_AREAS='1', JSNA_WORKERS='2')\n"
        "from jsna import workers\n"
        "pids = set(workers.render_each([functools.partial(os.getpid)] * 8))\n"
        "print(*pids, flush=True)\n"
        "time.sleep(600)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def test_workers_do_not_outlive_a_killed_refresh():
    """SIGKILL runs no clean-up: the workers notice on their own and exit (with them the
    fork server), instead of waiting for jobs forever."""
    child = _refresh_on_the_pool()
    pids = [int(p) for p in child.stdout.readline().split()]
    assert pids and child.pid not in pids
    child.send_signal(signal.SIGKILL)
    child.wait()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(_running(p) for p in pids):
        time.sleep(0.2)
    assert not [p for p in pids if _running(p)]


def test_workers_let_go_of_a_killed_refresh_not_yet_reaped():
    """A killed refresh stays a zombie until whoever started it reaps it, and a caller
    such as ``subprocess.run`` reaps only after reading its output to the end. Workers
    that took the zombie for alive kept that output open, so the caller waited forever."""
    child = _refresh_on_the_pool()
    assert child.stdout.readline().split()
    os.kill(child.pid, signal.SIGKILL)  # not reaped: a zombie while its output is read
    rest: list[str] = []
    reader = threading.Thread(target=lambda: rest.append(child.stdout.read()), daemon=True)
    reader.start()
    reader.join(60)  # a safety net, not a timing assertion
    alive = reader.is_alive()
    child.wait()
    assert not alive, "the killed refresh's output was still held open by its workers"


def _running(pid: int) -> bool:
    """Alive and not a zombie (an exited child its parent has not reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def render_on_the_pool() -> None:
    """A step's work in a multiprocessing child: render on the pool, then return."""
    assert os.getpid() not in set(workers.render_each([functools.partial(os.getpid)] * 8))


def test_a_step_run_as_a_multiprocessing_child_exits_after_using_the_pool(tmp_path):
    """Dagster's multiprocess executor (the UI's) runs each step in a multiprocessing child,
    which at exit joins its child processes before any ``atexit`` handler: workers left
    waiting for jobs kept such a step, and the run, from ever ending."""
    script = (
        "import multiprocessing, os\n"
        "os.environ.update(JSNA_POOL_MIN_AREAS='1', JSNA_WORKERS='2')\n"
        "from tests.test_workers import render_on_the_pool\n"
        "if __name__ == '__main__':\n"
        "    child = multiprocessing.get_context('spawn').Process(target=render_on_the_pool)\n"
        "    child.start()\n"
        "    child.join(120)\n"
        "    print('alive' if child.is_alive() else f'exit {child.exitcode}', flush=True)\n"
        "    if child.is_alive():\n"
        "        child.kill()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )
    assert done.stdout.strip() == "exit 0", done.stderr
