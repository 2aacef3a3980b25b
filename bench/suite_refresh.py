"""Benchmark: the test suite's unit of work, one council's refresh in one process.

Most of the suite's integration tests run ``jsna refresh --borough southwark`` in-process
against the offline sample API (no ICB packs, as ``tests/conftest.py`` sets), often
several times in one test. This times that refresh, warm (the first refresh of a process
pays for imports and the sample API's first answers, and is left out), against the sample
API's England at its real scale (153 councils) and against the suite's smaller England
(45 councils, ``JSNA_SAMPLE_ENGLAND=named``): wall and CPU seconds of this process, which
runs the sample API's threads too, as the suite's workers do. The median of ``--runs``.

    .venv/bin/python -m bench.suite_refresh --runs 5
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
from pathlib import Path

from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.server import running_sample_api
from pipelines.cli import main


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
    args = parser.parse_args()
    os.environ.pop("DAGSTER_HOME", None)  # a throw-away instance per refresh, as in the suite
    os.environ["JSNA_ICBS"] = "no"
    os.environ["CI"] = "true"  # no progress line
    # A throw-away instance's in-memory database is closed from another thread when the run
    # ends, which SQLAlchemy's pool logs at length; nothing is lost.
    logging.getLogger("sqlalchemy.pool").setLevel(logging.CRITICAL)
    print(f"one-council refresh (--borough southwark, no ICBs), warm, median of {args.runs}")
    with tempfile.TemporaryDirectory(prefix="jsna-bench-") as folder:
        for fill, what in ((True, "England at its real scale (153 councils)"), (False, "the suite's England (45)")):
            times = timed_refreshes(fill, args.runs, Path(folder))
            wall = statistics.median(t[0] for t in times)
            cpu = statistics.median(t[1] for t in times)
            print(f"  {what}: {wall:.2f} s wall, {cpu:.2f} s CPU (wall {min(t[0] for t in times):.2f}-"
                  f"{max(t[0] for t in times):.2f})")  # fmt: skip


if __name__ == "__main__":
    main_()
