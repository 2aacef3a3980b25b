"""``index.html``: every pack this publication holds, listed once every pack is staged
(the councils' reports, the ICBs' and the footprints' packs), with each pack's counts read
from its own summary."""

import pandas as pd
from dagster import AssetExecutionContext, AssetIn, MaterializeResult

from assets.area_packs import CHAPTER_KEY, INDEX_KEY, REPORT_KEY, SUMMARY_KEY
from assets.core import CORE_KEY
from assets.factories import out_asset
from assets.footprints import FOOTPRINT_PACK_KEY
from assets.icbs import ICB_CORE_KEY, ICB_PACK_KEY
from assets.staging import Upstream, stage
from assets.ui_metadata import provenance
from jsna import layout
from jsna.extracts import served_areas
from jsna.pack.index_page import PackEntry, PackSection, council_sections, index_page
from jsna.publication import Publication
from resources import RunContext


@out_asset(
    INDEX_KEY,
    kinds={"html"},
    ins={"core": AssetIn(CORE_KEY), "summaries": AssetIn(SUMMARY_KEY), "icbs": AssetIn(ICB_CORE_KEY)},
    deps=[REPORT_KEY, CHAPTER_KEY, ICB_PACK_KEY, FOOTPRINT_PACK_KEY],
)
def out_jsna__index(
    context: AssetExecutionContext,
    run: RunContext,
    core: Upstream,
    summaries: Upstream,
    icbs: Upstream,
) -> MaterializeResult:
    pub = stage(context, run)
    region = run.scope()
    fields = provenance(core, run)
    synthetic = bool(fields["synthetic"])
    published = [(a.slug, a.name, a.code) for a in region.areas if pub.path(layout.area(a.slug).report).exists()]
    icb_entries = _staged(pub, [(layout.icb(slug, synthetic), name, "ICB") for _, name, slug in served_areas(icbs)])
    footprint_entries = _staged(
        pub,
        [
            (layout.footprint(f.slug, synthetic), f.name, f"{len(f.members)} {f.kind}")
            for f in run.footprints().footprints
        ],
    )
    others = [
        PackSection("Integrated Care Boards", "icbs", "Type", icb_entries),
        PackSection("Footprints", "footprints", "Members", footprint_entries),
    ]
    # Only the data's retrieval time: a publication time here would change the page every run.
    page = index_page(
        council_sections(published, summaries, synthetic, region.region_name),
        others,
        fields["retrieved_at"],
        synthetic,
        region.region_name,
        region.slug,
    )
    pub.write_bytes(layout.INDEX, page.encode("utf-8"))
    listed = {"areas_listed": len(published), "icbs_listed": len(icb_entries)}
    return MaterializeResult(metadata={**listed, "footprints_listed": len(footprint_entries)})


def _staged(pub: Publication, packs: list[tuple[layout.AreaFiles, str, str]]) -> list[PackEntry]:
    """The packs staged in this publication, each with its staged summary."""
    entries = []
    for files, name, about in packs:
        summary = pub.path(files.summary("parquet"))
        if pub.path(files.report).exists():
            entries.append(PackEntry(files, name, about, pd.read_parquet(summary) if summary.exists() else None))
    return entries
