"""The output root's ``index.html``: every pack the publication holds (the councils by
region, then the ICBs, then the custom footprints), each with its count of indicators worse
and better than England, its downloads and how fresh its data is; sortable by column
(``templates/index.j2``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from jsna import layout
from jsna.areas import region_slug
from jsna.grouping import split_by
from jsna.pack import pages
from jsna.pack.findings import worse_and_better
from jsna.pack.report import BANNER, source_name


@dataclass(frozen=True)
class PackEntry:
    """One pack to list: its files, its name, what the second column says of it (its region,
    "ICB", a footprint's members) and its summary rows (None: no summary to count)."""

    files: layout.AreaFiles
    name: str
    about: str
    summary: pd.DataFrame | None


@dataclass(frozen=True)
class PackSection:
    """A heading of the index (a region, the ICBs, the footprints) and its packs."""

    name: str
    slug: str
    about_heading: str
    entries: Sequence[PackEntry]
    table_parquet: str = ""
    table_csv: str = ""


def _row(entry: PackEntry) -> dict[str, str]:
    worse = better = fresh = ""
    if entry.summary is not None and len(entry.summary):
        worst, best, _ = worse_and_better(entry.summary)
        total = len(entry.summary)
        worse, better = f"{int(worst.sum())} of {total}", f"{int(best.sum())} of {total}"
        newest = entry.summary["retrieved_at"].max()
        fresh = "" if pd.isna(newest) else pd.Timestamp(newest).strftime("%Y-%m-%d %H:%M")
    f = entry.files
    return {
        "name": entry.name, "about": entry.about, "worse": worse, "better": better, "report": f.report,
        "table_parquet": f.table("parquet"), "table_csv": f.table("csv"), "workbook": f.workbook,
        "chapter": f.chapter, "summary_csv": f.summary("csv"), "retrieved": fresh,
    }  # fmt: skip


def council_sections(
    areas: list[tuple[str, str, str]], summaries: pd.DataFrame | None, synthetic: bool, region_name: str
) -> list[PackSection]:
    """The councils (slug, name, code), grouped by region in the order the API lists them."""
    regions = dict(zip(summaries["area_code"], summaries["region_name"], strict=True)) if summaries is not None else {}
    by_code = split_by(summaries) if summaries is not None else {}
    grouped: dict[str, list[PackEntry]] = {}
    for slug, name, code in areas:
        region = regions.get(code) or region_name
        grouped.setdefault(region, []).append(PackEntry(layout.area(slug, synthetic), name, region, by_code.get(code)))
    sections = []
    for name, entries in grouped.items():
        slug = region_slug(name)
        tables = layout.region_table("parquet", scope=slug), layout.region_table("csv", synthetic, slug)
        sections.append(PackSection(name, slug, "Region", entries, *tables))
    return sections


def index_page(
    councils: list[PackSection],
    others: list[PackSection],
    retrieved_at: str | None,
    synthetic: bool,
    region_name: str = "London",
    scope: str = "london",
) -> str:
    """The index of the councils' sections and the other packs' (ICBs, footprints)."""
    links = {
        "region_parquet": layout.region_table("parquet", scope=scope),
        "region_csv": layout.region_table("csv", synthetic, scope),
        "dictionary": layout.dictionary("csv", synthetic),
        "manifest": layout.MANIFEST,
    }

    def listed(sections: list[PackSection]) -> list[dict]:
        return [{**vars(s), "rows": [_row(e) for e in s.entries]} for s in sections if s.entries]

    return pages.render(
        "index.j2",
        title="Mental health and wellbeing JSNA",
        css=pages.asset("page.css"),
        synthetic=synthetic,
        banner=BANNER,
        scope_name=region_name,
        source=source_name(synthetic),
        retrieved_at=retrieved_at or "unknown",
        links=links,
        regions=listed(councils),
        others=listed(others),
        script=pages.asset("sortable.js"),
    )
