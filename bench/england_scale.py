"""Benchmark 3: England-scale processing against DuckDB (the floor).

A synthetic raw extract in the served CSV shape: ~150 upper-tier areas (plus England and
the regions) x the catalogue x 15 periods, with sex, age and category breakdowns
(several million rows). Timed: this project's parse -> validate -> tidy -> per-area
Parquet, and DuckDB reading the same CSV and writing the same per-area Parquet. Each
runs in its own process so that peak memory is its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from jsna.areas import REGIONS
from jsna.sample_api.data import SERVED_HEADER

SEXES = ("Persons", "Male", "Female")
AGES = ("All ages", "18-64 yrs")
CATEGORIES = ("", "White", "Asian", "Black", "Mixed")


def generate(path: Path, n_areas: int = 150, n_periods: int = 15, seed: int = 1) -> int:
    """Write the extract; returns its row count."""
    from jsna.catalogue import load_catalogue

    rng = np.random.default_rng(seed)
    ids = np.array(load_catalogue().ids)
    region_codes = list(REGIONS)
    codes = ["E92000001", *region_codes, *[f"E06{n:06d}" for n in range(1, n_areas + 1)]]
    names = ["England", *REGIONS.values(), *[f"Synthetic area {n}" for n in range(1, n_areas + 1)]]
    parents = ["", *["E92000001"] * len(region_codes), *[region_codes[n % 9] for n in range(n_areas)]]
    types = ["England", *["Region"] * len(region_codes), *["Counties & UAs (from Apr 2023)"] * n_areas]
    grid = np.array(
        np.meshgrid(
            np.arange(len(ids)), np.arange(n_periods), np.arange(len(codes)), np.arange(3), np.arange(2),
            np.arange(len(CATEGORIES)), indexing="ij",
        )
    ).reshape(6, -1)  # fmt: skip
    ind, per, area, sex, age, cat = grid
    n = grid.shape[1]
    value = rng.uniform(1, 99, n)
    half = rng.uniform(0.1, 2, n)
    year = 2009 + per
    columns = {
        "Indicator ID": ids[ind].astype(str),
        "Indicator Name": np.char.add("Synthetic indicator ", ids[ind].astype(str)),
        "Parent Code": np.array(parents)[area],
        "Parent Name": np.where(np.array(parents)[area] == "", "", "Parent"),
        "Area Code": np.array(codes)[area],
        "Area Name": np.array(names)[area],
        "Area Type": np.array(types)[area],
        "Sex": np.array(SEXES)[sex],
        "Age": np.array(AGES)[age],
        "Category Type": np.where(cat == 0, "", "Ethnic groups"),
        "Category": np.array(CATEGORIES)[cat],
        "Time period": year.astype(str),
        "Value": value,
        "Lower CI 95.0 limit": value - half,
        "Upper CI 95.0 limit": value + half,
        "Lower CI 99.8 limit": value - 1.6 * half,
        "Upper CI 99.8 limit": value + 1.6 * half,
        "Count": rng.integers(10, 5000, n).astype(float),
        "Denominator": rng.integers(10000, 500000, n).astype(float),
        "Value note": np.full(n, ""),
        "Recent Trend": np.full(n, ""),
        "Compared to England value or percentiles": np.full(n, "Similar"),
        "Compared to Region value or percentiles": np.full(n, "Similar"),
        "Time period Sortable": (year * 10000).astype(str),
        "New data": np.full(n, ""),
        "Compared to goal": np.full(n, ""),
        "Time period range": np.full(n, "1y"),
    }
    assert list(columns) == list(SERVED_HEADER)
    pa_csv.write_csv(pa.table(columns), path)
    return n


def ours(csv_path: str, out_dir: str) -> dict:
    """parse -> tidy -> validate -> per-area Parquet, with this project's own functions."""
    import pandas as pd
    import pyarrow.parquet as pq

    from bench.common import peak_rss_mb
    from jsna.catalogue import load_catalogue
    from jsna.fingertips.data_csv import parse_data_csv_file
    from jsna.tidy import tidy_areas
    from schemas.indicator_values import row_failures

    timings = {}
    t = time.perf_counter()
    parsed = parse_data_csv_file(csv_path).frame
    parsed["request_url"] = "bench"
    parsed["retrieved_at"] = "2026-11-22T02:00:00+00:00"
    parsed["source"] = "synthetic sample"
    timings["parse"] = time.perf_counter() - t
    catalogue = load_catalogue()
    ids = [str(i) for i in catalogue.ids]
    metadata = pd.DataFrame(
        {"indicator_id": ids, "unit": "%", "value_type": "Proportion", "polarity": "RAG - Low is good"}
    )
    t = time.perf_counter()
    result = tidy_areas(parsed, metadata, catalogue, set(parsed["area_code"].unique()), "E12000007")
    del parsed
    timings["tidy"] = time.perf_counter() - t
    t = time.perf_counter()
    reasons, _ = row_failures(result.frame)
    timings["validate"] = time.perf_counter() - t
    frame = result.frame.drop(index=reasons.index)
    t = time.perf_counter()
    table = pa.Table.from_pandas(frame, preserve_index=False).sort_by("area_code")
    counts = pc.value_counts(table.column("area_code"))  # in order of appearance: sorted
    start = 0
    for item in counts.to_pylist():
        folder = Path(out_dir) / f"area_code={item['values']}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table.slice(start, item["counts"]), folder / "data.parquet", compression="zstd")
        start += item["counts"]
    timings["write"] = time.perf_counter() - t
    return {"rows_in": int(len(result.frame)), "rows_invalid": int(len(reasons)), "steps": timings,
            "peak_rss_mb": peak_rss_mb()}  # fmt: skip


def ours_streaming(csv_path: str, out_dir: str) -> dict:
    """The same steps in batches of about 32 MB: memory stays bounded by the batch.

    Pass 1 keeps only England's and the regions' rows (the comparators); pass 2 tidies,
    validates and appends each batch to one Parquet writer per area. Duplicate keys are
    caught across batches by a set of key hashes.
    """
    import pandas as pd
    import pyarrow.parquet as pq

    from bench.common import peak_rss_mb
    from jsna.areas import ENGLAND_CODE
    from jsna.catalogue import load_catalogue
    from jsna.fingertips.data_csv import iter_data_csv_file
    from jsna.tidy import tidy_areas
    from schemas.indicator_values import ROW_KEY, row_failures

    catalogue = load_catalogue()
    ids = [str(i) for i in catalogue.ids]
    metadata = pd.DataFrame(
        {"indicator_id": ids, "unit": "%", "value_type": "Proportion", "polarity": "RAG - Low is good"}
    )
    comparator_codes = {ENGLAND_CODE, *REGIONS}

    def stamped(batch: pd.DataFrame) -> pd.DataFrame:
        return batch.assign(request_url="bench", retrieved_at="2026-11-22T02:00:00+00:00", source="synthetic sample")

    timings = {"pass1": 0.0, "parse": 0.0, "tidy": 0.0, "validate": 0.0, "write": 0.0}
    t = time.perf_counter()
    parts = []
    for batch in iter_data_csv_file(csv_path):
        rows = batch[batch["area_code"].isin(comparator_codes)]
        if len(rows):
            parts.append(tidy_areas(stamped(rows), metadata, catalogue, comparator_codes, "E12000007").frame)
    comparators = pd.concat(parts, ignore_index=True)
    timings["pass1"] = time.perf_counter() - t

    writers: dict[str, pq.ParquetWriter] = {}
    seen: set[int] = set()
    rows_in = invalid = 0
    t = time.perf_counter()
    for batch in iter_data_csv_file(csv_path):
        t1 = time.perf_counter()
        timings["parse"] += t1 - t
        areas = set(batch["area_code"].unique())
        result = tidy_areas(stamped(batch), metadata, catalogue, areas, "E12000007", comparators)
        t2 = time.perf_counter()
        timings["tidy"] += t2 - t1
        reasons, _ = row_failures(result.frame)
        keys = pd.util.hash_pandas_object(result.frame[list(ROW_KEY)], index=False).tolist()
        duplicate = np.fromiter((k in seen for k in keys), dtype=bool, count=len(keys))
        seen.update(keys)
        frame = result.frame.drop(index=reasons.index)[~duplicate[~result.frame.index.isin(reasons.index)]]
        rows_in += len(result.frame)
        invalid += len(result.frame) - len(frame)
        t3 = time.perf_counter()
        timings["validate"] += t3 - t2
        table = pa.Table.from_pandas(frame, preserve_index=False).sort_by("area_code")
        start = 0
        for item in pc.value_counts(table.column("area_code")).to_pylist():
            code, count = item["values"], item["counts"]
            if code not in writers:
                folder = Path(out_dir) / f"area_code={code}"
                folder.mkdir(parents=True, exist_ok=True)
                writers[code] = pq.ParquetWriter(folder / "data.parquet", table.schema, compression="zstd")
            writers[code].write_table(table.slice(start, count))
            start += count
        t = time.perf_counter()
        timings["write"] += t - t3
    for writer in writers.values():
        writer.close()
    return {"rows_in": rows_in, "rows_invalid": invalid, "steps": timings, "peak_rss_mb": peak_rss_mb()}


def duckdb_floor(csv_path: str, out_dir: str) -> dict:
    """The same CSV to the same per-area Parquet, with DuckDB (typed by name, no checks)."""
    import duckdb

    from bench.common import peak_rss_mb

    t = time.perf_counter()
    query = (
        f"COPY (SELECT * FROM read_csv('{csv_path}', header=true)) TO '{out_dir}' "
        '(FORMAT parquet, COMPRESSION zstd, PARTITION_BY ("Area Code"), OVERWRITE_OR_IGNORE)'
    )
    duckdb.sql(query)
    return {"steps": {"all": time.perf_counter() - t}, "peak_rss_mb": peak_rss_mb()}


def _child(kind: str, csv_path: str) -> dict:
    out = tempfile.mkdtemp(prefix=f"jsna-bench-{kind}-")
    code = f"import json; from bench.england_scale import {kind}; print(json.dumps({kind}({csv_path!r}, {out!r})))"
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["seconds"] = time.perf_counter() - t
    result["files"] = sum(1 for _ in Path(out).rglob("*.parquet"))
    return result


def run(n_areas: int = 150, n_periods: int = 15) -> dict:
    with tempfile.TemporaryDirectory(prefix="jsna-bench-england-") as tmp:
        csv_path = os.path.join(tmp, "extract.csv")
        # Generated in a child process, so that this one stays small while the others run.
        code = (
            "from pathlib import Path; from bench.england_scale import generate; "
            f"print(generate(Path({csv_path!r}), {n_areas}, {n_periods}))"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        rows = int(done.stdout.strip().splitlines()[-1])
        size = os.path.getsize(csv_path)
        result = {"rows": rows, "csv_mb": round(size / 1e6, 1)}
        result["jsna_in_memory"] = _child("ours", csv_path)
        result["jsna"] = _child("ours_streaming", csv_path)
        result["duckdb"] = _child("duckdb_floor", csv_path)
    result["ratio_to_duckdb"] = result["jsna"]["seconds"] / result["duckdb"]["seconds"]
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--areas", type=int, default=150)
    parser.add_argument("--periods", type=int, default=15)
    args = parser.parse_args()
    print(json.dumps(run(args.areas, args.periods), indent=2))
