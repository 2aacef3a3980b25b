"""Shared helpers for the benchmarks: machine facts, timers, the sample API with latency."""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.server import SampleApiServer, running_sample_api


def machine() -> dict[str, str]:
    """Cores, memory and date of the run, for RESULTS.md."""
    mem_kb = 0
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


@contextmanager
def timer() -> Iterator[dict[str, float]]:
    out: dict[str, float] = {}
    start = time.perf_counter()
    yield out
    out["seconds"] = time.perf_counter() - start


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (VmHWM, in MiB).

    Not getrusage's ru_maxrss: Linux carries that across fork and exec, so a child
    would report its parent's peak."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def sample_api(latency: float = 0.0, per_indicator: float = 0.0) -> Iterator[SampleApiServer]:
    state = SampleApiState(latency_seconds=latency, seconds_per_indicator=per_indicator)
    with running_sample_api(state) as server:
        yield server


def data_requests(server: SampleApiServer) -> list[dict]:
    return [r for r in server.state.requests if r["path"].endswith("all_data/csv/by_indicator_id")]


def latency_main(run: Callable[[float, float], dict], doc: str | None) -> None:
    """Command line of the benchmarks that take the sample API's injected latency."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--latency", type=float, default=0.15, help="seconds added to every request")
    parser.add_argument("--per-indicator", type=float, default=0.3, help="seconds per indicator in a data request")
    args = parser.parse_args()
    print(json.dumps(run(args.latency, args.per_indicator), indent=2))
