"""The commissioner pack, refreshed in the same run as the tables it is built from.

Each area's summary table, Excel workbook and HTML report, and the index of all areas
(paths in ``jsna.layout``). The summary is passed to the workbook and the report as an
asset input, as are the core table and the data dictionary: nothing is read back from
the published files.
"""

import functools

import pandas as pd
from dagster import AssetExecutionContext, AssetIn, MaterializeResult, MetadataValue

from assets.core import CORE_KEY, ENGLAND_KEY
from assets.factories import out_asset
from assets.inequalities import GRADIENTS_CORE_KEY, INEQUALITIES_CORE_KEY
from assets.neighbourhoods import NEIGHBOURHOOD_CORE_KEY
from assets.out import DICTIONARY_KEY, rows_by_area
from assets.raw import META_KEY
from assets.staging import Upstream, run_areas, stage, stage_files, table_job
from assets.ui_metadata import by_area, parquet_metadata, provenance, table_schema
from jsna import layout, progress
from jsna.areas import ENGLAND_CODE
from jsna.catalogue import Catalogue
from jsna.grouping import split_by
from jsna.pack import chapter
from jsna.pack.chapter import ChapterPack, area_chapter
from jsna.pack.display import DEFAULT_DECIMALS, decimals_by_indicator
from jsna.pack.inequality_findings import GROUP_KEYS, AreaInequalities, Labels, inequality_findings, latest
from jsna.pack.report import ReportPack, area_report, region_ranges, trend_lines
from jsna.pack.summary import area_summaries
from jsna.pack.workbook import build_workbook
from jsna.workers import render_each
from resources import RunContext
from schemas import SUMMARY
from schemas.summary import ALL_AREAS

SUMMARY_KEY = "out_jsna__area_summary"
WORKBOOK_KEY = "out_jsna__area_workbook"
REPORT_KEY = "out_jsna__area_report"
CHAPTER_KEY = "out_jsna__area_chapter"
INDEX_KEY = "out_jsna__index"


def summaries_of(
    core: pd.DataFrame,
    metadata: pd.DataFrame,
    catalogue: Catalogue,
    codes: list[str],
    england: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The summary rows of these areas (the scope's councils, or every ICB), in the summary
    spec's types, validated once for every area: each area's file is a cut of it."""
    decimals = decimals_by_indicator(metadata)
    frame = ALL_AREAS.conform(area_summaries(core, catalogue, codes, decimals, england))
    ALL_AREAS.pandera_schema().validate(frame, lazy=True)
    return frame


@out_asset(
    SUMMARY_KEY,
    kinds={"pandas", "parquet", "csv"},
    ins={"core": AssetIn(CORE_KEY), "raw_metadata": AssetIn(META_KEY), "england": AssetIn(ENGLAND_KEY)},
    metadata={"dagster/column_schema": table_schema(SUMMARY)},
)
def out_jsna__area_summary(
    context: AssetExecutionContext,
    run: RunContext,
    core: Upstream,
    raw_metadata: Upstream,
    england: Upstream,
) -> MaterializeResult:
    pub = stage(context, run)
    region = run.scope()
    # Every area's summary at once (ranks need them all); each area's rows to its own folder.
    summaries = summaries_of(core, raw_metadata, run.catalogue(), [a.code for a in region.areas], england)
    fields = provenance(core, run)
    slugs = run_areas(context, run)
    codes = region.codes_of(slugs)
    summary_of = split_by(summaries, only=codes)
    meta = parquet_metadata(fields)
    areas = [(slug, summary_of.get(code, summaries.iloc[0:0])) for slug, code in zip(slugs, codes, strict=True)]
    jobs = [
        table_job(SUMMARY, rows.drop(columns="area_code"), layout.area(slug, fields["synthetic"]).summary, meta)
        for slug, rows in areas
    ]
    counts = {}
    for (slug, rows), files in zip(areas, render_each(jobs), strict=True):
        stage_files(pub, files)
        counts[slug] = len(rows)
    return MaterializeResult(
        value=summaries,  # passed to the workbook and the report
        metadata={
            "rows_by_area": MetadataValue.json(counts),
            "by_area": by_area([{"slug": slug, "rows": rows} for slug, rows in counts.items()]),
        },
    )


@out_asset(
    WORKBOOK_KEY,
    kinds={"excel"},
    ins={
        "core": AssetIn(CORE_KEY),
        "summaries": AssetIn(SUMMARY_KEY),
        "dictionary": AssetIn(DICTIONARY_KEY),
        "groups": AssetIn(INEQUALITIES_CORE_KEY),
        "gradients": AssetIn(GRADIENTS_CORE_KEY),
        "raw_metadata": AssetIn(META_KEY),
    },
)
def out_jsna__area_workbook(
    context: AssetExecutionContext,
    run: RunContext,
    core: Upstream,
    summaries: Upstream,
    dictionary: Upstream,
    groups: Upstream,
    gradients: Upstream,
    raw_metadata: Upstream,
) -> MaterializeResult:
    pub = stage(context, run)
    region = run.scope()
    fields = provenance(core, run)
    slugs = run_areas(context, run)
    areas = [region.area_for_slug(slug) for slug in slugs]
    codes = region.codes_of(slugs)
    summary_of, data_of = split_by(summaries, only=codes), rows_by_area(core, codes)
    groups_of, gradients_of = split_by(groups, only=codes), split_by(gradients, only=codes)
    labels = Labels(indicator_labels(run.catalogue(), raw_metadata))
    common = {
        "dictionary": dictionary,
        "api_base_url": str(fields["api_base_url"]),
        "retrieved_at": fields["retrieved_at"],
        "synthetic": bool(fields["synthetic"]),
    }
    data = [data_of.get(area.code, core.iloc[0:0]) for area in areas]
    jobs = []
    for area, rows in zip(areas, data, strict=True):
        # The area's own rows (its file beside the workbook has its region's and England's too).
        mine = [of.get(area.code, frame.iloc[0:0]) for of, frame in ((groups_of, groups), (gradients_of, gradients))]
        # The sheet shows each breakdown's latest period, as the report does (every period is in the files).
        mine[0] = latest(mine[0], GROUP_KEYS)
        sentences = inequality_findings(*mine, area.code, area.name, labels)
        summary = summary_of.get(area.code, summaries.iloc[0:0]).drop(columns="area_code")
        inequalities = AreaInequalities(*mine, findings=tuple(sentences))
        jobs.append(functools.partial(build_workbook, area.name, summary, rows, **common, inequalities=inequalities))
    for n, (slug, rows, book) in enumerate(zip(slugs, data, render_each(jobs), strict=True), start=1):
        pub.write_bytes(layout.area(slug).workbook, book, rows=len(rows))
        progress.report("workbooks written", n, len(slugs))
    return MaterializeResult(metadata={"workbooks": len(slugs)})


def indicator_labels(catalogue: Catalogue, metadata: pd.DataFrame) -> dict[int, tuple[str, int]]:
    """Every catalogue indicator's label and display precision (council and neighbourhood)."""
    decimals = decimals_by_indicator(metadata)
    return {i.id: (i.label, decimals.get(i.id, DEFAULT_DECIMALS)) for i in (*catalogue.indicators,
                                                                             *catalogue.neighbourhoods)}  # fmt: skip


@out_asset(
    REPORT_KEY,
    kinds={"html"},
    ins={
        "core": AssetIn(CORE_KEY),
        "summaries": AssetIn(SUMMARY_KEY),
        "neighbourhoods": AssetIn(NEIGHBOURHOOD_CORE_KEY),
        "raw_metadata": AssetIn(META_KEY),
        "groups": AssetIn(INEQUALITIES_CORE_KEY),
        "gradients": AssetIn(GRADIENTS_CORE_KEY),
    },
)
def out_jsna__area_report(
    context: AssetExecutionContext,
    run: RunContext,
    core: Upstream,
    summaries: Upstream,
    neighbourhoods: Upstream,
    raw_metadata: Upstream,
    groups: Upstream,
    gradients: Upstream,
) -> MaterializeResult:
    pub = stage(context, run)
    slugs = run_areas(context, run)
    packs = report_packs(run, slugs, core, summaries, raw_metadata, groups, gradients, neighbourhoods)
    jobs = [functools.partial(area_report, pack) for pack in packs]
    for n, (slug, page) in enumerate(zip(slugs, render_each(jobs), strict=True), start=1):
        pub.write_bytes(layout.area(slug).report, page.encode("utf-8"))
        progress.report("reports written", n, len(slugs))
    return MaterializeResult(metadata={"reports": len(slugs)})


def report_packs(
    run: RunContext,
    slugs: list[str],
    core: pd.DataFrame,
    summaries: pd.DataFrame,
    raw_metadata: pd.DataFrame,
    groups: pd.DataFrame,
    gradients: pd.DataFrame,
    neighbourhoods: pd.DataFrame | None = None,
) -> list[ReportPack]:
    """What each council's report (and its chapter) is made of, read once for them all."""
    region = run.scope()
    catalogue = run.catalogue()
    fields = provenance(core, run)
    # Each area's spine shows the range of its own region's areas.
    ranges = region_ranges(summaries)
    key_ids = [i.id for i in catalogue.indicators if i.key]
    # The lines these areas' pages draw: each area's own, its region's and England's.
    drawn = region.codes_with_comparators(slugs)
    history = core[(core["category"] == "") & core["indicator_id"].isin(key_ids) & core["area_code"].isin(drawn)]
    trends = trend_lines(history)
    codes = region.codes_of(slugs)
    summary_of = split_by(summaries, only=codes)
    msoas_of = split_by(neighbourhoods, "council_code", codes) if neighbourhoods is not None else {}
    decimals = decimals_by_indicator(raw_metadata)
    labels = {i.id: (i.label, decimals.get(i.id, DEFAULT_DECIMALS)) for i in catalogue.neighbourhoods}
    every_label = indicator_labels(catalogue, raw_metadata)
    groups_of, gradients_of = split_by(groups, only=codes), split_by(gradients, only=codes)
    packs = []
    for slug in slugs:
        area = region.area_for_slug(slug)
        codes = (area.code, area.region_code, ENGLAND_CODE)
        # Only the lines its page draws: a job is pickled to a worker.
        lines = {key: {c: line[c] for c in codes if c in line} for key, line in trends.items()}
        packs.append(
            ReportPack(
                area.name,
                slug,
                summary_of.get(area.code, summaries.iloc[0:0]),
                ranges.get(area.region_code, {}),
                lines,
                key_ids,
                area_code=area.code,
                region_code=area.region_code,
                england_code=ENGLAND_CODE,
                retrieved_at=fields["retrieved_at"],
                synthetic=fields["synthetic"],
                region_name=area.region_name,
                neighbourhoods=None if neighbourhoods is None else msoas_of.get(area.code, neighbourhoods.iloc[0:0]),
                neighbourhood_labels=labels,
                inequalities=AreaInequalities(
                    groups_of.get(area.code, groups.iloc[0:0]), gradients_of.get(area.code, gradients.iloc[0:0])
                ),
                labels=every_label,
            )
        )
    return packs


@out_asset(
    CHAPTER_KEY,
    kinds={"docx"},
    ins={
        "core": AssetIn(CORE_KEY),
        "summaries": AssetIn(SUMMARY_KEY),
        "raw_metadata": AssetIn(META_KEY),
        "groups": AssetIn(INEQUALITIES_CORE_KEY),
        "gradients": AssetIn(GRADIENTS_CORE_KEY),
        "dictionary": AssetIn(DICTIONARY_KEY),
    },
)
def out_jsna__area_chapter(
    context: AssetExecutionContext,
    run: RunContext,
    core: Upstream,
    summaries: Upstream,
    raw_metadata: Upstream,
    groups: Upstream,
    gradients: Upstream,
    dictionary: Upstream,
) -> MaterializeResult:
    pub = stage(context, run)
    slugs = run_areas(context, run)
    packs = report_packs(run, slugs, core, summaries, raw_metadata, groups, gradients)
    api = str(provenance(core, run)["api_base_url"])
    caveats = caveats_of(raw_metadata)
    jobs = [functools.partial(area_chapter, ChapterPack(pack, dictionary, api, caveats)) for pack in packs]
    for n, (slug, document) in enumerate(zip(slugs, render_each(jobs, len(jobs) * chapter.WEIGHT), strict=True), 1):
        pub.write_bytes(layout.area(slug).chapter, document)
        progress.report("chapters written", n, len(slugs))
    return MaterializeResult(metadata={"chapters": len(slugs)})


def caveats_of(metadata: pd.DataFrame) -> dict[int, str]:
    """Each indicator's ``Caveats`` as its metadata serve them (none where not served)."""
    if "caveats" not in metadata.columns:
        return {}
    texts = metadata["caveats"].fillna("").astype(str)
    return {int(i): t for i, t in zip(metadata["indicator_id"], texts, strict=True) if t.strip()}
