"""The pack of an area that is not one of the scope's councils: an ICB or a footprint.

The same files as a council's (its table, summary, workbook and report, from the same
writers), staged in the run's publication under the area's own folder
(``jsna.layout``): ``icbs/<slug>/`` or ``footprints/<slug>/``.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from assets.staging import stage_files, table_job
from jsna import layout
from jsna.areas import ENGLAND_CODE
from jsna.grouping import split_by
from jsna.inequalities.gradients import decile_gradients
from jsna.inequalities.groups import group_rows
from jsna.pack.chapter import WEIGHT, ChapterPack, area_chapter
from jsna.pack.inequality_findings import AreaInequalities, Labels, inequality_findings, latest
from jsna.pack.report import ReportPack, area_report, region_ranges, trend_lines
from jsna.pack.workbook import build_workbook
from jsna.publication import Publication
from jsna.workers import render_each
from schemas import SUMMARY
from schemas.spec import TableSpec


@dataclass(frozen=True)
class Unit:
    """One area with a pack: where its files go, its name and its code in the tables."""

    files: layout.AreaFiles
    name: str
    code: str


@dataclass(frozen=True)
class GroupKind:
    """How the packs of one kind of area are made: their table's ``spec``; ``comparator``
    names what ranks are among (e.g. "ICBs"); ``scope_areas`` (the scope's size) decides, as
    for the councils, whether the worker pool renders them; ``compared`` and ``legend`` say
    on each report how such an area is compared and its charts read; ``ranked``: the units
    are a set of areas of one type (the ICBs), so each spine chart shows their range (else
    its rows say ``no_range``)."""

    spec: TableSpec
    comparator: str
    compared: str
    legend: str
    ranked: bool
    scope_areas: int
    no_range: str = "no range"  # what a spine row says where there is no range of areas


@dataclass(frozen=True)
class GroupData:
    """What every pack of a run is made from: the rows and summaries of all its units, the
    data dictionary, the provenance (``fields``, and as Parquet metadata ``meta``) and the
    catalogue's key indicators (their trend charts)."""

    rows: pd.DataFrame
    summaries: pd.DataFrame
    dictionary: pd.DataFrame
    fields: dict[str, Any]
    meta: dict[str, str]
    key_ids: list[int]
    # Indicator id -> (label, display decimals), and the catalogue's standard ages: the
    # inequalities of each unit (the groups served for it and its deprivation gradients).
    labels: dict[int, tuple[str, int]] = field(default_factory=dict)
    ages: dict[int, str | None] = field(default_factory=dict)
    caveats: dict[int, str] = field(default_factory=dict)  # each indicator's, as its metadata state them


def stage_packs(pub: Publication, units: list[Unit], kind: GroupKind, data: GroupData) -> dict[str, int]:
    """Stage every unit's table, summary, workbook, report and chapter; returns each unit's row count."""
    rows, summaries = data.rows, data.summaries
    rows_of, summary_of = split_by(rows), split_by(summaries)
    headline = rows[(rows["category"] == "") & rows["indicator_id"].isin(data.key_ids)]
    trends = trend_lines(pd.concat([headline, england_line(headline)], ignore_index=True))
    ranges = region_ranges(summaries).get("", {}) if kind.ranked else {}  # the units' region is empty
    groups, gradients = group_rows(rows, data.ages), decile_gradients(rows)
    groups_of, gradients_of = split_by(groups), split_by(gradients)
    tables, books, pages, chapters = [], [], [], []
    for unit in units:
        mine = rows_of.get(unit.code, rows.iloc[0:0])
        summary = summary_of.get(unit.code, summaries.iloc[0:0])
        unequal = AreaInequalities(
            groups_of.get(unit.code, groups.iloc[0:0]), gradients_of.get(unit.code, gradients.iloc[0:0])
        )
        tables.append(table_job(kind.spec, mine, unit.files.table, data.meta))
        tables.append(table_job(SUMMARY, summary.drop(columns="area_code"), unit.files.summary, data.meta))
        books.append(_workbook_job(unit, summary, mine, data, unequal))
        lines = {key: {c: line[c] for c in (unit.code, ENGLAND_CODE) if c in line} for key, line in trends.items()}
        report = dataclasses.replace(_report(unit, summary, ranges, lines, kind, data), inequalities=unequal)
        pages.append(functools.partial(area_report, report))
        chapter = ChapterPack(report, data.dictionary, str(data.fields["api_base_url"]), data.caveats)
        chapters.append(functools.partial(area_chapter, chapter))
    for files in render_each(tables, kind.scope_areas):
        stage_files(pub, files)
    for unit, book in zip(units, render_each(books, kind.scope_areas), strict=True):
        pub.write_bytes(unit.files.workbook, book, rows=len(rows_of.get(unit.code, rows.iloc[0:0])))
    for unit, page in zip(units, render_each(pages, kind.scope_areas), strict=True):
        pub.write_bytes(unit.files.report, page.encode("utf-8"))
    heavy = max(kind.scope_areas, len(chapters) * WEIGHT)  # chapters use the pool sooner (``WEIGHT``)
    for unit, document in zip(units, render_each(chapters, heavy), strict=True):
        pub.write_bytes(unit.files.chapter, document)
    return {unit.files.slug: len(rows_of.get(unit.code, rows.iloc[0:0])) for unit in units}


def england_line(headline: pd.DataFrame) -> pd.DataFrame:
    """England's own rows for the trend charts, from the ``england_value`` each row carries,
    where the rows hold none (a footprint's): England's value as served for that period,
    without an interval (the charts draw whiskers for the area only)."""
    if headline.empty or (headline["area_code"] == ENGLAND_CODE).any():
        return headline.iloc[0:0]
    keys = ["indicator_id", "sex", "age", "period_sortable"]
    england = headline.dropna(subset=["england_value"]).drop_duplicates(keys).copy()
    england["area_code"], england["area_name"] = ENGLAND_CODE, "England"
    england["value"] = england["england_value"]
    england["lower_ci_95"] = england["upper_ci_95"] = float("nan")
    return england


def _workbook_job(
    unit: Unit, summary: pd.DataFrame, rows: pd.DataFrame, data: GroupData, unequal: AreaInequalities
) -> functools.partial:
    """The unit's workbook; its Inequalities sheet shows each breakdown's latest period, as
    its report does, and its sentences close the Key findings (as a council's)."""
    sentences = inequality_findings(unequal.groups, unequal.gradients, unit.code, unit.name, Labels(data.labels))
    latest_groups = latest(unequal.groups, ["indicator_id", "dimension", "category_type"])
    inequalities = AreaInequalities(latest_groups, unequal.gradients, findings=tuple(sentences))
    return functools.partial(
        build_workbook,
        unit.name,
        summary.drop(columns="area_code"),
        rows,
        data.dictionary,
        api_base_url=str(data.fields["api_base_url"]),
        retrieved_at=data.fields["retrieved_at"],
        synthetic=bool(data.fields["synthetic"]),
        inequalities=inequalities if len(unequal.groups) or len(unequal.gradients) else None,
    )


def _report(
    unit: Unit, summary: pd.DataFrame, ranges: dict, lines: dict, kind: GroupKind, data: GroupData
) -> ReportPack:
    return ReportPack(
        unit.name,
        unit.files.slug,
        summary,
        ranges,
        lines,
        data.key_ids,
        area_code=unit.code,
        region_code="",
        england_code=ENGLAND_CODE,
        retrieved_at=data.fields["retrieved_at"],
        synthetic=bool(data.fields["synthetic"]),
        region_name=kind.comparator,
        files=unit.files,
        compared=kind.compared,
        legend=kind.legend,
        labels=data.labels,
        no_range=kind.no_range,
    )
