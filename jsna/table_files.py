"""A published table's files as bytes: Parquet with its spec's Arrow schema, and CSV.

One function for every table (``assets.staging.write_table`` stages what it returns),
and one that a worker process can run for an area's tables (``jsna.pack.workers``): it
needs only the table's spec, its rows and where its files go.
"""

from __future__ import annotations

import pandas as pd

from jsna.publication import csv_bytes, parquet_bytes
from schemas.indicator_values import INDICATOR_VALUES, SOURCE_SYNTHETIC
from schemas.spec import TableSpec

PROVENANCE = INDICATOR_VALUES.column("source")  # each indicator row's source, carried by the summary too


def conformed(spec: TableSpec, frame: pd.DataFrame, *, validated: bool = False) -> pd.DataFrame:
    """The rows in the spec's column order and types, validated against it (unless
    ``validated``: already checked as part of a larger table)."""
    rows = spec.conform(frame)
    if not validated:
        spec.pandera_schema().validate(rows, lazy=True)
    return rows


def table_files(
    spec: TableSpec,
    frame: pd.DataFrame,
    paths: dict[str, str],
    metadata: dict[str, str] | None = None,
    *,
    validated: bool = False,
) -> list[tuple[str, bytes, int]]:
    """(path, bytes, rows) of each file of the table, by suffix in ``paths``: the rows
    ``conformed`` to the spec, as Parquet with the spec's Arrow schema and as CSV."""
    return files_of(spec, conformed(spec, frame, validated=validated), paths, metadata)


def files_of(
    spec: TableSpec, rows: pd.DataFrame, paths: dict[str, str], metadata: dict[str, str] | None = None
) -> list[tuple[str, bytes, int]]:
    """The files of rows already ``conformed``. A CSV of indicator rows that are synthetic
    has their ``source`` column first: the first thing Excel shows says what the data is."""
    out = []
    for suffix, path in paths.items():
        if suffix == "parquet":
            out.append((path, parquet_bytes(rows, metadata, spec.arrow_schema()), len(rows)))
        elif suffix == "csv":
            synthetic = PROVENANCE in spec.columns and (rows[PROVENANCE.name] == SOURCE_SYNTHETIC).any()
            first = [PROVENANCE.name] if synthetic else []
            out.append((path, csv_bytes(rows[[*first, *(c for c in rows.columns if c not in first)]]), len(rows)))
        else:
            raise ValueError(f"{spec.name}: no writer for .{suffix}")
    return out
