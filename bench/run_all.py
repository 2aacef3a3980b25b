"""Run every benchmark and rewrite bench/RESULTS.md (make bench)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import end_to_end, england_scale, fetch, no_change, scopes
from bench.common import machine

HERE = Path(__file__).resolve().parent


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def main() -> None:
    facts = machine()
    print("fetch ...", flush=True)
    f = fetch.run()
    print("no change ...", flush=True)
    n = no_change.run()
    print("England scale ...", flush=True)
    e = england_scale.run()
    print("end to end ...", flush=True)
    x = end_to_end.run()
    print("London and England ...", flush=True)
    s = scopes.run()
    lost = f["jsna"]["ids_lost"]
    m = e["jsna_in_memory"]
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {facts['cores']} cores, {facts['memory']} memory, Python {facts['python']}, {facts['platform']}.",
        f"Run: {facts['date']} by `make bench` (rewrites this file; history of fixes below).",
        "",
        "| benchmark | figure | goal | verdict |",
        "|---|---|---|---|",
        f"| 1. fetch {f['indicators']} indicators, {f['latency_s'] * 1000:.0f} ms/request + "
        f"{f['per_indicator_s'] * 1000:.0f} ms/indicator | jsna {f['jsna']['seconds']:.2f} s, "
        f"{f['jsna']['requests']} requests, {f['jsna']['bytes'] / 1e6:.1f} MB; fingertips_py "
        f"{f['fingertips_py']['seconds']:.2f} s, {f['fingertips_py']['requests']} request(s), "
        f"{f['fingertips_py']['bytes'] / 1e6:.1f} MB; **{f['speedup']:.1f}x**, {lost} of {f['ids_with_data']} ids "
        "with data lost | >= 3x faster, "
        f"no id lost | {verdict(f['speedup'] >= 3 and lost == 0)} |",
        f"| 2. nothing changed upstream | {n['no_change']['requests']} requests "
        f"({n['no_change']['data_requests']} data) in {n['no_change']['seconds']:.2f} s vs full "
        f"{n['full']['requests']} requests in {n['full']['seconds']:.2f} s: **{n['requests_ratio']:.0%} of "
        f"requests, {n['time_ratio']:.0%} of wall time** | <= 5% requests, <= 10% time | "
        f"{verdict(n['requests_ratio'] <= 0.05 and n['time_ratio'] <= 0.10)} |",
        f"| 3. England scale: {e['rows']:,} rows ({e['csv_mb']} MB CSV) -> {e['jsna']['files']} per-area Parquet, "
        f"streaming in 32 MB batches | jsna {e['jsna']['seconds']:.1f} s, peak RSS "
        f"{e['jsna']['peak_rss_mb']:,.0f} MB; DuckDB {e['duckdb']['seconds']:.1f} s, peak RSS "
        f"{e['duckdb']['peak_rss_mb']:,.0f} MB; **{e['ratio_to_duckdb']:.1f}x DuckDB** | <= 3x DuckDB, RSS < 2 GB | "
        f"time {verdict(e['ratio_to_duckdb'] <= 3)}, memory {verdict(e['jsna']['peak_rss_mb'] < 2048)} |",
        f"| 3b. the same, whole extract in memory | jsna {m['seconds']:.1f} s (parse {m['steps']['parse']:.1f}, "
        f"tidy {m['steps']['tidy']:.1f}, validate {m['steps']['validate']:.1f}, write {m['steps']['write']:.1f}), "
        f"peak RSS {m['peak_rss_mb']:,.0f} MB: **{m['seconds'] / e['duckdb']['seconds']:.1f}x DuckDB** | "
        f"<= 3x DuckDB, RSS < 2 GB | time {verdict(m['seconds'] / e['duckdb']['seconds'] <= 3)}, memory "
        f"{verdict(m['peak_rss_mb'] < 2048)} |",
        f"| 4. end to end, 33 boroughs, no latency | total {x['total_seconds']:.1f} s: start-up "
        f"{x['startup_seconds']:.1f} s, fetch {x['fetch_seconds']:.1f} s, validate {x['validate_seconds']:.1f} s, "
        f"write {x['write_seconds']:.1f} s | < 60 s on 2 cores | {verdict(x['total_seconds'] < 60)} |",
        f"| 5. `jsna refresh --full`, London ({s['london']['areas']} areas) and all of England "
        f"({s['england']['areas']} areas), no latency | London {s['london']['seconds']:.1f} s, peak RSS "
        f"{s['london']['peak_rss_mb']:,.0f} MB; England {s['england']['seconds']:.1f} s, peak RSS "
        f"{s['england']['peak_rss_mb']:,.0f} MB ({s['england_to_london']:.1f}x London) | England in one run on "
        f"2 cores, peak RSS < 1.5 GB | {verdict(s['england']['exit'] == 0 and s['england']['peak_rss_mb'] < 1536)} |",
        "",
        "Raw figures:",
        "",
        "```json",
        json.dumps(
            {"fetch": f, "no_change": n, "england_scale": e, "end_to_end": x, "scopes": s}, indent=2, default=str
        ),
        "```",
        "",
    ]
    history = HERE / "HISTORY.md"
    if history.exists():
        lines += [history.read_text()]
    (HERE / "RESULTS.md").write_text("\n".join(lines))
    print((HERE / "RESULTS.md").read_text().split("Raw figures")[0])


if __name__ == "__main__":
    main()
