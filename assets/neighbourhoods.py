"""Neighbourhoods: each council's MSOA values, validated, then published per area.

The core asset types and validates every MSOA row of the scope's councils from the
neighbourhoods' extract (quarantining rows that break the ``neighbourhood_values``
contract, with the reason, and failing the run on a bad headline row as the council
table does); the out asset publishes ``areas/<slug>/neighbourhoods.*`` per area.
The report draws its neighbourhood charts from the same core table.
"""

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetIn,
    MaterializeResult,
    MetadataValue,
)

from assets.factories import out_asset
from assets.geographies import (
    NEIGHBOURHOOD_ROWS,
    core_asset,
    extract_rows,
    not_recomputed,
    quarantine_as_published,
    validated,
)
from assets.staging import (
    Upstream,
    quiet,
    run_areas,
    stage,
    stage_files,
    table_job,
)
from assets.ui_metadata import by_area, parquet_metadata, provenance, table_schema
from jsna import layout
from jsna.extracts import EXTRACT_COLUMN, NEIGHBOURHOODS
from jsna.grouping import split_by
from jsna.neighbourhoods import neighbourhood_codes, tidy_neighbourhoods
from jsna.workers import render_each
from resources import RunContext
from schemas.neighbourhoods import NEIGHBOURHOOD_VALUES

NEIGHBOURHOOD_CORE_KEY = NEIGHBOURHOOD_ROWS.key
NEIGHBOURHOOD_KEY = "out_jsna__neighbourhood_values"
SORT = ["council_code", "indicator_id", "area_code", "sex", "age", "category_type", "category", "period_sortable"]


@core_asset(
    NEIGHBOURHOOD_CORE_KEY,
    metadata={"dagster/column_schema": table_schema(NEIGHBOURHOOD_VALUES)},
    check_specs=[NEIGHBOURHOOD_ROWS.check_spec()],
)
def core_jsna__neighbourhood_values(
    context: AssetExecutionContext,
    run: RunContext,
    raw_data: pd.DataFrame,
    raw_metadata: pd.DataFrame,
):  # returns MaterializeResult(value=DataFrame)
    if quiet(context, run):
        return not_recomputed(NEIGHBOURHOOD_ROWS.spec, quarantine_as_published(run, NEIGHBOURHOOD_ROWS))
    scope = run.scope()
    councils = {a.code for a in scope.areas}
    ours = raw_data[EXTRACT_COLUMN] == NEIGHBOURHOODS
    codes = neighbourhood_codes(raw_data["area_code"][ours], raw_data["parent_code"][ours], councils)
    served = extract_rows(raw_data, NEIGHBOURHOODS, areas=codes)
    result = tidy_neighbourhoods(served, raw_metadata, run.catalogue(), councils)
    valid, quarantine, check = validated(
        context,
        run,
        NEIGHBOURHOOD_ROWS,
        result,
        lambda rows: rows.sort_values(SORT, kind="stable").reset_index(drop=True),
    )
    return MaterializeResult(
        value=valid,
        metadata={
            "dagster/row_count": len(valid),
            "neighbourhoods": int(valid["area_code"].nunique()),
            "councils": int(valid["council_code"].nunique()),
            "quarantined_rows": len(quarantine),
        },
        check_results=[check],
    )


@out_asset(
    NEIGHBOURHOOD_KEY,
    kinds={"pandas", "parquet", "csv"},
    ins={"neighbourhoods": AssetIn(NEIGHBOURHOOD_CORE_KEY)},
    metadata={"dagster/column_schema": table_schema(NEIGHBOURHOOD_VALUES)},
)
def out_jsna__neighbourhood_values(
    context: AssetExecutionContext, run: RunContext, neighbourhoods: Upstream
) -> MaterializeResult:
    pub = stage(context, run)
    scope = run.scope()
    fields = provenance(neighbourhoods, run)
    slugs = run_areas(context, run)
    codes = scope.codes_of(slugs)
    by_council = split_by(neighbourhoods, "council_code", codes)
    meta = parquet_metadata(fields)
    areas = [(slug, by_council.get(code, neighbourhoods.iloc[0:0])) for slug, code in zip(slugs, codes, strict=True)]
    jobs = [
        table_job(NEIGHBOURHOOD_VALUES, rows, layout.area(slug, fields["synthetic"]).neighbourhoods, meta)
        for slug, rows in areas
    ]
    for files in render_each(jobs):
        stage_files(pub, files)
    counts = {slug: len(rows) for slug, rows in areas}
    return MaterializeResult(
        metadata={
            "rows_by_area": MetadataValue.json(counts),
            "by_area": by_area([{"slug": slug, "neighbourhood_rows": rows} for slug, rows in counts.items()]),
        }
    )
