"""Benchmark: ``jsna refresh --full`` for London and for all of England against the sample
API (no latency), each in a fresh process that reports its own wall time and peak
resident memory (VmHWM)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

from bench.common import sample_api

# Runs in the child: the CLI as a user runs it, then the child's own peak memory.
CHILD = (
    "import json, sys, time\n"
    "from bench.common import peak_rss_mb\n"
    "from pipelines.cli import main\n"
    "start = time.perf_counter()\n"
    "code = main(sys.argv[1:])\n"
    "print(json.dumps({'exit': code, 'seconds': time.perf_counter() - start, 'peak_rss_mb': peak_rss_mb()}))\n"
)


def refresh(base_url: str, region: str) -> dict:
    """One full refresh of a scope into a new output root."""
    env = {**os.environ, "CI": "true"}
    env.pop("DAGSTER_HOME", None)
    out = tempfile.mkdtemp(prefix=f"jsna-bench-{region}-")
    args = ["refresh", "--api-url", base_url, "--output", f"{out}/out", "--region", region, "--full"]
    done = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, env=env, check=True)
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["areas"] = len(os.listdir(f"{out}/out/areas"))
    return figures


def run() -> dict:
    with sample_api() as server:
        london = refresh(server.base_url, "london")
        england = refresh(server.base_url, "england")
    return {
        "london": london,
        "england": england,
        "england_to_london": england["seconds"] / london["seconds"],
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
