"""One description per geography whose rows are validated (councils, neighbourhoods,
ICBs), and the one way each is validated: split the valid rows from the quarantined,
refuse a run whose headline rows fail, check the rest against the table's contract and
publish the quarantine as the asset's check. The check is declared from the table's
spec, so its description is the contract's own (as PUDL derives checks from schemas)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
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
from assets.staging import NO_CHANGE, publication_in_launch, quiet, stage, write_table
from assets.ui_metadata import synthetic_data
from jsna import layout
from jsna.extracts import EXTRACT_COLUMN
from resources import RunContext
from schemas import QUARANTINE
from schemas.indicator_values import INDICATOR_VALUES, row_failures
from schemas.neighbourhoods import NEIGHBOURHOOD_VALUES
from schemas.spec import TableSpec


@dataclass(frozen=True)
class Geography:
    """``key``: its core asset; ``spec``: the contract of its rows; ``check``: the name of
    the check that reports its quarantine; ``table``: the quarantine's file name; ``what``:
    what one of its rows is about, in the check's words."""

    key: str
    spec: TableSpec
    check: str
    table: str
    what: str

    def check_spec(self) -> AssetCheckSpec:
        rules = "; ".join(r.description for r in self.spec.row_rules)
        return AssetCheckSpec(
            self.check,
            asset=self.key,
            blocking=True,  # a headline row that breaks the contract fails the step: nothing downstream runs
            description=f"No {self.what} row breaks the {self.spec.name} contract"
            + (f" ({rules})" if rules else "")
            + "; rows that do are quarantined with the reason, never dropped.",
        )


COUNCIL_ROWS = Geography(
    "core_jsna__indicator_values", INDICATOR_VALUES, "rows_valid", INDICATOR_VALUES.name, "council"
)
NEIGHBOURHOOD_ROWS = Geography(
    "core_jsna__neighbourhood_values",
    NEIGHBOURHOOD_VALUES,
    "neighbourhood_rows_valid",
    NEIGHBOURHOOD_VALUES.name,
    "MSOA",
)
ICB_ROWS = Geography("core_jsna__icb_values", INDICATOR_VALUES, "icb_rows_valid", "icb_values", "ICB")


def validated(
    context: AssetExecutionContext,
    run: RunContext,
    geography: Geography,
    tidied: object,
    finish: Callable[[pd.DataFrame], pd.DataFrame],
) -> tuple[pd.DataFrame, pd.DataFrame, AssetCheckResult]:
    """(valid rows, quarantined rows, the check) of a tidied answer (``frame``, ``problems``,
    ``served``); ``finish`` completes the valid rows (comparators, order) before the
    contract is checked on the whole table."""
    valid, quarantine, cases = split_valid(tidied.frame, tidied.problems, tidied.served, geography.spec)  # type: ignore[attr-defined]
    refuse_headline_failures(quarantine, "nothing was published", run)
    valid = finish(valid)
    geography.spec.pandera_schema().validate(valid, lazy=True)
    check = publish_quarantine(
        context, run, valid, quarantine, cases, check_name=geography.check, table=geography.table
    )
    return valid, quarantine, check


def not_recomputed(spec: TableSpec, check: AssetCheckResult | None = None) -> MaterializeResult:
    """A quiet night's core step: nothing changed upstream and every published file is
    current, so every asset that reads this table skips its work (``skip_when_quiet``) and
    nothing is computed for them to read: an empty table of the spec, and the check if any."""
    empty = spec.empty()
    metadata = {"upstream_change": NO_CHANGE, "recomputed": "nothing"}
    return MaterializeResult(value=empty, metadata=metadata, check_results=[check] if check else None)


def quarantine_as_published(run: RunContext, geography: Geography) -> AssetCheckResult:
    """A quiet night's quarantine check: the quarantine as it stands published, unchanged."""
    path = run.output_root().root / layout.quarantine("parquet", table=geography.table)
    rows = pq.ParquetFile(path).metadata.num_rows if path.is_file() else 0
    return AssetCheckResult(
        check_name=geography.check,
        passed=rows == 0,
        severity=AssetCheckSeverity.WARN,
        metadata={"quarantined_rows": rows, "as_published": "nothing changed upstream: the last run's quarantine"},
    )


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


def extract_rows(
    raw: pd.DataFrame, name: str, columns: Iterable[str] | None = None, areas: set[str] | None = None
) -> pd.DataFrame:
    """The raw rows of one extract (``jsna.extracts``), all their columns or only ``columns``,
    of every area or only ``areas``: the raw rows are the run's largest table, so a step
    copies only what it reads (London's steps need not copy the rest of England's rows)."""
    columns = [c for c in raw.columns if c != EXTRACT_COLUMN] if columns is None else list(columns)
    rows = raw[EXTRACT_COLUMN] == name
    if areas is not None:
        rows &= raw["area_code"].isin(areas)
    return raw.loc[rows, columns].reset_index(drop=True)  # one copy, not two


def core_asset(key: str, **kwargs: Any) -> Callable:
    """A core-layer asset: typed from the raw data and metadata (or the core tables given
    as ``ins``), errors in one line."""
    decorate = asset(
        key=key,
        group_name="core",
        kinds={"pandas"},
        owners=OWNERS,
        ins=kwargs.pop("ins", {"raw_data": AssetIn(DATA_KEY), "raw_metadata": AssetIn(META_KEY)}),
        description=describe(key),
        **kwargs,
    )
    return lambda fn: decorate(one_line_errors(fn))
