"""What the Dagster UI shows about the tables: column schema, previews, provenance."""

from __future__ import annotations

from typing import Any

import pandas as pd
from dagster import TableColumn, TableColumnConstraints, TableConstraints, TableSchema

from resources import RunContext
from schemas.indicator_values import INDICATOR_VALUES, SOURCE_SYNTHETIC
from schemas.spec import TableSpec

DATASET = "JSNA mental wellbeing indicators (Fingertips)"


def table_schema(spec: TableSpec = INDICATOR_VALUES) -> TableSchema:
    """The column schema shown in the UI, from the table's spec."""
    return TableSchema(
        columns=[
            TableColumn(
                c.name,
                c.type,
                description=" ".join(filter(None, [c.description, f"Unit: {c.unit}." if c.unit else ""])),
                constraints=TableColumnConstraints(nullable=c.nullable, other=[c.rules()] if c.rules() else []),
            )
            for c in spec.columns
        ],
        constraints=TableConstraints(other=[f"primary key: {', '.join(spec.primary_key)}"])
        if spec.primary_key
        else None,
    )


def is_synthetic(frame: pd.DataFrame) -> bool:
    return bool(len(frame)) and bool((frame["source"] == SOURCE_SYNTHETIC).any())


def synthetic_data(frame: pd.DataFrame, run: RunContext) -> bool:
    """Whether outputs built from ``frame`` are synthetic: a row says so, or the API declared
    it (kept in the raw store), so an empty answer cannot make outputs look real."""
    return is_synthetic(frame) or bool(run.raw_store().state().get("synthetic"))


def provenance(frame: pd.DataFrame, run: RunContext) -> dict[str, Any]:
    """Top-level manifest fields: what the data is and where and when it came from."""
    catalogue = run.catalogue()
    synthetic = synthetic_data(frame, run)
    retrieved = frame["retrieved_at"].max() if len(frame) else None
    scope = run.scope()
    return {
        "dataset": DATASET + (" - SYNTHETIC SAMPLE DATA, NOT REAL STATISTICS" if synthetic else ""),
        "synthetic": synthetic,
        "source": SOURCE_SYNTHETIC if synthetic else "fingertips",
        "api_base_url": run.api_name,
        "retrieved_at": retrieved.isoformat() if retrieved is not None and not pd.isna(retrieved) else None,
        "catalogue_version": catalogue.version,
        "catalogue_sha256": catalogue.sha256,
        "raw_digest": run.raw_digest(),
        "data_fingerprint": run.data_fingerprint(),
        "region_code": scope.region_code or scope.slug,
    }


def parquet_metadata(fields: dict[str, Any]) -> dict[str, str]:
    """Provenance carried inside every Parquet file (key/value metadata)."""
    return {f"jsna:{k}": str(v) for k, v in fields.items()}


def by_area(records: list[dict[str, Any]]) -> Any:
    """One row per area for the asset's page in the UI (area, its figures, where its files
    are): every area's result is read where the asset is, without a partition per area."""
    from dagster import MetadataValue, TableRecord

    if not records:
        return MetadataValue.json([])
    columns = [TableColumn(name, "int" if isinstance(value, int) else "string") for name, value in records[0].items()]
    return MetadataValue.table(records=[TableRecord(r) for r in records], schema=TableSchema(columns=columns))
