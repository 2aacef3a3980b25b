"""The commissioner pack, refreshed in the same run as the tables it is built from.

Each area's summary table, Excel workbook and HTML report, and the index of all areas
(paths in ``jsna.layout``). The summary is passed to the workbook and the report as an
asset input, as are the core table and the data dictionary: nothing is read back from
the published files.
"""

import pandas as pd
from dagster import AssetExecutionContext, AssetIn, MaterializeResult, MetadataValue

from assets.core import CORE_KEY, ENGLAND_KEY
from assets.metadata import parquet_metadata, provenance, table_schema
from assets.out import DICTIONARY_KEY, area_rows
from assets.published import borough_asset, out_asset
from assets.publishing import Upstream, in_scope, stage, write_table
from assets.raw import META_KEY
from jsna import layout, progress
from jsna.areas import ENGLAND_CODE
from jsna.pack.display import decimals_by_indicator
from jsna.pack.report import borough_report, index_page, region_ranges, trend_lines
from jsna.pack.summary import borough_summaries
from jsna.pack.workbook import build_workbook
from resources import FingertipsResource, JsnaSettings
from schemas import SUMMARY
from schemas.summary import ALL_AREAS

SUMMARY_KEY = "out_jsna__borough_summary"
WORKBOOK_KEY = "out_jsna__borough_workbook"
REPORT_KEY = "out_jsna__borough_report"
INDEX_KEY = "out_jsna__index"


def summaries_of(
    core: pd.DataFrame, metadata: pd.DataFrame, settings: JsnaSettings, england: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The summary rows of every area of the scope, in the summary spec's types."""
    region = settings.scope()
    codes = [a.code for a in region.areas]
    decimals = decimals_by_indicator(metadata)
    frame = ALL_AREAS.conform(borough_summaries(core, settings.catalogue(), codes, decimals, england))
    ALL_AREAS.pandera_schema().validate(frame, lazy=True)  # once for every area; each file is a cut of it
    return frame


@borough_asset(
    SUMMARY_KEY,
    kinds={"pandas", "parquet", "csv"},
    ins={"core": AssetIn(CORE_KEY), "raw_metadata": AssetIn(META_KEY), "england": AssetIn(ENGLAND_KEY)},
    metadata={"dagster/column_schema": table_schema(SUMMARY)},
)
def out_jsna__borough_summary(
    context: AssetExecutionContext,
    settings: JsnaSettings,
    fingertips: FingertipsResource,
    core: Upstream,
    raw_metadata: Upstream,
    england: Upstream,
) -> MaterializeResult:
    pub = stage(context, settings)
    region = settings.scope()
    # Every area's summary at once (ranks need them all); each partition publishes its own rows.
    summaries = summaries_of(core, raw_metadata, settings, england)
    fields = provenance(core, settings, fingertips)
    counts = {}
    for slug in in_scope(context, region):
        rows = summaries[summaries["area_code"] == region.area_for_slug(slug).code].drop(columns="area_code")
        files = layout.area(slug, fields["synthetic"])
        write_table(pub, SUMMARY, rows, files.summary, parquet_metadata(fields), validated=True)
        counts[slug] = len(rows)
    return MaterializeResult(
        value=summaries,  # passed to the workbook and the report
        # A borough's own count when one partition runs; a range gets each borough's count in rows_by_borough.
        metadata={"rows_by_borough": MetadataValue.json(counts)}
        | ({"dagster/row_count": next(iter(counts.values()))} if len(counts) == 1 else {}),
    )


@borough_asset(
    WORKBOOK_KEY,
    kinds={"excel"},
    ins={"core": AssetIn(CORE_KEY), "summaries": AssetIn(SUMMARY_KEY), "dictionary": AssetIn(DICTIONARY_KEY)},
)
def out_jsna__borough_workbook(
    context: AssetExecutionContext,
    settings: JsnaSettings,
    fingertips: FingertipsResource,
    core: Upstream,
    summaries: Upstream,
    dictionary: Upstream,
) -> MaterializeResult:
    pub = stage(context, settings)
    region = settings.scope()
    fields = provenance(core, settings, fingertips)
    slugs = in_scope(context, region)
    for n, slug in enumerate(slugs, start=1):
        area = region.area_for_slug(slug)
        book = build_workbook(
            area.name,
            summaries[summaries["area_code"] == area.code].drop(columns="area_code").reset_index(drop=True),
            area_rows(core, area.code),
            dictionary,
            api_base_url=str(fields["api_base_url"]),
            retrieved_at=fields["retrieved_at"],
            synthetic=bool(fields["synthetic"]),
        )
        pub.write_bytes(layout.area(slug).workbook, book, rows=int((core["area_code"] == area.code).sum()))
        progress.report("workbooks written", n, len(slugs))
    return MaterializeResult(metadata={"workbooks": len(slugs)})


@borough_asset(REPORT_KEY, kinds={"html"}, ins={"core": AssetIn(CORE_KEY), "summaries": AssetIn(SUMMARY_KEY)})
def out_jsna__borough_report(
    context: AssetExecutionContext,
    settings: JsnaSettings,
    fingertips: FingertipsResource,
    core: Upstream,
    summaries: Upstream,
) -> MaterializeResult:
    pub = stage(context, settings)
    region = settings.scope()
    catalogue = settings.catalogue()
    fields = provenance(core, settings, fingertips)
    # Each area's spine shows the range of its own region's areas.
    ranges = region_ranges(summaries)
    key_ids = [i.id for i in catalogue.indicators if i.key]
    trends = trend_lines(core[(core["category"] == "") & core["indicator_id"].isin(key_ids)])
    slugs = in_scope(context, region)
    for n, slug in enumerate(slugs, start=1):
        area = region.area_for_slug(slug)
        page = borough_report(
            area.name,
            slug,
            summaries[summaries["area_code"] == area.code],
            ranges.get(area.region_code, {}),
            trends,
            key_ids,
            borough_code=area.code,
            region_code=area.region_code,
            england_code=ENGLAND_CODE,
            retrieved_at=fields["retrieved_at"],
            synthetic=fields["synthetic"],
            region_name=area.region_name,
        )
        pub.write_bytes(layout.area(slug).report, page.encode("utf-8"))
        progress.report("reports written", n, len(slugs))
    return MaterializeResult(metadata={"reports": len(slugs)})


@out_asset(
    INDEX_KEY, kinds={"html"}, ins={"core": AssetIn(CORE_KEY), "summaries": AssetIn(SUMMARY_KEY)}, deps=[REPORT_KEY]
)
def out_jsna__index(
    context: AssetExecutionContext,
    settings: JsnaSettings,
    fingertips: FingertipsResource,
    core: Upstream,
    summaries: Upstream,
) -> MaterializeResult:
    pub = stage(context, settings)
    region = settings.scope()
    fields = provenance(core, settings, fingertips)
    published = [(a.slug, a.name, a.code) for a in region.areas if pub.path(layout.area(a.slug).report).exists()]
    # Only the data's retrieval time: a publication time here would change the page every run.
    page = index_page(
        published, fields["retrieved_at"], bool(fields["synthetic"]), summaries, region.region_name, region.slug
    )
    pub.write_bytes(layout.INDEX, page.encode("utf-8"))
    return MaterializeResult(metadata={"boroughs_listed": len(published)})
