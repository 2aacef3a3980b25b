"""Core layer: one tidy, typed, validated table for the region's areas and comparators.

Validation happens here, *before* anything downstream is written. Rows that break a
rule go to a quarantine table with the reason; if any of them is a headline row (no
inequality category) the run fails, because an area's table without its headline
figure would mislead.
"""

import pandas as pd
from dagster import (
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
)

from assets.geographies import (
    COUNCIL_ROWS,
    core_asset,
    extract_rows,
    not_recomputed,
    quarantine_as_published,
    validated,
)
from assets.staging import NO_CHANGE, quiet
from assets.ui_metadata import table_schema
from jsna.extracts import COUNCILS
from jsna.ranks import SERVED_COLUMNS, england_headline
from jsna.tidy import scope_codes, scope_comparators, tidy
from resources import RunContext
from schemas.indicator_values import COLUMN_NAMES

CORE_KEY = COUNCIL_ROWS.key
ENGLAND_KEY = "core_jsna__england_headline"


@core_asset(
    CORE_KEY,
    metadata={"dagster/column_schema": table_schema()},
    check_specs=[COUNCIL_ROWS.check_spec()],
)
def core_jsna__indicator_values(
    context: AssetExecutionContext,
    run: RunContext,
    raw_data: pd.DataFrame,
    raw_metadata: pd.DataFrame,
):  # returns MaterializeResult(value=DataFrame); Dagster infers the type
    if quiet(context, run):
        return not_recomputed(COUNCIL_ROWS.spec, quarantine_as_published(run, COUNCIL_ROWS))
    scope = run.scope()
    result = tidy(extract_rows(raw_data, COUNCILS, areas=scope_codes(scope)), raw_metadata, run.catalogue(), scope)
    # Comparators are recomputed from valid rows only: a quarantined England value must
    # not leak into an area's row as its comparator.
    valid, quarantine, check = validated(
        context, run, COUNCIL_ROWS, result, lambda rows: scope_comparators(rows, scope)[list(COLUMN_NAMES)]
    )
    sample = quarantine.head(20)
    return MaterializeResult(
        value=valid.reset_index(drop=True),
        metadata={
            "dagster/row_count": len(valid),
            "quarantined_rows": len(quarantine),
            "indicators": int(valid["indicator_id"].nunique()),
            "areas": int(valid["area_code"].nunique()),
            "quarantine_sample": MetadataValue.md(sample.to_markdown(index=False)) if len(sample) else "none",
        },
        check_results=[check],
    )


@core_asset(ENGLAND_KEY)
def core_jsna__england_headline(
    context: AssetExecutionContext, run: RunContext, raw_data: pd.DataFrame, raw_metadata: pd.DataFrame
):  # returns MaterializeResult(value=DataFrame)
    if quiet(context, run):  # read only by the summaries, which skip their work too
        nothing = england_headline(extract_rows(raw_data.iloc[0:0], COUNCILS, SERVED_COLUMNS), raw_metadata, set())
        return MaterializeResult(value=nothing, metadata={"upstream_change": NO_CHANGE, "recomputed": "nothing"})
    areas = run.area_list()
    served = extract_rows(raw_data, COUNCILS, SERVED_COLUMNS)
    frame = england_headline(served, raw_metadata, set(areas.codes()))
    return MaterializeResult(
        value=frame,
        metadata={"dagster/row_count": len(frame), "areas": int(frame["area_code"].nunique())},
    )
