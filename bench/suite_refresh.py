"""Benchmark: the test suite's unit of work, one council's refresh in one process.

Most of the suite's integration tests run ``jsna refresh --borough southwark`` in-process
against the offline sample API (no ICB packs, as ``tests/conftest.py`` sets), often
several times in one test. This times that refresh, warm (the first refresh of a process
pays for imports and the sample API's first answers, and is left out), against the sample
API's England at its real scale (153 councils) and against the suite's smaller England
(45 councils, ``JSNA_SAMPLE_ENGLAND=named``): wall and CPU seconds of this process, which
runs the sample API's threads too, as the suite's workers do. The median of ``--runs``.
``--steps`` adds each Dagster step's CPU seconds (from its start to its success event),
the median over the warm refreshes, largest first: where a refresh's time goes. ``--icbs``
times the refresh of the suite's ICB tests instead, with the ICB packs (whose rendering
runs in worker processes, so compare the wall seconds).

    .venv/bin/python -m bench.suite_refresh --runs 5 --steps
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.server import running_sample_api
from pipelines.cli import main


@contextlib.contextmanager
def step_cpu() -> Iterator[dict[str, list[float]]]:
    """CPU seconds of each step of the runs made inside, by step, in the order run: the
    instance's events are watched as Dagster stores them (this process's CPU clock, the
    sample API's threads included, as in the suite)."""
    from dagster import DagsterInstance

    started: dict[str, float] = {}
    spent: dict[str, list[float]] = defaultdict(list)
    original = DagsterInstance.handle_new_event

    def handle(self: DagsterInstance, event: object, *args: object, **kwargs: object) -> object:
        step = getattr(event, "dagster_event", None)
        if step is not None and step.step_key:
            if step.event_type_value == "STEP_START":
                started[step.step_key] = time.process_time()
            elif step.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and step.step_key in started:
                spent[step.step_key].append(time.process_time() - started.pop(step.step_key))
        return original(self, event, *args, **kwargs)

    DagsterInstance.handle_new_event = handle  # type: ignore[method-assign]
    try:
        yield spent
    finally:
        DagsterInstance.handle_new_event = original  # type: ignore[method-assign]


def timed_refreshes(fill: bool, runs: int, folder: Path) -> list[tuple[float, float]]:
    """(wall, cpu) seconds of ``runs`` warm one-council refreshes, each into a new root."""
    times = []
    with running_sample_api(SampleApiState(fill=fill)) as server:
        for n in range(runs + 1):
            out = folder / f"{'full' if fill else 'named'}-{n}"
            wall, cpu = time.perf_counter(), time.process_time()
            with contextlib.redirect_stdout(io.StringIO()):
                code = main(["refresh", "--api-url", server.base_url, "--output", str(out), "--borough", "southwark"])
            if code != 0:
                raise SystemExit(f"the refresh exited {code}")
            if n:  # the first is a warm-up
                times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return times


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--steps", action="store_true", help="each step's CPU seconds too")
    parser.add_argument("--icbs", action="store_true", help="with the ICB packs, as the suite's ICB tests")
    args = parser.parse_args()
    os.environ.pop("DAGSTER_HOME", None)  # a throw-away instance per refresh, as in the suite
    os.environ["JSNA_ICBS"] = "yes" if args.icbs else "no"
    os.environ["CI"] = "true"  # no progress line
    # A throw-away instance's in-memory database is closed from another thread when the run
    # ends, which SQLAlchemy's pool logs at length; nothing is lost.
    logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)
    icbs = "with" if args.icbs else "no"
    print(f"one-council refresh (--borough southwark, {icbs} ICBs), warm, median of {args.runs}")
    with tempfile.TemporaryDirectory(prefix="jsna-bench-") as folder:
        englands = (
            (True, "England at its real scale (153 councils, 42 ICBs)"),
            (False, "the suite's England (45, 10 ICBs)"),
        )
        for fill, what in englands:
            with step_cpu() as steps:
                times = timed_refreshes(fill, args.runs, Path(folder))
            wall = statistics.median(t[0] for t in times)
            cpu = statistics.median(t[1] for t in times)
            print(f"  {what}: {wall:.2f} s wall, {cpu:.2f} s CPU (wall {min(t[0] for t in times):.2f}-"
                  f"{max(t[0] for t in times):.2f})")  # fmt: skip
            if args.steps:
                warm = {key: statistics.median(each[1:]) for key, each in steps.items() if len(each) > 1}
                for key, seconds in sorted(warm.items(), key=lambda kv: -kv[1]):
                    print(f"    {seconds:6.3f} s CPU  {key}")
                print(f"    {sum(warm.values()):6.3f} s CPU  in the steps")


if __name__ == "__main__":
    main_()
