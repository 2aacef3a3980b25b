"""Core layer: one tidy, typed, validated table for the region's areas and comparators.

Validation happens here, *before* anything downstream is written. Rows that break a
rule go to a quarantine table with the reason; if any of them is a headline row (no
inequality category) the run fails, because an area's table without its headline
figure would mislead.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetIn,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.descriptions import describe
from assets.errors import one_line_errors
from assets.factories import OWNERS
from assets.raw import DATA_KEY, META_KEY
from assets.staging import publication_in_launch, quiet, stage, write_table
from assets.ui_metadata import synthetic_data, table_schema
from jsna import layout
from jsna.extracts import COUNCILS, EXTRACT_COLUMN
from jsna.ranks import england_headline
from jsna.tidy import scope_comparators, tidy
from resources import RunContext
from schemas import QUARANTINE
from schemas.indicator_values import COLUMN_NAMES, INDICATOR_VALUES, indicator_values_schema, row_failures
from schemas.spec import TableSpec

CORE_KEY = "core_jsna__indicator_values"
ENGLAND_KEY = "core_jsna__england_headline"


def split_valid(
    frame: pd.DataFrame, problems: pd.Series, served: pd.DataFrame, spec: TableSpec = INDICATOR_VALUES
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(valid rows, quarantined rows with the served text and reason, failure cases),
    against the contract of the table the rows are published in (``spec``)."""
    # A row served twice, identically, is one row: keep the first, quarantine the copies
    # (the duplicate-key rule would otherwise quarantine the original too).
    served_cells = [c for c in served.columns if c not in ("request_url", "retrieved_at")]
    copies = served.index[served.duplicated(subset=served_cells, keep="first")]
    copy_reasons = pd.Series("exact copy of another served row", index=copies, dtype="string")
    schema_reasons, cases = row_failures(frame.drop(index=copies), spec.pandera_schema())
    reasons = pd.concat([problems, copy_reasons, schema_reasons]).groupby(level=0).agg(lambda r: "; ".join(r))
    bad = served.loc[reasons.index].copy() if len(reasons) else served.iloc[0:0].copy()
    bad["reason"] = reasons
    quarantine = bad.reindex(columns=list(QUARANTINE.column_names)).fillna("").astype("string")
    valid = frame.drop(index=reasons.index)
    return valid, quarantine.reset_index(drop=True), cases


def refuse_headline_failures(quarantine: pd.DataFrame, outcome: str, run: RunContext) -> None:
    """Fail the run if a headline row (no inequality category) was quarantined: a table
    without its headline figure would mislead. The refused indicators' upload times are
    forgotten in every raw store, so the next normal refresh asks for them again."""
    headline_bad = quarantine[quarantine["category"] == ""]
    if not len(headline_bad):
        return
    refused = sorted({int(i) for i in headline_bad["indicator_id"] if str(i).strip().isdigit()})
    for store in run.raw_stores().values():
        store.forget_uploads(refused)
    first = headline_bad.iloc[0]
    raise Failure(
        description=(
            f"{len(headline_bad)} headline row(s) failed validation; {outcome}. First: indicator "
            f"{first['indicator_id']}, area {first['area_code']}, period {first['period']}: {first['reason']}"
        ),
        metadata={
            "quarantined_rows": len(quarantine),
            "headline_rows_quarantined": len(headline_bad),
            "reasons": MetadataValue.json(quarantine["reason"].value_counts().to_dict()),
            "failure_sample": MetadataValue.md(quarantine.head(20).to_markdown(index=False)),
        },
    )


def publish_quarantine(
    context: AssetExecutionContext,
    run: RunContext,
    valid: pd.DataFrame,
    quarantine: pd.DataFrame,
    cases: pd.DataFrame,
    *,
    check_name: str,
    table: str = INDICATOR_VALUES.name,
) -> AssetCheckResult:
    """Stage a table's quarantine (``quarantine/<table>_quarantine.*``, published with
    everything else by out_jsna__publication) and report it as the table's check (a
    warning: the quarantined rows are reported, never silently dropped)."""
    if publication_in_launch(context) and not quiet(context, run):
        pub = stage(context, run)
        synthetic = synthetic_data(valid, run)
        write_table(pub, QUARANTINE, quarantine, partial(layout.quarantine, synthetic=synthetic, table=table))
    reasons = quarantine["reason"].value_counts().to_dict() if len(quarantine) else {}
    return AssetCheckResult(
        check_name=check_name,
        passed=quarantine.empty,
        severity=AssetCheckSeverity.WARN,
        metadata={
            "quarantined_rows": len(quarantine),
            "reasons": MetadataValue.json(reasons),
            "failure_cases": MetadataValue.md(cases.head(20).to_markdown(index=False)) if len(cases) else "",
        },
    )


def extract_rows(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    """The raw rows of one extract (``jsna.extracts``)."""
    return raw[raw[EXTRACT_COLUMN] == name].drop(columns=EXTRACT_COLUMN).reset_index(drop=True)


def core_asset(key: str, **kwargs: Any) -> Callable:
    """A core-layer asset: typed from the raw data and metadata, errors in one line."""
    decorate = asset(
        key=key,
        group_name="core",
        kinds={"pandas"},
        owners=OWNERS,
        ins={"raw_data": AssetIn(DATA_KEY), "raw_metadata": AssetIn(META_KEY)},
        description=describe(key),
        **kwargs,
    )
    return lambda fn: decorate(one_line_errors(fn))


@core_asset(
    CORE_KEY,
    metadata={"dagster/column_schema": table_schema()},
    check_specs=[
        AssetCheckSpec("rows_valid", asset=CORE_KEY, description="No row breaks the indicator_values contract.")
    ],
)
def core_jsna__indicator_values(
    context: AssetExecutionContext,
    run: RunContext,
    raw_data: pd.DataFrame,
    raw_metadata: pd.DataFrame,
):  # returns MaterializeResult(value=DataFrame); Dagster infers the type
    scope = run.scope()
    result = tidy(extract_rows(raw_data, COUNCILS), raw_metadata, run.catalogue(), scope)
    valid, quarantine, cases = split_valid(result.frame, result.problems, result.served)
    refuse_headline_failures(quarantine, "nothing was published", run)
    sample = quarantine.head(20)
    # Comparators are recomputed from valid rows only: a quarantined England value must
    # not leak into an area's row as its comparator.
    valid = scope_comparators(valid, scope)[list(COLUMN_NAMES)]
    indicator_values_schema().validate(valid, lazy=True)
    check = publish_quarantine(context, run, valid, quarantine, cases, check_name="rows_valid")
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
    areas = run.area_list()
    frame = england_headline(extract_rows(raw_data, COUNCILS), raw_metadata, set(areas.codes()))
    return MaterializeResult(
        value=frame,
        metadata={"dagster/row_count": len(frame), "areas": int(frame["area_code"].nunique())},
    )
