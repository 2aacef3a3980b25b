"""Offline HTML report per borough, and the index page of all boroughs.

Self-contained pages (no external URL: charts are SVG drawn at build time and inlined,
see ``jsna.pack.svg``) so they open from a shared drive with no internet. Per domain, a spine
chart in Fingertips' style (the borough against the London range and the England
value) and trend charts for the key indicators; then the summary table. Colour always
comes with text (Better / Similar / Worse) for colour-blind readers.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd

from jsna import layout
from jsna.pack import svg

BANNER = "SYNTHETIC SAMPLE DATA - NOT REAL STATISTICS"
CSS = """
body{font-family:Arial,Helvetica,sans-serif;margin:24px;color:#222;max-width:1200px}
h1{margin-bottom:4px} .meta{color:#555;margin-top:0}
.banner{background:#c00000;color:#fff;padding:8px 12px;font-weight:bold;margin:12px 0}
table{border-collapse:collapse;width:100%;margin:8px 0 24px;font-size:13px}
th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#1f4e79;color:#fff} .num{text-align:right;font-variant-numeric:tabular-nums}
.cmp{display:inline-block;padding:1px 6px;border-radius:3px;border:1px solid #888}
.Better{background:#1a9850;color:#fff}.Similar{background:#fdb827}.Worse{background:#d73027;color:#fff}
.Higher{background:#4575b4;color:#fff}.Lower{background:#91bfdb}
.charts{display:flex;flex-wrap:wrap;gap:12px}
"""


def _fmt(value: object) -> str:
    """Numbers as served (shortest exact form), empty for missing."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value)


def spine_chart(rows: pd.DataFrame, ranges: pd.DataFrame) -> str:
    """The domain's spine chart: this borough against the London range and England."""
    lines = []
    for row in rows.itertuples():
        key = (row.indicator_id, row.sex)
        r = ranges.loc[key] if key in ranges.index else None
        lines.append(
            {
                "label": f"{row.label} ({row.period})",
                "comparison": row.compared_to_england,
                "value": row.value,
                "england": row.england_value,
                **({k: r[k] for k in ("min", "q1", "q3", "max")} if r is not None else {}),
            }
        )
    return svg.spine_chart(lines)


def trend_chart(history: pd.DataFrame, borough_code: str, region_code: str, england_code: str, title: str) -> str:
    """The borough, London and England over time for one indicator's headline value."""
    periods = history.drop_duplicates("period_sortable").sort_values("period_sortable")
    series = []
    for code, name, dash in (
        (borough_code, None, "0"),
        (region_code, "London", "6,3"),
        (england_code, "England", "2,3"),
    ):
        line = history[history["area_code"] == code].set_index("period_sortable")["value"]
        if line.empty:
            continue
        label = name or history.loc[history["area_code"] == code, "area_name"].iloc[0]
        series.append((label, [line.get(p) for p in periods["period_sortable"]], dash))
    return svg.trend_chart(title, list(periods["period"]), series)


def london_ranges(summaries: pd.DataFrame) -> pd.DataFrame:
    """Per indicator and sex: the lowest, quartiles and highest value among the boroughs."""
    grouped = summaries.dropna(subset=["value"]).groupby(["indicator_id", "sex"])["value"]
    return pd.DataFrame(
        {"min": grouped.min(), "q1": grouped.quantile(0.25), "q3": grouped.quantile(0.75), "max": grouped.max()}
    )


def _cmp(text: str) -> str:
    text = text or "Not compared"
    return f'<span class="cmp {html.escape(text.split()[0])}">{html.escape(text)}</span>'


def summary_table(rows: pd.DataFrame) -> str:
    head = ["Indicator", "Period", "Sex / age", "Value", "95% CI", "London", "England", "vs England", "vs London",
            "Trend", "Rank", "Quintile"]  # fmt: skip
    out = ["<table class='summary'><thead><tr>", *[f"<th>{h}</th>" for h in head], "</tr></thead><tbody>"]
    for row in rows.itertuples():
        ci = f"{_fmt(row.lower_ci_95)} – {_fmt(row.upper_ci_95)}" if pd.notna(row.lower_ci_95) else ""
        rank = f"{int(row.rank)} of {int(row.ranked_areas)}" if pd.notna(row.rank) else "n/a"
        quintile = str(int(row.london_quintile)) if pd.notna(row.london_quintile) else ""
        value = _fmt(row.value) or html.escape(row.value_note or "no value")
        cells = [
            f"{html.escape(row.label)}<br><small>{html.escape(row.unit)}</small>",
            html.escape(row.period),
            html.escape(f"{row.sex}, {row.age}"),
            f"<span class='num'>{value}</span>",
            ci,
            _fmt(row.london_value),
            _fmt(row.england_value),
            _cmp(row.compared_to_england) + ("*" if row.comparison_source != "fingertips" else ""),
            _cmp(row.compared_to_region) + ("*" if row.comparison_source != "fingertips" else ""),
            html.escape(row.recent_trend),
            rank,
            quintile,
        ]
        out.append("<tr class='summary-row'>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


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
    ranges: pd.DataFrame,
    history: pd.DataFrame,
    key_ids: list[int],
    *,
    borough_code: str,
    region_code: str,
    england_code: str,
    retrieved_at: str | None,
    synthetic: bool,
) -> str:
    """The whole report page for one borough."""
    files = layout.area(slug)

    def here(target: str) -> str:
        return layout.link(files.report, target)

    body = [
        f"<h1>{html.escape(borough)}: mental health and wellbeing</h1>",
        f"<p class='meta'>JSNA indicators from OHID Fingertips. Data retrieved {html.escape(retrieved_at or '')} "
        "(UTC). Compared with England and London by Fingertips (95% confidence intervals); "
        "* marks a comparison computed by this pipeline where Fingertips gave none.</p>",
        "<p class='legend'>Spine charts: the dot is "
        f"{html.escape(borough)} (its colour and the word beside it give the comparison with England); the black "
        "line is England; the grey bar is the range of London boroughs (darker: the middle half).</p>",
        f"<p>Downloads: <a href='{here(files.table('csv'))}'>all values (CSV)</a> · "
        f"<a href='{here(files.table('parquet'))}'>all values (Parquet)</a> · "
        f"<a href='{here(files.summary('csv'))}'>summary (CSV)</a> · "
        f"<a href='{here(files.workbook)}'>Excel workbook</a></p>",
    ]
    for domain, rows in summary.groupby("domain", sort=False):
        body.append(f"<h2>{html.escape(domain)}</h2>")
        body.append(f"<div class='chart spine'>{spine_chart(rows, ranges)}</div>")
        charts = []
        for iid in [i for i in rows["indicator_id"] if i in key_ids]:
            head = rows[rows["indicator_id"] == iid].iloc[0]
            line = history[
                (history["indicator_id"] == iid) & (history["sex"] == head["sex"]) & (history["age"] == head["age"])
            ]
            if not line.empty:
                charts.append(trend_chart(line, borough_code, region_code, england_code, head["label"]))
        if charts:
            body.append(
                "<div class='charts'>" + "".join(f"<div class='chart trend'>{c}</div>" for c in charts) + "</div>"
            )
        body.append(summary_table(rows))
    return _page(f"{borough} - mental health and wellbeing JSNA", body, synthetic)


def index_page(boroughs: list[tuple[str, str]], retrieved_at: str | None, synthetic: bool) -> str:
    """The output root's index: every borough with its downloads and the data's freshness."""
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td><a href='{f.report}'>report</a></td>"
        f"<td><a href='{f.table('parquet')}'>Parquet</a></td>"
        f"<td><a href='{f.table('csv')}'>CSV</a></td>"
        f"<td><a href='{f.workbook}'>XLSX</a></td>"
        f"<td><a href='{f.summary('csv')}'>summary</a></td></tr>"
        for f, name in ((layout.area(slug), name) for slug, name in boroughs)
    )
    body = [
        "<h1>Mental health and wellbeing JSNA: London boroughs</h1>",
        f"<p class='meta'>Data retrieved from OHID Fingertips {html.escape(retrieved_at or 'unknown')} (UTC), "
        "the newest retrieval of any figure; each row's retrieved_at gives its own. Region-wide table: "
        f"<a href='{layout.region_table('parquet')}'>Parquet</a> · <a href='{layout.region_table('csv')}'>CSV</a> · "
        f"<a href='{layout.DICTIONARY}'>data dictionary</a> · <a href='{layout.MANIFEST}'>manifest</a>.</p>",
        "<table><thead><tr><th>Borough</th><th>Report</th><th>Parquet</th><th>CSV</th><th>Excel</th>"
        f"<th>Summary</th></tr></thead><tbody>{rows}</tbody></table>",
    ]
    return _page("Mental health and wellbeing JSNA", body, synthetic)
