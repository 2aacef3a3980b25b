"""ICBs: the council catalogue at Integrated Care Board level (area type 221), for NHS
commissioners, published as ``icbs/<slug>/`` with a council's tables and pack.

The ICBs are the areas the API serves in the ICBs' extract (codes and names from the
API: ICBs merge). No council is placed in an ICB: the API gives no such membership,
so an ICB's pack stands on its own, compared with England and ranked among ICBs.
"""

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetIn,
    MaterializeResult,
    MetadataValue,
)

from assets.area_packs import caveats_of, indicator_labels, summaries_of
from assets.factories import out_asset
from assets.geographies import (
    ICB_ROWS,
    core_asset,
    extract_rows,
    not_recomputed,
    publish_quarantine,
    quarantine_as_published,
    validated,
)
from assets.group_packs import GroupData, GroupKind, Unit, stage_packs
from assets.out import DICTIONARY_KEY
from assets.raw import META_KEY
from assets.staging import Upstream, quiet, stage
from assets.ui_metadata import parquet_metadata, provenance, table_schema
from jsna import layout
from jsna.areas import ENGLAND_CODE
from jsna.extracts import ICBS, served_areas
from jsna.tidy import add_comparators, tidy_areas
from resources import RunContext
from schemas import INDICATOR_VALUES, QUARANTINE

ICB_CORE_KEY = ICB_ROWS.key
ICB_PACK_KEY = "out_jsna__icb_pack"
ICB_TABLE = "icb_values"
COMPARED = (
    "Compared with England by Fingertips (95% confidence intervals); * marks a comparison computed by this "
    "pipeline where Fingertips gave none. ICBs are not grouped in regions: the report has no region columns "
    "(the downloads keep them, empty)."
)
LEGEND = (
    "Spine charts, as Fingertips draws them: England (the black line) at the centre of every row, the worst ICB "
    "at the left end and the best at the right (by the indicator's polarity; lowest to highest where it has "
    "none); the circle is this ICB (its colour and the word beside it give the comparison with England), the grey "
    "bar the range of all ICBs (darker: the 25th to 75th percentile). Rank: 1 is the best of all ICBs by the "
    "indicator's polarity. Quintile: 1 is the best fifth of ICBs (or, for an indicator with no better or worse, "
    "the lowest fifth)."
)
SORT = ["domain", "indicator_id", "area_code", "sex", "age", "category_type", "category", "period_sortable"]


def icb_units(rows: pd.DataFrame, synthetic: bool) -> list[Unit]:
    """One unit per ICB served (England aside), by name, with its folder."""
    return [Unit(layout.icb(slug, synthetic), name, code) for code, name, slug in served_areas(rows)]


@core_asset(
    ICB_CORE_KEY,
    metadata={"dagster/column_schema": table_schema()},
    check_specs=[ICB_ROWS.check_spec()],
)
def core_jsna__icb_values(
    context: AssetExecutionContext,
    run: RunContext,
    raw_data: pd.DataFrame,
    raw_metadata: pd.DataFrame,
):  # returns MaterializeResult(value=DataFrame)
    if quiet(context, run):
        return not_recomputed(ICB_ROWS.spec, quarantine_as_published(run, ICB_ROWS))
    raw = extract_rows(raw_data, ICBS)
    if raw.empty:  # ICBs not fetched (``JSNA_ICBS=no``): nothing to tidy, an empty quarantine
        return _no_icbs(context, run)
    codes = set(raw["area_code"]) - {ENGLAND_CODE}
    regions = {code: "" for code in codes} | {ENGLAND_CODE: ""}
    result = tidy_areas(raw, raw_metadata, run.catalogue(), codes, regions)

    # The parent comparison an ICB is served with is England's again (its parent type): ICBs
    # have no region, so the region comparison stays empty rather than repeat it.
    def finish(rows: pd.DataFrame) -> pd.DataFrame:
        rows = INDICATOR_VALUES.conform(add_comparators(rows, regions).assign(compared_to_region=""))
        return rows.sort_values(SORT, kind="stable").reset_index(drop=True)

    valid, quarantine, check = validated(context, run, ICB_ROWS, result, finish)
    return MaterializeResult(
        value=valid,
        metadata={"dagster/row_count": len(valid), "icbs": len(codes), "quarantined_rows": len(quarantine)},
        check_results=[check],
    )


def _no_icbs(context: AssetExecutionContext, run: RunContext) -> MaterializeResult:
    """The ICB table when no ICB rows were fetched: empty, with its empty quarantine staged as
    every run stages it. Tidying and validating no rows was a fixed cost of every run that
    leaves the ICBs out."""
    empty = INDICATOR_VALUES.empty()
    check = publish_quarantine(context, run, empty, QUARANTINE.empty(), pd.DataFrame(), check_name=ICB_ROWS.check,
                               table=ICB_ROWS.table)  # fmt: skip
    return MaterializeResult(
        value=empty, metadata={"dagster/row_count": 0, "icbs": 0, "quarantined_rows": 0}, check_results=[check]
    )


@out_asset(
    ICB_PACK_KEY,
    kinds={"parquet", "csv", "excel", "html"},
    ins={"icbs": AssetIn(ICB_CORE_KEY), "raw_metadata": AssetIn(META_KEY), "dictionary": AssetIn(DICTIONARY_KEY)},
)
def out_jsna__icb_pack(
    context: AssetExecutionContext,
    run: RunContext,
    icbs: Upstream,
    raw_metadata: Upstream,
    dictionary: Upstream,
) -> MaterializeResult:
    pub = stage(context, run)
    if icbs.empty:  # no ICBs fetched: no pack to make
        return MaterializeResult(metadata={"icbs": 0, "rows_by_icb": MetadataValue.json({})})
    catalogue = run.catalogue()
    fields = provenance(icbs, run)
    units = icb_units(icbs, bool(fields["synthetic"]))
    codes = [u.code for u in units]
    # Ranked among ICBs (their "region" is empty: every ICB in one group).
    summaries = summaries_of(icbs, raw_metadata, catalogue, codes)
    kind = GroupKind(INDICATOR_VALUES, "ICBs", COMPARED, LEGEND, ranked=True, scope_areas=len(run.scope().areas))
    key_ids = [i.id for i in catalogue.indicators if i.key]
    counts = stage_packs(
        pub,
        units,
        kind,
        GroupData(
            icbs,
            summaries,
            dictionary,
            fields,
            parquet_metadata(fields),
            key_ids,
            labels=indicator_labels(catalogue, raw_metadata),
            ages={i.id: i.standard_age for i in catalogue.indicators},
            caveats=caveats_of(raw_metadata),
        ),  # fmt: skip
    )
    return MaterializeResult(metadata={"icbs": len(units), "rows_by_icb": MetadataValue.json(counts)})
