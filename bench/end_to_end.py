"""Benchmark 4: ``jsna refresh`` of all 33 boroughs against the sample API (no latency),
split into start-up, fetch, validate and write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from bench.common import sample_api, timer

GROUPS = {
    "fetch": ("raw_fingertips__indicator_metadata", "raw_fingertips__indicator_data"),
    "validate": ("core_jsna__indicator_values",),
}


def startup_seconds(base_url: str) -> float:
    """A fresh interpreter importing the Dagster definitions (what every run pays; the
    first time in an output root this includes listing the areas, three small requests)."""
    code = "import time; t = time.perf_counter(); import pipelines.definitions; print(time.perf_counter() - t)"
    env = {**os.environ, "FINGERTIPS_API_URL": base_url, "JSNA_OUTPUT_DIR": tempfile.mkdtemp(prefix="jsna-bench-")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return float(done.stdout.strip().splitlines()[-1])


def step_seconds(base_url: str) -> dict[str, float]:
    """Per-step wall time of an in-process run, from Dagster's own step events."""
    from dagster import DagsterEventType, DagsterInstance

    from jsna.areas import AreaList, resolve_scope
    from resources import FingertipsResource, use_scope_for_partitions

    # The partitions are London's areas as this API lists them (what the CLI does first).
    areas = AreaList.fetch(FingertipsResource(base_url=base_url).client(), 502)
    use_scope_for_partitions(resolve_scope("london", areas))
    from pipelines.definitions import build_definitions
    from pipelines.jobs import all_boroughs_tags

    out = tempfile.mkdtemp(prefix="jsna-bench-e2e-")
    defs = build_definitions(api_url=base_url, output_dir=out)
    instance = DagsterInstance.ephemeral()
    result = defs.resolve_job_def("refresh_all").execute_in_process(
        tags=all_boroughs_tags(),
        instance=instance,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    starts, durations = {}, {}
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            starts[event.step_key] = entry.timestamp
        elif event.event_type == DagsterEventType.STEP_SUCCESS:
            durations[event.step_key] = entry.timestamp - starts[event.step_key]
    grouped = {name: sum(durations.get(k, 0.0) for k in keys) for name, keys in GROUPS.items()}
    fixed = {k for keys in GROUPS.values() for k in keys}
    grouped["write"] = sum(v for k, v in durations.items() if k not in fixed)
    grouped["steps"] = durations
    return grouped


def run() -> dict:
    env = {**os.environ, "CI": "true"}
    env.pop("DAGSTER_HOME", None)
    with sample_api() as server:
        startup = startup_seconds(server.base_url)
        steps = step_seconds(server.base_url)
        out = tempfile.mkdtemp(prefix="jsna-bench-e2e-cli-")
        with timer() as t:
            subprocess.run([sys.executable, "-m", "pipelines.cli", "refresh", "--api-url", server.base_url,
                            "--output", out], check=True, capture_output=True, env=env)  # fmt: skip
    return {
        "total_seconds": t["seconds"],
        "startup_seconds": startup,
        "fetch_seconds": steps["fetch"],
        "validate_seconds": steps["validate"],
        "write_seconds": steps["write"],
        "steps": steps["steps"],
        "measured_at": time.strftime("%H:%M:%S"),
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
