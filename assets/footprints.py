"""Custom footprints (``--footprints FILE`` / ``JSNA_FOOTPRINTS``): groups of councils or
of MSOAs, published as ``footprints/<slug>/`` with a council's tables and pack.

Each footprint's values are computed from its members' counts and denominators
(``jsna.footprints.combine``), members outside the scope included: every extract is
England-wide. Members' rows are validated against the same contract as a council's
first; a member without a valid row makes the footprint's row empty with the reason.
"""

import dataclasses

import pandas as pd
from dagster import AssetExecutionContext, AssetIn, MaterializeResult, MetadataValue

from assets.area_packs import caveats_of, indicator_labels
from assets.factories import out_asset
from assets.geographies import extract_rows, split_valid
from assets.group_packs import GroupData, GroupKind, Unit, stage_packs
from assets.out import DICTIONARY_KEY
from assets.raw import DATA_KEY, META_KEY
from assets.staging import Upstream, stage
from assets.ui_metadata import parquet_metadata, provenance
from jsna import layout
from jsna.areas import ENGLAND_CODE
from jsna.catalogue import Catalogue
from jsna.extracts import COUNCILS, NEIGHBOURHOODS
from jsna.footprints.combine import combine
from jsna.footprints.config import Footprint
from jsna.neighbourhoods import tidy_neighbourhoods
from jsna.pack.display import decimals_by_indicator
from jsna.pack.summary import area_summaries
from jsna.tidy import tidy_areas
from resources import RunContext
from schemas import SUMMARY
from schemas.footprints import FOOTPRINT_VALUES
from schemas.neighbourhoods import NEIGHBOURHOOD_VALUES
from schemas.summary import COMPUTED

FOOTPRINT_PACK_KEY = "out_jsna__footprint_pack"
FOOTPRINT_SUMMARIES = SUMMARY.across(FOOTPRINT_VALUES.column("area_code"))
COMPARED = (
    "Every value is computed by this pipeline from the members' summed counts and denominators (Wilson score "
    "intervals for proportions; Byar's method, or the exact Poisson interval under 10 events, for crude rates), "
    "and every comparison with England the Fingertips way (the 95% confidence interval against England's value). "
    "An indicator that cannot be combined exactly is left empty with the reason, never averaged. Footprints are "
    "not ranked and have no recent trend."
)
LEGEND = (
    "Spine charts: England (the black line) at the centre of every row. A footprint is not one of a set of areas "
    "of one type, so it has no range to be placed in: its value and England's stand beside the line, and the word "
    "after it gives the computed comparison with England."
)
NOT_RANKED = ("rank", "ranked_areas", "region_quintile", "england_rank", "england_ranked_areas", "england_quintile")


def member_rows(raw: pd.DataFrame, metadata: pd.DataFrame, catalogue: Catalogue, footprint: Footprint) -> pd.DataFrame:
    """The members' valid typed rows, with England's value beside each."""
    if footprint.kind == NEIGHBOURHOODS:
        served = extract_rows(raw, NEIGHBOURHOODS)
        result = tidy_neighbourhoods(served, metadata, catalogue, set(served["parent_code"].dropna()))
        mine = result.frame["area_code"].isin(footprint.members).to_numpy()
        valid, _, _ = split_valid(result.frame[mine], result.problems, result.served[mine], NEIGHBOURHOOD_VALUES)
        return valid
    members = set(footprint.members)
    regions = {code: "" for code in members} | {ENGLAND_CODE: ""}
    result = tidy_areas(extract_rows(raw, COUNCILS), metadata, catalogue, members, regions)
    valid, _, _ = split_valid(result.frame, result.problems, result.served)
    return valid[valid["area_code"].isin(members)]


def footprint_summaries(rows: pd.DataFrame, catalogue: Catalogue, slugs: list[str], decimals: dict) -> pd.DataFrame:
    """The summary rows of every footprint: not ranked (footprints are not a set of areas
    of one type), every comparison computed."""
    frame = area_summaries(rows, catalogue, slugs, decimals)
    for column in NOT_RANKED:
        frame[column] = pd.NA
    frame["quintile_basis"] = ""
    frame["comparison_source"] = COMPUTED
    frame = FOOTPRINT_SUMMARIES.conform(frame)
    FOOTPRINT_SUMMARIES.pandera_schema().validate(frame, lazy=True)
    return frame


@out_asset(
    FOOTPRINT_PACK_KEY,
    kinds={"parquet", "csv", "excel", "html"},
    ins={"raw_data": AssetIn(DATA_KEY), "raw_metadata": AssetIn(META_KEY), "dictionary": AssetIn(DICTIONARY_KEY)},
)
def out_jsna__footprint_pack(
    context: AssetExecutionContext,
    run: RunContext,
    raw_data: Upstream,
    raw_metadata: Upstream,
    dictionary: Upstream,
) -> MaterializeResult:
    footprints = run.footprints().footprints
    if not footprints:
        return MaterializeResult(metadata={"footprints": 0, "note": "no footprints file (JSNA_FOOTPRINTS)"})
    pub = stage(context, run)
    catalogue = run.catalogue()
    decimals = decimals_by_indicator(raw_metadata)
    counts: dict[str, int] = {}
    unknown: dict[str, list[str]] = {}
    combined = []
    for footprint in footprints:
        members = member_rows(raw_data, raw_metadata, catalogue, footprint)
        missing = sorted(set(footprint.members) - set(members["area_code"]))
        if missing:
            unknown[footprint.slug] = missing
            context.log.warning(f"footprint {footprint.slug}: no valid rows for members {', '.join(missing)}")
        rows = combine(members, footprint)
        FOOTPRINT_VALUES.pandera_schema().validate(rows, lazy=True)
        combined.append((footprint, rows))
    fields = provenance(pd.concat([rows for _, rows in combined], ignore_index=True), run)
    kind = GroupKind(
        FOOTPRINT_VALUES,
        "footprint",
        COMPARED,
        LEGEND,
        ranked=False,
        scope_areas=len(run.scope().areas),
        no_range="no range for footprints",
    )
    for footprint, rows in combined:
        own = catalogue
        if footprint.kind == NEIGHBOURHOODS:
            own = dataclasses.replace(catalogue, indicators=catalogue.neighbourhoods)
        summaries = footprint_summaries(rows, own, [footprint.slug], decimals)
        unit = Unit(layout.footprint(footprint.slug, bool(fields["synthetic"])), footprint.name, footprint.slug)
        key_ids = [i.id for i in own.indicators if i.key]
        labels, ages = indicator_labels(own, raw_metadata), {i.id: i.standard_age for i in own.indicators}
        caveats = caveats_of(raw_metadata)
        data = GroupData(rows, summaries, dictionary, fields, parquet_metadata(fields), key_ids, labels, ages, caveats)
        counts |= stage_packs(pub, [unit], kind, data)
    return MaterializeResult(
        metadata={
            "footprints": len(footprints),
            "rows_by_footprint": MetadataValue.json(counts),
            "members_without_rows": MetadataValue.json(unknown),
        }
    )
