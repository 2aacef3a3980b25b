"""Offline HTML report per borough, and the index page of all boroughs.

Self-contained pages (no external URL: charts are SVG drawn at build time and inlined,
see ``jsna.pack.svg``) so they open from a shared drive with no internet. Per domain, a spine
chart in Fingertips' style (the borough against the London range and the England
value) and trend charts for the key indicators; then the summary table. Colour always
comes with text (Better / Similar / Worse) for colour-blind readers.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from typing import Any

import pandas as pd

from jsna import layout
from jsna.areas import region_slug
from jsna.pack import display, svg
from jsna.pack.findings import KeyFindings, anchor, key_findings
from schemas.summary import FROM_FINGERTIPS

BANNER = "SYNTHETIC SAMPLE DATA - NOT REAL STATISTICS"
CSS = """
body{font-family:Arial,Helvetica,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{margin-bottom:4px} .meta{color:#555;margin-top:0}
.banner{background:#c00000;color:#fff;padding:8px 12px;font-weight:bold;margin:12px 0}
table{border-collapse:collapse;width:100%;margin:8px 0 24px;font-size:13px}
th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#1f4e79;color:#fff} tbody th{background:#f2f2f2;color:#222;font-weight:normal}
.num{text-align:right;font-variant-numeric:tabular-nums}
.cmp{display:inline-block;padding:1px 6px;border-radius:3px;border:1px solid #888}
.Better{background:#1a9850;color:#fff}.Similar{background:#fdb827}.Worse{background:#d73027;color:#fff}
.Higher{background:#4575b4;color:#fff}.Lower{background:#91bfdb}
.charts{display:flex;flex-wrap:wrap;gap:12px}
.findings li{margin:2px 0} .findings a{color:inherit}
@media print{
 @page{size:A4;margin:12mm}
 body{margin:0;max-width:none;font-size:11px}
 .chart,tr,li{break-inside:avoid} h2,h3{break-after:avoid}
 a{color:inherit;text-decoration:none}
 th{background:#ddd;color:#000} .banner{border:2px solid #c00000}
}
"""
FINGERTIPS = "OHID Fingertips"
SYNTHETIC_SOURCE = "the offline sample API (synthetic sample data, not real statistics)"


def source_name(synthetic: bool) -> str:
    """Where the figures come from, as every title line says it."""
    return SYNTHETIC_SOURCE if synthetic else FINGERTIPS


Record = dict[str, Any]  # one summary row, as plain values (see ``records``)
# One headline line's points per area, in period order: (period_sortable, period, value, lower 95%, upper 95%).
Points = list[tuple[int, str, float, float, float]]


def records(frame: pd.DataFrame) -> list[Record]:
    """The frame's rows as plain dicts, read once: indexing a DataFrame per row or per
    chart cost most of a report."""
    return frame.to_dict("records")


def spine_chart(rows: list[Record], ranges: dict[tuple[int, str], dict[str, float]], title: str = "") -> str:
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
    return svg.spine_chart(lines, title=f"Spine chart: {title}" if title else "Spine chart")


def trend_chart(
    lines: dict[str, tuple[str, Points]],
    borough_code: str,
    region_code: str,
    england_code: str,
    title: str,
    unit: str,
    region: str = "London",
) -> str:
    """The area, its region and England over time for one indicator's headline value.
    ``lines``: each area's name and points (``trend_lines``)."""
    labels = {p[0]: p[1] for code in (borough_code, region_code, england_code) for p in lines.get(code, ("", []))[1]}
    periods = sorted(labels)
    series = []
    whiskers: list[tuple[float | None, float | None]] = []
    for code, name, dash in (
        (borough_code, None, "0"),
        (region_code, region, "6,3"),
        (england_code, "England", "2,3"),
    ):
        if code not in lines:
            continue
        area_name, points = lines[code]
        by_period = {p[0]: p for p in points}
        series.append((name or area_name, [by_period[p][2] if p in by_period else None for p in periods], dash))
        if code == borough_code:  # the borough's 95% confidence interval, as whiskers
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


def _cmp(text: str) -> str:
    text = text or "Not compared"
    return f'<span class="cmp {html.escape(text.split()[0])}">{html.escape(text)}</span>'


def summary_table(rows: list[Record], region: str = "London") -> str:
    """The domain's indicators at display precision; each row can be linked to (key findings)."""
    region = html.escape(region)
    head = ["Indicator", "Period", "Sex / age", "Value", "95% CI", "Count", region, "England", "vs England",
            f"vs {region}", "Trend", "Rank", "Quintile"]  # fmt: skip
    out = ["<table class='summary'><thead><tr>", *[f"<th scope='col'>{h}</th>" for h in head], "</tr></thead><tbody>"]
    for row in rows:
        d = int(row["display_decimals"])
        ci = (
            f"{display.number(row['lower_ci_95'], d)} – {display.number(row['upper_ci_95'], d)}"
            if pd.notna(row["lower_ci_95"])
            else ""
        )
        rank = f"{int(row['rank'])} of {int(row['ranked_areas'])}" if pd.notna(row["rank"]) else "n/a"
        if pd.notna(row["england_rank"]):
            rank += f"<br><small>England: {int(row['england_rank'])} of {int(row['england_ranked_areas'])}</small>"
        quintile = str(int(row["region_quintile"])) if pd.notna(row["region_quintile"]) else ""
        value = display.with_unit(display.number(row["value"], d), row["unit"]) or html.escape(
            row["value_note"] or "no value"
        )
        computed = "*" if row["comparison_source"] != FROM_FINGERTIPS else ""
        cells = [
            f"<th scope='row'>{html.escape(row['label'])}<br><small>{html.escape(row['unit'])}</small></th>",
            html.escape(row["period"]),
            html.escape(f"{row['sex']}, {row['age']}"),
            f"<span class='num'>{html.escape(value)}</span>",
            ci,
            display.whole(row["count"]),
            display.number(row["region_value"], d),
            display.number(row["england_value"], d),
            _cmp(row["compared_to_england"]) + computed,
            _cmp(row["compared_to_region"]) + computed,
            html.escape(row["recent_trend"]),
            rank,
            quintile,
        ]
        cells_html = "".join(c if c.startswith("<th") else f"<td>{c}</td>" for c in cells)
        out.append(f"<tr class='summary-row' id='{anchor(row['indicator_id'], row['sex'])}'>{cells_html}</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def key_findings_section(findings: KeyFindings) -> str:
    """The findings at the top of the report, each linking to its row."""
    parts = [
        "<section class='findings' id='key-findings'><h2>Key findings</h2>",
        f"<p>{html.escape(findings.headline())}</p>",
    ]
    for title, rows in findings.sections():
        if rows.empty:
            continue
        parts.append(f"<h3>{html.escape(title)} ({len(rows)})</h3><ul>")
        parts += [
            f"<li><a href='#{anchor(r.indicator_id, r.sex)}'>{html.escape(r.finding)}</a></li>"
            for r in rows.itertuples()
        ]
        parts.append("</ul>")
    parts.append("</section>")
    return "".join(parts)


def _page(title: str, body: Iterable[str], synthetic: bool) -> str:
    banner = f"<div class='banner'>{BANNER}</div>" if synthetic else ""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"
        f"{banner}{''.join(body)}{banner}</body></html>"
    )


def borough_report(
    borough: str,
    slug: str,
    summary: pd.DataFrame,
    ranges: dict[tuple[int, str], dict[str, float]],
    trends: dict[tuple[int, str, str], dict[str, tuple[str, Points]]],
    key_ids: list[int],
    *,
    borough_code: str,
    region_code: str,
    england_code: str,
    retrieved_at: str | None,
    synthetic: bool,
    region_name: str = "London region",
    neighbourhoods: pd.DataFrame | None = None,
    neighbourhood_labels: dict[int, tuple[str, int]] | None = None,
    files: layout.AreaFiles | None = None,
    compared: str | None = None,
    legend: str | None = None,
) -> str:
    """The whole report page for one area. ``ranges``: its region's (``region_ranges``);
    ``trends``: the key indicators' headline lines (``trend_lines``), read once for all areas;
    ``neighbourhoods``: a council's MSOA rows, charted by ``neighbourhood_section`` with
    ``neighbourhood_labels`` (id -> label, display decimals); ``files``: where the page and
    its downloads are (a council's, unless an ICB's or a footprint's); ``compared`` and
    ``legend``: how such an area is compared and its charts read, instead of a council's."""
    files = files or layout.area(slug, synthetic)
    region = html.escape(region_name.removesuffix(" region"))

    def here(target: str) -> str:
        return layout.link(files.report, target)

    compared = (
        html.escape(compared)
        if compared
        else (
            f"Compared with England and {region} by Fingertips (95% confidence intervals); * marks a comparison "
            "computed by this pipeline where Fingertips gave none."
        )
    )
    legend = (
        html.escape(legend)
        if legend
        else (
            "Spine charts, as Fingertips draws them: England (the black line) at the centre of every "
            f"row, the worst area of {region} at the left end and the best at the right (by the indicator's polarity; "
            f"lowest to highest where it has none); the circle is {html.escape(borough)} (its colour and the word "
            f"beside it give the comparison with England), the diamond is {region}, the grey bar the range of its "
            "areas (darker: the 25th to 75th percentile). Where an indicator has no better or worse, Worst and Best "
            "give the lowest and highest. Rank: 1 is the "
            "best of the region's areas by the indicator's polarity, and below it the rank among every area of the "
            "type in England. Quintile: 1 is the best fifth of the region (or, for an "
            "indicator with no better or worse, the lowest fifth)."
        )
    )
    body = [
        f"<h1>{html.escape(borough)}: mental health and wellbeing</h1>",
        f"<p class='meta'>JSNA indicators from {source_name(synthetic)}. Data retrieved "
        f"{html.escape(retrieved_at or '')} (UTC). {compared} "
        "Values are shown at each indicator's display precision; the downloads keep every digit.</p>",
        key_findings_section(key_findings(borough, summary)),
        f"<p class='legend'>{legend}</p>",
        f"<p>Downloads: <a href='{here(files.table('csv'))}'>all values (CSV)</a> · "
        f"<a href='{here(files.table('parquet'))}'>all values (Parquet)</a> · "
        f"<a href='{here(files.summary('csv'))}'>summary (CSV)</a> · "
        f"<a href='{here(files.workbook)}'>Excel workbook</a></p>",
    ]
    by_domain: dict[str, list[Record]] = {}
    for row in records(summary):
        by_domain.setdefault(row["domain"], []).append(row)
    for domain, rows in by_domain.items():
        body.append(f"<h2>{html.escape(domain)}</h2>")
        body.append(f"<div class='chart spine'>{spine_chart(rows, ranges, str(domain))}</div>")
        charts = []
        for iid in [r["indicator_id"] for r in rows if r["indicator_id"] in key_ids]:
            head = next(r for r in rows if r["indicator_id"] == iid)
            line = trends.get((iid, head["sex"], head["age"]), {})
            if any(code in line for code in (borough_code, region_code, england_code)):
                charts.append(
                    trend_chart(line, borough_code, region_code, england_code, head["label"], head["unit"], region)
                )
        if charts:
            body.append(
                "<div class='charts'>" + "".join(f"<div class='chart trend'>{c}</div>" for c in charts) + "</div>"
            )
        body.append(summary_table(rows, region))
    if neighbourhoods is not None:
        body.append(neighbourhood_section(borough, neighbourhoods, neighbourhood_labels or {}))
        body.append(
            f"<p>Download: <a href='{here(files.neighbourhoods('csv'))}'>neighbourhood values (CSV)</a> · "
            f"<a href='{here(files.neighbourhoods('parquet'))}'>(Parquet)</a></p>"
        )
    return _page(f"{borough} - mental health and wellbeing JSNA", body, synthetic)


def neighbourhood_section(council: str, rows: pd.DataFrame, labels: dict[int, tuple[str, int]]) -> str:
    """Each neighbourhood indicator's latest period as a ranked bar chart of the council's
    MSOAs (Persons where served, the first age band), with the council and England."""
    parts = [
        "<section class='neighbourhoods' id='neighbourhoods'><h2>Neighbourhoods (MSOAs)</h2>",
        "<p class='legend'>Each bar is one neighbourhood (middle layer super output area), highest first, coloured "
        "and labelled by its comparison with England, computed by this pipeline the Fingertips way (95% confidence "
        f"interval against England's value, by polarity). The dashed line is {html.escape(council)}, the solid "
        "line England.</p>",
    ]
    headline = rows[rows["category"] == ""] if len(rows) else rows
    if headline.empty:
        parts.append("<p>No neighbourhood values are served for this area.</p></section>")
        return "".join(parts)
    for iid in dict.fromkeys(headline["indicator_id"].tolist()):
        mine = headline[headline["indicator_id"] == iid]
        sexes = mine["sex"].unique().tolist()
        mine = mine[mine["sex"] == ("Persons" if "Persons" in sexes else sorted(sexes)[0])]
        mine = mine[mine["age"] == sorted(mine["age"].unique())[0]]
        latest = mine[mine["period_sortable"] == mine["period_sortable"].max()]
        first = latest.iloc[0]
        label, decimals = labels.get(int(iid), (str(first["indicator_name"]), 1))
        bars = list(zip(latest["area_name"], latest["value"], latest["computed_vs_england"], strict=True))
        chart = svg.ranked_bars(
            f"{label}, {first['period']}",
            bars,
            council=(str(first["council_name"]), first["council_value"]),
            england=first["england_value"],
            unit=str(first["unit"]),
            decimals=decimals,
        )
        parts.append(f"<div class='chart bars'>{chart}</div>")
    parts.append("</section>")
    return "".join(parts)


SORT_SCRIPT = """
document.querySelectorAll('table.sortable thead th').forEach(function (th) {
  th.addEventListener('click', function () {
    var col = th.cellIndex;
    var body = th.closest('table').tBodies[0], rows = Array.from(body.rows);
    var asc = th.getAttribute('aria-sort') !== 'ascending';
    th.closest('tr').querySelectorAll('th').forEach(function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
    rows.sort(function (a, b) {
      var x = a.cells[col].textContent, y = b.cells[col].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


def index_page(
    boroughs: list[tuple[str, str, str]],
    retrieved_at: str | None,
    synthetic: bool,
    summaries: pd.DataFrame | None = None,
    region_name: str = "London",
    scope: str = "london",
) -> str:
    """The output root's index: every area (slug, name, code) with its region, its count of
    indicators worse and better than England, its downloads and the data's freshness;
    sortable by column."""
    counts: dict[str, tuple[int, int, int]] = {}
    fresh: dict[str, str] = {}
    if summaries is not None:
        for code, group in summaries.groupby("area_code"):
            found = key_findings(str(code), group)
            counts[code] = (len(found.worse), len(found.better), found.total)
            newest = group["retrieved_at"].max()
            fresh[code] = "" if pd.isna(newest) else pd.Timestamp(newest).strftime("%Y-%m-%d %H:%M")
    regions = dict(zip(summaries["area_code"], summaries["region_name"], strict=True)) if summaries is not None else {}
    rows: dict[str, list[str]] = {}  # by region, in the order the API lists them
    for slug, name, code in boroughs:
        f = layout.area(slug, synthetic)
        worse, better, total = counts.get(code, (None, None, None))
        region = regions.get(code) or region_name
        rows.setdefault(region, []).append(
            f"<tr><th scope='row'>{html.escape(name)}</th><td>{html.escape(region)}</td>"
            f"<td class='num'>{'' if worse is None else f'{worse} of {total}'}</td>"
            f"<td class='num'>{'' if better is None else f'{better} of {total}'}</td>"
            f"<td><a href='{f.report}'>report</a></td>"
            f"<td><a href='{f.table('parquet')}'>Parquet</a> · <a href='{f.table('csv')}'>CSV</a></td>"
            f"<td><a href='{f.workbook}'>XLSX</a></td>"
            f"<td><a href='{f.summary('csv')}'>summary</a></td><td>{fresh.get(code, '')}</td></tr>"
        )
    head = ["Area", "Region", "Worse than England", "Better than England", "Report", "All values", "Excel",
            "Summary", "Data retrieved (UTC)"]  # fmt: skip
    head_row = "<thead><tr>" + "".join(f"<th scope='col'>{h}</th>" for h in head) + "</tr></thead>"
    if len(rows) > 1:  # grouped by region: a heading and a table each, with a list of them first
        jump = " · ".join(f"<a href='#{region_slug(r)}'>{html.escape(r)}</a>" for r in rows)
        tables = [f"<p>Regions: {jump}</p>"] + [
            f"<h2 id='{region_slug(r)}'>{html.escape(r)} ({len(found)} areas)</h2>"
            f"<p>The region's table: <a href='{layout.region_table('parquet', scope=region_slug(r))}'>Parquet</a> · "
            f"<a href='{layout.region_table('csv', synthetic, region_slug(r))}'>CSV</a></p>"
            f"<table class='sortable'>{head_row}<tbody>{''.join(found)}</tbody></table>"
            for r, found in rows.items()
        ]
    else:
        tables = [
            f"<table class='sortable'>{head_row}<tbody>{''.join(r for v in rows.values() for r in v)}</tbody></table>"
        ]
    body = [
        f"<h1>Mental health and wellbeing JSNA: {html.escape(region_name)}</h1>",
        f"<p class='meta'>Data from {source_name(synthetic)}, retrieved {html.escape(retrieved_at or 'unknown')} "
        "(UTC): the newest retrieval of any figure; each row's retrieved_at gives its own. Click a column heading "
        "to sort. Region-wide table: "
        f"<a href='{layout.region_table('parquet', scope=scope)}'>Parquet</a> · "
        f"<a href='{layout.region_table('csv', synthetic, scope)}'>CSV</a> · "
        f"<a href='{layout.dictionary('csv', synthetic)}'>data dictionary</a> · "
        f"<a href='{layout.MANIFEST}'>manifest</a>.</p>",
        *tables,
        f"<script>{SORT_SCRIPT}</script>",
    ]
    return _page("Mental health and wellbeing JSNA", body, synthetic)
