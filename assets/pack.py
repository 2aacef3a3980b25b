"""The commissioner pack, downstream of the borough tables and refreshed in the same run.

``boroughs/<slug>/summary.{parquet,csv}``, ``boroughs/<slug>/jsna_mental_wellbeing_<slug>.xlsx``,
``boroughs/<slug>/report.html`` and the ``index.html`` of all boroughs.
"""

import pandas as pd
from dagster import AssetExecutionContext, AssetIn, MaterializeResult, MetadataValue

from assets.core import CORE_KEY
from assets.metadata import parquet_metadata, provenance
from assets.out import BOROUGH_KEY, DICTIONARY_KEY
from assets.published import borough_asset, out_asset
from assets.publishing import stage
from jsna import layout, progress
from jsna.areas import ENGLAND_CODE
from jsna.pack.report import borough_report, index_page, london_ranges
from jsna.pack.summary import borough_summaries
from jsna.pack.workbook import build_workbook
from resources import FingertipsResource, JsnaSettings

SUMMARY_KEY = "out_jsna__borough_summary"
WORKBOOK_KEY = "out_jsna__borough_workbook"
REPORT_KEY = "out_jsna__borough_report"
INDEX_KEY = "out_jsna__index"


def _summaries(core: pd.DataFrame, settings: JsnaSettings) -> pd.DataFrame:
    region = settings.region()
    return borough_summaries(core, settings.catalogue(), [a.code for a in region.areas])


@borough_asset(SUMMARY_KEY, kinds={"pandas", "parquet", "csv"}, ins={"core": AssetIn(CORE_KEY)}, deps=[BOROUGH_KEY])
def out_jsna__borough_summary(
    context: AssetExecutionContext, settings: JsnaSettings, fingertips: FingertipsResource, core: pd.DataFrame
) -> MaterializeResult:
    pub = stage(context, settings)
    region = settings.region()
    summaries = _summaries(core, settings)
    fields = provenance(core, settings, fingertips)
    counts = {}
    for slug in context.partition_keys:
        area = region.area_for_slug(slug)
        rows = summaries[summaries["area_code"] == area.code].drop(columns="area_code").reset_index(drop=True)
        files = layout.area(slug)
        pub.write_parquet(files.summary("parquet"), rows, parquet_metadata(fields))
        pub.write_csv(files.summary("csv"), rows)
        counts[slug] = len(rows)
    return MaterializeResult(
        # A borough's own count when one partition runs; a range gets each borough's count in rows_by_borough.
        metadata={"rows_by_borough": MetadataValue.json(counts)}
        | ({"dagster/row_count": next(iter(counts.values()))} if len(counts) == 1 else {})
    )


@borough_asset(
    WORKBOOK_KEY, kinds={"excel"}, ins={"core": AssetIn(CORE_KEY)}, deps=[BOROUGH_KEY, SUMMARY_KEY, DICTIONARY_KEY]
)
def out_jsna__borough_workbook(
    context: AssetExecutionContext, settings: JsnaSettings, fingertips: FingertipsResource, core: pd.DataFrame
) -> MaterializeResult:
    pub = stage(context, settings)  # this run's tables: staged by the steps before, not yet published
    region = settings.region()
    fields = provenance(core, settings, fingertips)
    dictionary = pd.read_csv(pub.path(layout.DICTIONARY), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    slugs = context.partition_keys
    for n, slug in enumerate(slugs, start=1):
        area = region.area_for_slug(slug)
        data = pd.read_parquet(pub.path(layout.area(slug).table()))
        summary = pd.read_parquet(pub.path(layout.area(slug).summary()))
        book = build_workbook(
            area.name,
            summary,
            data,
            dictionary,
            api_base_url=str(fields["api_base_url"]),
            retrieved_at=fields["retrieved_at"],
            synthetic=bool(fields["synthetic"]),
        )
        pub.write_bytes(layout.area(slug).workbook, book, rows=len(data))
        progress.report("workbooks written", n, len(slugs))
    return MaterializeResult(metadata={"workbooks": len(slugs)})


@borough_asset(REPORT_KEY, kinds={"html"}, ins={"core": AssetIn(CORE_KEY)}, deps=[WORKBOOK_KEY])
def out_jsna__borough_report(
    context: AssetExecutionContext, settings: JsnaSettings, fingertips: FingertipsResource, core: pd.DataFrame
) -> MaterializeResult:
    pub = stage(context, settings)
    region = settings.region()
    catalogue = settings.catalogue()
    fields = provenance(core, settings, fingertips)
    summaries = _summaries(core, settings)
    ranges = london_ranges(summaries).sort_index()
    key_ids = [i.id for i in catalogue.indicators if i.key]
    history = core[(core["category"] == "") & core["indicator_id"].isin(key_ids)]
    slugs = context.partition_keys
    for n, slug in enumerate(slugs, start=1):
        area = region.area_for_slug(slug)
        page = borough_report(
            area.name,
            slug,
            summaries[summaries["area_code"] == area.code],
            ranges,
            history[history["area_code"].isin([area.code, region.region_code, ENGLAND_CODE])],
            key_ids,
            borough_code=area.code,
            region_code=region.region_code,
            england_code=ENGLAND_CODE,
            retrieved_at=fields["retrieved_at"],
            synthetic=fields["synthetic"],
        )
        pub.write_bytes(layout.area(slug).report, page.encode("utf-8"))
        progress.report("reports written", n, len(slugs))
    return MaterializeResult(metadata={"reports": len(slugs)})


@out_asset(INDEX_KEY, kinds={"html"}, ins={"core": AssetIn(CORE_KEY)}, deps=[REPORT_KEY])
def out_jsna__index(
    context: AssetExecutionContext, settings: JsnaSettings, fingertips: FingertipsResource, core: pd.DataFrame
) -> MaterializeResult:
    pub = stage(context, settings)
    fields = provenance(core, settings, fingertips)
    published = [(a.slug, a.name) for a in settings.region().areas if pub.path(layout.area(a.slug).report).exists()]
    # Only the data's retrieval time: a publication time here would change the page every run.
    page = index_page(published, fields["retrieved_at"], bool(fields["synthetic"]))
    pub.write_bytes(layout.INDEX, page.encode("utf-8"))
    return MaterializeResult(metadata={"boroughs_listed": len(published)})
