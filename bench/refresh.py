"""Benchmark: the product path, ``jsna refresh``, for London and for all of England.

Each refresh runs in a fresh process, as a user runs it (the CLI, with its own Dagster
instance so the step timings can be read back), against the offline sample API. In one
run of this script, on the same machine:

- London and England, ``--full``, no latency: wall time, peak resident memory (VmHWM),
  each Dagster step's time and the commissioner pack's cost per area (summary + workbook
  + report steps over the areas);
- London ``--full`` with 150 ms per request + 300 ms per indicator, and ``fingertips_py``
  merely fetching the same ids from the same server;
- a no-change night after each full refresh: requests, and published files rewritten.

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

from bench.common import data_requests, sample_api
from bench.fetch import fingertips_py
from jsna.catalogue import load_catalogue

PACK_STEPS = ("out_jsna__area_summary", "out_jsna__area_workbook", "out_jsna__area_report")

# Runs in the child: the CLI as a user runs it, then its own peak memory and the steps'
# times from its Dagster instance (every run of the command, reruns included).
CHILD = """
import json, sys, time
from bench.common import peak_rss_mb
from pipelines.cli import main
start = time.perf_counter()
code = main(sys.argv[1:])
seconds = time.perf_counter() - start
from dagster import DagsterEventType, DagsterInstance
instance = DagsterInstance.get()
starts, steps = {}, {}
for run in instance.get_run_records():
    for entry in instance.all_logs(run.dagster_run.run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            starts[event.step_key] = entry.timestamp
        elif event.event_type == DagsterEventType.STEP_SUCCESS:
            steps[event.step_key] = steps.get(event.step_key, 0) + entry.timestamp - starts[event.step_key]
print(json.dumps({"exit": code, "seconds": seconds, "peak_rss_mb": peak_rss_mb(), "steps": steps}))
"""


def published_files(root: Path) -> dict[str, int]:
    """Every published file and its modification time (ns), to tell what a night rewrote."""
    return {
        str(p.relative_to(root)): p.stat().st_mtime_ns
        for p in root.rglob("*")
        if p.is_file() and ".staging" not in p.parts
    }


def refresh(base_url: str, out: Path, region: str, *, full: bool) -> dict:
    """One ``jsna refresh`` in a fresh process into ``out`` (a new Dagster instance each time)."""
    home = tempfile.mkdtemp(prefix="jsna-bench-home-")
    env = {**os.environ, "CI": "true", "DAGSTER_HOME": home}
    args = ["refresh", "--api-url", base_url, "--output", str(out), "--region", region]
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *args, *(["--full"] if full else [])],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"refresh {region} failed: {done.stderr[-2000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["areas"] = len(os.listdir(out / "areas"))
    pack = sum(figures["steps"].get(k, 0.0) for k in PACK_STEPS)
    figures["pack_ms_per_area"] = 1000 * pack / figures["areas"]
    return figures


def scope_night(region: str, latency: float = 0.0, per_indicator: float = 0.0) -> dict:
    """A full refresh of one scope, then a night with nothing new upstream."""
    out = Path(tempfile.mkdtemp(prefix=f"jsna-bench-{region}-")) / "out"
    with sample_api(latency, per_indicator) as server:
        full = refresh(server.base_url, out, region, full=True)
        full["requests"] = len(server.state.requests)
        before = published_files(out)
        server.state.requests.clear()
        quiet = refresh(server.base_url, out, region, full=False)
        after = published_files(out)
        quiet["requests"] = len(server.state.requests)
        quiet["data_requests"] = len(data_requests(server))
        quiet["rewritten"] = sorted(k for k in after if before.get(k) != after[k])
    return {"full": full, "no_change": quiet}


def peer_fetch(latency: float, per_indicator: float) -> dict:
    """``fingertips_py`` fetching the catalogue's ids from the same server (fetch only)."""
    with sample_api(latency, per_indicator) as server:
        return fingertips_py(server.base_url, load_catalogue().ids)


def median_of(runs: list[dict], *path: str) -> float:
    values = []
    for run in runs:
        value = run
        for key in path:
            value = value[key]
        values.append(value)
    return statistics.median(values)


def scope_figures(nights: list[dict]) -> dict:
    """One scope's medians over its runs, and the worst no-change night."""
    return {
        "areas": nights[0]["full"]["areas"],
        **{k: median_of(nights, "full", k) for k in ("seconds", "peak_rss_mb", "pack_ms_per_area")},
        "no_change_requests": max(r["no_change"]["requests"] for r in nights),
        "no_change_rewritten": max(len(r["no_change"]["rewritten"]) for r in nights),
    }


def run(runs: int = 3, latency: float = 0.15, per_indicator: float = 0.3) -> dict:
    london = [scope_night("london") for _ in range(runs)]
    england = [scope_night("england") for _ in range(runs)]
    slow = [scope_night("london", latency, per_indicator)["full"] for _ in range(runs)]
    peer = [peer_fetch(latency, per_indicator) for _ in range(runs)]
    figures = {
        "runs": runs,
        "latency_s": latency,
        "per_indicator_s": per_indicator,
        "london": scope_figures(london),
        "england": scope_figures(england),
        "london_with_latency": {"seconds": statistics.median(r["seconds"] for r in slow)},
        "fingertips_py_fetch": {"seconds": statistics.median(r["seconds"] for r in peer)},
        "samples": {"london": london, "england": england, "london_with_latency": slow, "fingertips_py": peer},
    }
    figures["england_to_london"] = figures["england"]["seconds"] / figures["london"]["seconds"]
    figures["refresh_vs_peer_fetch"] = (
        figures["fingertips_py_fetch"]["seconds"] / figures["london_with_latency"]["seconds"]
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each refresh (the median is reported)")
    parser.add_argument("--latency", type=float, default=0.15, help="seconds added to every request")
    parser.add_argument("--per-indicator", type=float, default=0.3, help="seconds per indicator in a data request")
    args = parser.parse_args()
    figures = run(args.runs, args.latency, args.per_indicator)
    print(json.dumps({k: v for k, v in figures.items() if k != "samples"}, indent=2))


if __name__ == "__main__":
    main()
