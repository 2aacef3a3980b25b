"""Benchmark 2: a refresh when nothing changed upstream, against a full refresh.

Both run the whole graph in-process (as the nightly schedule does) against the sample
API with the fetch benchmark's latency. Requests and wall time are compared.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile

from bench.common import sample_api, timer
from pipelines.cli import main


def run(latency: float = 0.15, per_indicator: float = 0.3) -> dict:
    os.environ.pop("DAGSTER_HOME", None)
    os.environ["CI"] = "true"
    out = tempfile.mkdtemp(prefix="jsna-bench-nochange-")
    results: dict = {}
    with sample_api(latency, per_indicator) as server:
        for name, extra in (("full", ["--full"]), ("no_change", [])):
            server.state.requests.clear()
            with timer() as t:
                code = main(["refresh", "--api-url", server.base_url, "--output", out, *extra])
            assert code == 0, f"{name} refresh failed"
            results[name] = {
                "seconds": t["seconds"],
                "requests": len(server.state.requests),
                "data_requests": sum(r["path"].endswith("by_indicator_id") and "all_data" in r["path"]
                                     for r in server.state.requests),
            }  # fmt: skip
    results["requests_ratio"] = results["no_change"]["requests"] / results["full"]["requests"]
    results["time_ratio"] = results["no_change"]["seconds"] / results["full"]["seconds"]
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--per-indicator", type=float, default=0.3)
    args = parser.parse_args()
    print(json.dumps(run(args.latency, args.per_indicator), indent=2))
