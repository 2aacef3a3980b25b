"""Benchmark 1: fetching the full catalogue, this project's client against fingertips_py.

The sample API adds 150 ms per request and 300 ms of server time per indicator in a data
request (configurable), as the live API spends time per indicator. Both clients fetch
the same indicators at the same area types (502 under region parents, type 6).
"""

from __future__ import annotations

from bench.common import data_requests, latency_main, sample_api, timer
from jsna.catalogue import load_catalogue
from jsna.sample_api.indicators import known_indicators
from resources import FingertipsResource

AREA_TYPE, PARENT_TYPE = 502, 6


def ours(base_url: str, ids: list[int]) -> dict:
    client = FingertipsResource(base_url=base_url).client()
    with timer() as t:
        fetch = client.fetch_data(ids, child_area_type_id=AREA_TYPE, parent_area_type_id=PARENT_TYPE)
    served = set(fetch.frame["indicator_id"].astype(int))
    return {"seconds": t["seconds"], "rows": len(fetch.frame), "ids_served": len(served)}


def fingertips_py(base_url: str, ids: list[int]) -> dict:
    import fingertips_py.api_calls as api_calls
    import fingertips_py.retrieve_data as retrieve_data

    # Its base URL is a module constant copied into each module: point them all here.
    for module in (api_calls, retrieve_data):
        module.base_url = base_url.rstrip("/") + "/"
    with timer() as t:
        frame = retrieve_data.get_data_by_indicator_ids(ids, AREA_TYPE, parent_area_type_id=PARENT_TYPE)
    return {"seconds": t["seconds"], "rows": len(frame), "ids_served": int(frame["Indicator ID"].nunique())}


def run(latency: float = 0.15, per_indicator: float = 0.3) -> dict:
    ids = load_catalogue().ids
    results = {"latency_s": latency, "per_indicator_s": per_indicator, "indicators": len(ids)}
    for name, fn in (("jsna", ours), ("fingertips_py", fingertips_py)):
        with sample_api(latency, per_indicator) as server:
            result = fn(server.base_url, ids)
            requests = data_requests(server)
            result["requests"] = len(requests)
            result["bytes"] = sum(r.get("bytes", 0) for r in requests)
        results[name] = result
    # Ids the server has data for at this area type (one catalogue indicator has none there).
    with_data = [i for i in ids if known_indicators()[i].at_502]
    results["ids_with_data"] = len(with_data)
    for name in ("jsna", "fingertips_py"):
        results[name]["ids_lost"] = len(with_data) - results[name]["ids_served"]
    results["speedup"] = results["fingertips_py"]["seconds"] / results["jsna"]["seconds"]
    return results


if __name__ == "__main__":
    latency_main(run, __doc__)
