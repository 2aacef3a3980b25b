"""Offline HTML report per area, and the index page of all areas.

Self-contained pages (no external URL: charts are SVG drawn at build time and inlined,
see ``jsna.pack.svg``) so they open from a shared drive with no internet. Per domain, a spine
chart in Fingertips' style (the area against its region's range and the England
value) and trend charts for the key indicators; then the summary table. Colour always
comes with text (Better / Similar / Worse) for colour-blind readers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from markupsafe import Markup

from jsna import layout
from jsna.grouping import records
from jsna.pack import display, pages, svg
from jsna.pack.findings import KeyFindings, anchor, key_findings
from jsna.pack.inequality_findings import AreaInequalities, Labels
from schemas.summary import FROM_FINGERTIPS

BANNER = "SYNTHETIC SAMPLE DATA - NOT REAL STATISTICS"
FINGERTIPS = "OHID Fingertips"
SYNTHETIC_SOURCE = "the offline sample API (synthetic sample data, not real statistics)"


def source_name(synthetic: bool) -> str:
    """Where the figures come from, as every title line says it."""
    return SYNTHETIC_SOURCE if synthetic else FINGERTIPS


Record = dict[str, Any]  # one summary row, as plain values (see ``records``)
# One headline line's points per area, in period order: (period_sortable, period, value, lower 95%, upper 95%).
Points = list[tuple[int, str, float, float, float]]


def spine_chart(
    rows: list[Record], ranges: dict[tuple[int, str], dict[str, float]], title: str = "", no_range: str = "no range"
) -> str:
    """The domain's spine chart: this area against its region's range, the region and England.
    Sex and age are named where the domain shows an indicator more than once."""
    seen = Counter(row["indicator_id"] for row in rows)
    lines = []
    for row in rows:
        r = ranges.get((row["indicator_id"], row["sex"]))
        twice = seen[row["indicator_id"]] > 1
        who = f", {row['sex']}, {row['age']}" if twice or row["sex"] != "Persons" else ""
        lines.append(
            {
                "label": f"{row['label']} ({row['period']}{who})",
                "comparison": row["compared_to_england"],
                "value": row["value"],
                "england": row["england_value"],
                "region": row["region_value"],
                "polarity": row["polarity"],
                "decimals": int(row["display_decimals"]),
                "unit": row["unit"],
                **(r or {}),
            }
        )
    return svg.spine_chart(lines, title=f"Spine chart: {title}" if title else "Spine chart", no_range=no_range)


def trend_chart(
    lines: dict[str, tuple[str, Points]],
    area_code: str,
    region_code: str,
    england_code: str,
    title: str,
    unit: str,
    region: str = "London",
) -> str:
    """The area, its region and England over time for one indicator's headline value.
    ``lines``: each area's name and points (``trend_lines``)."""
    labels = {p[0]: p[1] for code in (area_code, region_code, england_code) for p in lines.get(code, ("", []))[1]}
    periods = sorted(labels)
    series = []
    whiskers: list[tuple[float | None, float | None]] = []
    # Colour and dash both (Okabe-Ito blue and vermillion, and black): told apart in colour,
    # in grey print and by readers who do not see the colours.
    for code, name, dash, colour in (
        (area_code, None, "0", "#0072B2"),
        (region_code, region, "6,3", "#D55E00"),
        (england_code, "England", "2,3", "black"),
    ):
        if code not in lines:
            continue
        area_name, points = lines[code]
        by_period = {p[0]: p for p in points}
        values = [by_period[p][2] if p in by_period else None for p in periods]
        series.append((name or area_name, values, dash, colour))
        if code == area_code:  # the area's 95% confidence interval, as whiskers
            whiskers = [(by_period[p][3], by_period[p][4]) if p in by_period else (None, None) for p in periods]
    return svg.trend_chart(title, [labels[p] for p in periods], series, unit=unit, whiskers=whiskers)


TREND_COLUMNS = ["indicator_id", "sex", "age", "area_code", "area_name", "period_sortable", "period", "value",
                 "lower_ci_95", "upper_ci_95"]  # fmt: skip


def trend_lines(history: pd.DataFrame) -> dict[tuple[int, str, str], dict[str, tuple[str, Points]]]:
    """Every headline line of the history, read once for every report: by (indicator,
    sex, age), each area's name and points in period order."""
    out: dict[tuple[int, str, str], dict[str, tuple[str, Points]]] = {}
    ordered = history.sort_values("period_sortable", kind="stable")
    for iid, sex, age, code, name, sortable, period, value, lower, upper in zip(
        *(ordered[c].tolist() for c in TREND_COLUMNS), strict=True
    ):
        line = out.setdefault((iid, sex, age), {})
        line.setdefault(code, (name, []))[1].append((sortable, period, value, lower, upper))
    return out


def region_ranges(summaries: pd.DataFrame) -> dict[str, dict[tuple[int, str], dict[str, float]]]:
    """By region, per indicator and sex: the lowest, quartiles and highest value among its areas."""
    out = {}
    for code, rows in summaries.dropna(subset=["value"]).groupby("region_code"):
        grouped = rows.groupby(["indicator_id", "sex"])["value"]
        frame = pd.DataFrame(
            {"min": grouped.min(), "q1": grouped.quantile(0.25), "q3": grouped.quantile(0.75), "max": grouped.max()}
        )
        out[code] = {key: {k: float(v) for k, v in row.items()} for key, row in frame.to_dict("index").items()}
    return out


def summary_rows(rows: list[Record]) -> list[dict[str, str]]:
    """The domain's indicators as the summary table shows them, at display precision."""
    out = []
    for row in rows:
        d = int(row["display_decimals"])
        england_rank = (
            f"{int(row['england_rank'])} of {int(row['england_ranked_areas'])}" if pd.notna(row["england_rank"]) else ""
        )
        out.append(
            {
                "anchor": anchor(row["indicator_id"], row["sex"]),
                "label": row["label"],
                "unit": row["unit"],
                "period": row["period"],
                "sex_age": f"{row['sex']}, {row['age']}",
                "value": display.with_unit(display.number(row["value"], d), row["unit"])
                or (row["value_note"] or "no value"),
                "ci": f"{display.number(row['lower_ci_95'], d)} – {display.number(row['upper_ci_95'], d)}"
                if pd.notna(row["lower_ci_95"])
                else "",
                "count": display.whole(row["count"]),
                "region_value": display.with_unit(display.number(row["region_value"], d), row["unit"]),
                "england_value": display.with_unit(display.number(row["england_value"], d), row["unit"]),
                "vs_england": row["compared_to_england"] or "Not compared",
                "vs_region": row["compared_to_region"] or "Not compared",
                "star": "*" if row["comparison_source"] != FROM_FINGERTIPS else "",
                "trend": "" if display.missing(row["recent_trend"]) else row["recent_trend"],
                "rank": f"{int(row['rank'])} of {int(row['ranked_areas'])}" if pd.notna(row["rank"]) else "n/a",
                "england_rank": england_rank,
                "quintile": str(int(row["region_quintile"])) if pd.notna(row["region_quintile"]) else "",
            }
        )
    return out


SUMMARY_COLUMNS = ["period", "sex_age", "value", "ci", "count", "region_value", "england_value", "vs_england",
                   "vs_region", "trend", "rank", "quintile"]  # fmt: skip
# Columns left out of an area's tables when no row of its report fills them (an ICB's region,
# a footprint's ranks and trend): an always-empty column reads as missing data.
_EMPTY = {"region_value": "", "vs_region": "Not compared", "trend": "", "rank": "n/a", "quintile": "", "ci": "",
          "count": ""}  # fmt: skip


def summary_columns(rows: list[dict[str, Any]], region: str) -> list[tuple[str, str]]:
    """The (key, heading) of each column the area's summary tables show: every column some
    row fills (``summary_rows``' keys)."""
    headings = {"period": "Period", "sex_age": "Sex / age", "value": "Value", "ci": "95% CI", "count": "Count",
                "region_value": region, "england_value": "England", "vs_england": "vs England",
                "vs_region": f"vs {region}", "trend": "Trend", "rank": "Rank", "quintile": "Quintile"}  # fmt: skip
    return [
        (key, headings[key])
        for key in SUMMARY_COLUMNS
        if key not in _EMPTY or any(not display.missing(row[key]) and row[key] != _EMPTY[key] for row in rows)
    ]


def findings_of(findings: KeyFindings) -> dict[str, Any]:
    """The key findings at the top of the report, each linking to its row: the few that
    matter most (``findings.TOP_RULE``), then every finding once, in folded lists."""

    def linked(rows: pd.DataFrame) -> list[tuple[str, str]]:
        return [(anchor(r.indicator_id, r.sex), r.finding) for r in rows.itertuples()]

    sections = [(title, linked(rows)) for title, rows in findings.each_once() if not rows.empty]
    return {"headline": findings.headline(), "top": linked(findings.top), "sections": sections}


@dataclass(frozen=True)
class ReportPack:
    """Everything one area's report is made of. ``ranges``: its region's (``region_ranges``);
    ``trends``: the key indicators' headline lines (``trend_lines``), read once for all areas;
    ``neighbourhoods``: a council's MSOA rows, charted with ``neighbourhood_labels`` (id ->
    label, display decimals); ``files``: where the page and its downloads are (a council's,
    unless an ICB's or a footprint's); ``compared`` and ``legend``: how such an area is
    compared and its charts read, instead of a council's."""

    name: str
    slug: str
    summary: pd.DataFrame
    ranges: dict[tuple[int, str], dict[str, float]]
    trends: dict[tuple[int, str, str], dict[str, tuple[str, Points]]]
    key_ids: list[int]
    area_code: str
    region_code: str
    england_code: str
    retrieved_at: str | None
    synthetic: bool
    region_name: str = "London region"
    neighbourhoods: pd.DataFrame | None = None
    neighbourhood_labels: dict[int, tuple[str, int]] = field(default_factory=dict)
    files: layout.AreaFiles | None = None
    compared: str | None = None
    legend: str | None = None
    inequalities: AreaInequalities | None = None  # a council's groups and gradients
    labels: dict[int, tuple[str, int]] = field(default_factory=dict)  # id -> label, display decimals
    no_range: str = "no range"  # what a spine row with no range of areas says (no circle is drawn)


def domains(pack: ReportPack, region: str) -> list[dict[str, Any]]:
    """Per domain: its spine chart, the key indicators' trend charts and its table's rows."""
    by_domain: dict[str, list[Record]] = {}
    for row in records(pack.summary):
        by_domain.setdefault(row["domain"], []).append(row)
    codes = (pack.area_code, pack.region_code, pack.england_code)
    out = []
    for domain, rows in by_domain.items():
        charts = []
        for iid in [r["indicator_id"] for r in rows if r["indicator_id"] in pack.key_ids]:
            head = next(r for r in rows if r["indicator_id"] == iid)
            line = pack.trends.get((iid, head["sex"], head["age"]), {})
            if any(code in line for code in codes):
                charts.append(Markup(trend_chart(line, *codes, head["label"], head["unit"], region)))
        out.append(
            {
                "name": domain,
                "spine": Markup(spine_chart(rows, pack.ranges, str(domain), pack.no_range)),
                "trends": charts,
                "rows": summary_rows(rows),
            }
        )
    return out


def area_report(pack: ReportPack) -> str:
    """The whole report page for one area (``templates/report.j2``)."""
    files = pack.files or layout.area(pack.slug, pack.synthetic)

    def here(target: str) -> str:
        return layout.link(files.report, target)

    region = pack.region_name.removesuffix(" region")
    links = {
        "table_csv": here(files.table("csv")),
        "table_parquet": here(files.table("parquet")),
        "summary_csv": here(files.summary("csv")),
        "workbook": here(files.workbook),
        "chapter": here(files.chapter),
        "neighbourhoods_csv": here(files.neighbourhoods("csv")),
        "neighbourhoods_parquet": here(files.neighbourhoods("parquet")),
        "inequalities_csv": here(files.inequalities("csv")),
        "gradients_csv": here(files.gradients("csv")),
    }
    inequalities = (
        None if pack.inequalities is None else pack.inequalities.section(pack.area_code, pack.name, Labels(pack.labels))
    )
    sections = domains(pack, region)
    neighbourhoods = (
        None if pack.neighbourhoods is None else neighbourhood_charts(pack.neighbourhoods, pack.neighbourhood_labels)
    )
    return pages.render(
        "report.j2",
        title=f"{pack.name} - mental health and wellbeing JSNA",
        css=pages.asset("page.css"),
        synthetic=pack.synthetic,
        banner=BANNER,
        name=pack.name,
        source=source_name(pack.synthetic),
        retrieved_at=pack.retrieved_at or "",
        compared=pack.compared,
        legend=pack.legend,
        region=region,
        findings=findings_of(key_findings(pack.name, pack.summary)),
        links=links,
        domains=sections,
        columns=summary_columns([row for domain in sections for row in domain["rows"]], region),
        neighbourhoods=neighbourhoods,
        inequalities=inequalities,
    )


def neighbourhood_charts(rows: pd.DataFrame, labels: dict[int, tuple[str, int]]) -> list[Markup]:
    """Each neighbourhood indicator's latest period as a ranked bar chart of the council's
    MSOAs (Persons where served, the first age band), with the council and England. The
    council's rows are read as records once, in the order served: pandas filters of a few
    dozen rows, four per indicator, cost nine tenths of this."""
    by_id: dict[int, list[dict[str, Any]]] = {}
    for row in records(rows, _CHART_COLUMNS) if len(rows) else []:
        if _is(row["category"], ""):
            by_id.setdefault(row["indicator_id"], []).append(row)
    charts = []
    for iid, mine in by_id.items():
        sexes = list(dict.fromkeys(row["sex"] for row in mine))
        sex = "Persons" if "Persons" in sexes else sorted(sexes)[0]
        mine = [row for row in mine if _is(row["sex"], sex)]
        age = sorted(dict.fromkeys(row["age"] for row in mine))[0]
        mine = [row for row in mine if _is(row["age"], age)]
        newest = max(row["period_sortable"] for row in mine)
        latest = [row for row in mine if row["period_sortable"] == newest]
        first = latest[0]
        label, decimals = labels.get(int(iid), (str(first["indicator_name"]), 1))
        bars = [(row["area_name"], row["value"], row["computed_vs_england"]) for row in latest]
        chart = svg.ranked_bars(
            f"{label}, {first['period']}",
            bars,
            council=(str(first["council_name"]), first["council_value"]),
            england=first["england_value"],
            unit=str(first["unit"]),
            decimals=decimals,
        )
        charts.append(Markup(chart))
    return charts


_CHART_COLUMNS = ("indicator_id", "category", "sex", "age", "period_sortable", "period", "indicator_name", "area_name",
                  "value", "computed_vs_england", "council_name", "council_value", "england_value", "unit")  # fmt: skip


def _is(value: object, text: str) -> bool:
    """``value == text`` as a pandas filter reads it: a missing value equals nothing."""
    return isinstance(value, str) and value == text
