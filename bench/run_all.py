"""Run every benchmark and rewrite bench/RESULTS.md (make bench)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench import fetch, no_change, refresh
from bench.common import machine

HERE = Path(__file__).resolve().parent


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def main(runs: int = 3) -> None:
    facts = machine()
    print("fetch ...", flush=True)
    f = fetch.run()
    print("no change ...", flush=True)
    n = no_change.run()
    print(f"jsna refresh, London and England, {runs} runs each ...", flush=True)
    r = refresh.run(runs)
    lost = f["jsna"]["ids_lost"]
    lon, eng = r["london"], r["england"]
    slow, peer = r["london_with_latency"]["seconds"], r["fingertips_py_fetch"]["seconds"]
    quiet_ok = all(s["no_change_requests"] == 1 and s["no_change_rewritten"] == 0 for s in (lon, eng))
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {facts['cores']} cores, {facts['memory']} memory, Python {facts['python']}, {facts['platform']}.",
        f"Run: {facts['date']} by `make bench` (rewrites this file; history of fixes below). Rows 3-6: the median "
        f"of {runs} runs of `jsna refresh`, each in a fresh process with its own Dagster instance (as `make run`).",
        "",
        "| benchmark | figure | goal | verdict |",
        "|---|---|---|---|",
        f"| 1. fetch {f['indicators']} indicators, {f['latency_s'] * 1000:.0f} ms/request + "
        f"{f['per_indicator_s'] * 1000:.0f} ms/indicator | jsna {f['jsna']['seconds']:.2f} s, "
        f"{f['jsna']['requests']} requests, {f['jsna']['bytes'] / 1e6:.1f} MB; fingertips_py "
        f"{f['fingertips_py']['seconds']:.2f} s, {f['fingertips_py']['requests']} request(s), "
        f"{f['fingertips_py']['bytes'] / 1e6:.1f} MB; **{f['speedup']:.1f}x**, {lost} of {f['ids_with_data']} ids "
        f"with data lost | >= 3x faster, no id lost | {verdict(f['speedup'] >= 3 and lost == 0)} |",
        f"| 2. nothing changed upstream | {n['no_change']['requests']} requests "
        f"({n['no_change']['data_requests']} data) in {n['no_change']['seconds']:.2f} s vs full "
        f"{n['full']['requests']} requests in {n['full']['seconds']:.2f} s: **{n['requests_ratio']:.0%} of "
        f"requests, {n['time_ratio']:.0%} of wall time** | <= 5% requests, <= 10% time | "
        f"{verdict(n['requests_ratio'] <= 0.05 and n['time_ratio'] <= 0.10)} |",
        f"| 3. whole London refresh (`--full`, {r['latency_s'] * 1000:.0f} ms/request + "
        f"{r['per_indicator_s'] * 1000:.0f} ms/indicator) against `fingertips_py` only fetching the same ids | "
        f"jsna {slow:.1f} s, fingertips_py {peer:.1f} s: **{r['refresh_vs_peer_fetch']:.2f}x** | >= 2x | "
        f"{verdict(r['refresh_vs_peer_fetch'] >= 2)} |",
        f"| 4. all of England ({eng['areas']} areas) against London ({lon['areas']}), `--full`, no latency | "
        f"England {eng['seconds']:.1f} s, London {lon['seconds']:.1f} s: **{r['england_to_london']:.2f}x** | <= 2x | "
        f"{verdict(r['england_to_london'] <= 2)} |",
        f"| 5. pack (summary + workbook + report steps) per area | London {lon['pack_ms_per_area']:.0f} ms, "
        f"England **{eng['pack_ms_per_area']:.0f} ms** | <= 30 ms | {verdict(eng['pack_ms_per_area'] <= 30)} |",
        f"| 6. peak RSS, England | **{eng['peak_rss_mb']:,.0f} MB** (London {lon['peak_rss_mb']:,.0f} MB) | < 1.5 GB | "
        f"{verdict(eng['peak_rss_mb'] < 1536)} |",
        f"| 7. no-change night after each | London {lon['no_change_requests']} request, "
        f"{lon['no_change_rewritten']} files rewritten; England {eng['no_change_requests']} request, "
        f"{eng['no_change_rewritten']} rewritten | 1 request, nothing rewritten | {verdict(quiet_ok)} |",
        "",
        "Raw figures (each run's step times are under `samples`):",
        "",
        "```json",
        json.dumps({"fetch": f, "no_change": n, "refresh": r}, indent=2, default=str),
        "```",
        "",
    ]
    history = HERE / "HISTORY.md"
    if history.exists():
        lines += [history.read_text()]
    (HERE / "RESULTS.md").write_text("\n".join(lines))
    print((HERE / "RESULTS.md").read_text().split("Raw figures")[0])


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
