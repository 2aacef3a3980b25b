"""Benchmark: how a refresh's peak memory grows with the size of the answers.

One council's refresh (``jsna refresh --borough southwark``, the smallest scope, so that the
answers dominate) runs in a fresh process with its own Dagster instance, against the
offline sample API as it is and with every data answer carrying the rows of ``--extra``
made-up areas (the ``unlisted_areas`` fault: rows no area list names, as Fingertips may
serve after a merger). For each, the peak resident memory of the refresh's process
(VmHWM) and the bytes answered; then the growth in bytes of peak memory per byte answered.
Each figure is the median of ``--runs`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.server import running_sample_api

# Runs in the child: the CLI as a user runs it, then its peak memory and the bytes the raw
# data step recorded as answered.
CHILD = """
import json, sys
from bench.common import peak_rss_mb
from pipelines.cli import main
code = main(sys.argv[1:])
from dagster import AssetKey, DagsterInstance
event = DagsterInstance.get().get_latest_materialization_event(AssetKey("raw_fingertips__indicator_data"))
answered = event.asset_materialization.metadata["bytes"].value if event else 0
print(json.dumps({"exit": code, "peak_rss_mb": peak_rss_mb(), "answered_mb": answered / 1e6}))
"""


def refresh(extra: int) -> dict:
    """One refresh of one council in a fresh process, every answer carrying ``extra`` areas."""
    faults = [Fault("unlisted_areas", size=extra, times=None)] if extra else []
    with running_sample_api(SampleApiState(faults=faults)) as server:
        out = Path(tempfile.mkdtemp(prefix="jsna-bench-memory-")) / "out"
        env = {**os.environ, "CI": "true", "DAGSTER_HOME": tempfile.mkdtemp(prefix="jsna-bench-home-")}
        args = ["refresh", "--api-url", server.base_url, "--output", str(out), "--borough", "southwark"]
        done = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"refresh failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(runs: int = 3, extra: int = 1000) -> dict:
    """The medians for the answers as served and with ``extra`` areas, and the growth."""
    figures = {}
    for name, size in (("as_served", 0), ("larger", extra)):
        samples = [refresh(size) for _ in range(runs)]
        figures[name] = {k: statistics.median(s[k] for s in samples) for k in ("peak_rss_mb", "answered_mb")}
        figures[name]["samples"] = samples
    grown = figures["larger"]["peak_rss_mb"] - figures["as_served"]["peak_rss_mb"]
    answered = figures["larger"]["answered_mb"] - figures["as_served"]["answered_mb"]
    return {"runs": runs, "extra_areas": extra, **figures, "peak_growth_per_byte_answered": grown / answered}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="refreshes of each size (the median is reported)")
    parser.add_argument("--extra", type=int, default=1000, help="made-up areas added to every data answer")
    args = parser.parse_args()
    figures = run(args.runs, args.extra)
    for name in ("as_served", "larger"):
        figures[name].pop("samples")
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
