"""Benchmark 2: a refresh when nothing changed upstream, against a full refresh.

Both run the whole graph in-process (as the nightly schedule does) against the sample
API with the fetch benchmark's latency. Requests and wall time are compared.
"""

from __future__ import annotations

import os
import tempfile

from bench.common import data_requests, latency_main, sample_api, timer
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
                "data_requests": len(data_requests(server)),
            }
    results["requests_ratio"] = results["no_change"]["requests"] / results["full"]["requests"]
    results["time_ratio"] = results["no_change"]["seconds"] / results["full"]["seconds"]
    return results


if __name__ == "__main__":
    latency_main(run, __doc__)
