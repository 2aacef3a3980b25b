"""The commissioner pack: summary, workbook, report and index for every borough."""

from __future__ import annotations

import re

import openpyxl
import pandas as pd

from jsna.areas import slugify
from jsna.catalogue import load_catalogue
from jsna.pack.summary import compare_ci, standard_age
from jsna.pack.workbook import BANNER, COMPARISON_FILLS, HEADER_ROW, read_sheet
from jsna.sample_api.areas import LONDON_BOROUGHS
from tests.browser import headless, needs_chromium
from tests.printing import needs_libreoffice, overlapping, pages, text, to_pdf

SLUGS = sorted(slugify(n) for n in LONDON_BOROUGHS.values())


def equal(a: pd.Series, b: pd.Series) -> bool:
    return bool(((a == b) | (a.isna() & b.isna())).all())


def test_every_borough_has_the_whole_pack_and_the_index(published):
    out, _ = published
    for slug in SLUGS:
        folder = out / "areas" / slug
        for name in ("summary.parquet", "summary_SYNTHETIC.csv", f"jsna_mental_wellbeing_{slug}.xlsx", "report.html"):
            assert (folder / name).stat().st_size > 0, f"{slug}/{name}"
    index = (out / "index.html").read_text()
    assert len(re.findall(r"href='areas/[a-z-]+/report.html'", index)) == 33
    for link in re.findall(r"href='([^'#]+)'", index):  # every file linked exists (in-page anchors aside)
        assert (out / link).exists(), link
    assert "SYNTHETIC SAMPLE DATA" in index


def test_summary_has_one_latest_headline_row_per_indicator(published):
    out, _ = published
    summary = pd.read_parquet(out / "areas" / "southwark" / "summary.parquet")
    data = pd.read_parquet(out / "areas" / "southwark" / "indicator_values.parquet")
    catalogue = load_catalogue()
    served = set(data["indicator_id"])
    assert set(summary["indicator_id"]) == {i for i in catalogue.ids if i in served}
    for row in summary.itertuples():
        rows = data[(data["indicator_id"] == row.indicator_id) & (data["category"] == "") & (data["sex"] == row.sex)
                    & (data["age"] == row.age)]  # fmt: skip
        latest = rows.sort_values("period_sortable").iloc[-1]
        assert latest["period"] == row.period
        assert (pd.isna(latest["value"]) and pd.isna(row.value)) or latest["value"] == row.value
    assert (summary.loc[summary["indicator_id"] == 90813, "age"] == "10-24 yrs").all()


def test_ranks_follow_polarity_and_cover_the_boroughs(published):
    out, _ = published
    frames = [pd.read_parquet(out / "areas" / s / "summary.parquet").assign(slug=s) for s in SLUGS]
    all_rows = pd.concat(frames, ignore_index=True)
    suicide = all_rows[(all_rows["indicator_id"] == 41001) & all_rows["value"].notna()]  # RAG - Low is good
    best = suicide.sort_values("value").iloc[0]
    assert best["rank"] == 1 and best["region_quintile"] == 1
    assert suicide["rank"].max() <= suicide["ranked_areas"].iloc[0] == len(suicide)
    depression = all_rows[all_rows["indicator_id"] == 848]  # Not applicable: no rank
    assert depression["rank"].isna().all() and depression["region_quintile"].notna().any()


def test_missing_comparisons_are_computed_and_marked(published):
    out, _ = published
    summary = pd.read_parquet(out / "areas" / "southwark" / "summary.parquet")
    computed = summary[summary["indicator_id"].isin([93014, 91280])]
    assert (computed["comparison_source"].str.startswith("computed")).all()
    assert computed["compared_to_england"].isin(["Better", "Similar", "Worse"]).all()
    assert (summary.loc[~summary["indicator_id"].isin([93014, 91280]), "comparison_source"] == "fingertips").all()


def test_compare_ci_and_standard_age():
    assert compare_ci(10.0, 9.0, 11.0, 12.0, "RAG - Low is good") == "Better"
    assert compare_ci(10.0, 9.0, 11.0, 10.5, "RAG - Low is good") == "Similar"
    assert compare_ci(10.0, 9.5, 11.0, 8.0, "RAG - High is good") == "Better"
    assert compare_ci(10.0, 9.5, 11.0, 8.0, "Not applicable") == "Higher"
    assert compare_ci(10.0, float("nan"), 11.0, 8.0, "RAG - Low is good") == "Not compared"
    assert standard_age(["10-14 yrs", "10-24 yrs", "15-19 yrs"], None) == "10-24 yrs"
    assert standard_age(["18+ yrs"], None) == "18+ yrs"


def test_workbook_read_back_equals_the_parquet(published):
    out, _ = published
    folder = out / "areas" / "lewisham"
    book = folder / "jsna_mental_wellbeing_lewisham.xlsx"
    data = pd.read_parquet(folder / "indicator_values.parquet")
    sheet = read_sheet(str(book), "Data")
    assert list(sheet.columns) == list(data.columns) and len(sheet) == len(data)
    for column in data.columns:
        if column == "retrieved_at":
            assert (sheet[column] == data[column].dt.strftime("%Y-%m-%d %H:%M:%S")).all()
        elif pd.api.types.is_numeric_dtype(data[column]):
            assert equal(sheet[column], data[column]), column
        else:
            assert (sheet[column].astype("string").fillna("") == data[column].astype("string")).all(), column
    summary = pd.read_parquet(folder / "summary.parquet")
    back = read_sheet(str(book), "Summary")
    for column in ("value", "lower_ci_95", "upper_ci_95", "region_value", "england_value", "rank"):
        assert equal(back[column], summary[column]), column


def test_workbook_layout_for_excel_users(published):
    out, _ = published
    book = openpyxl.load_workbook(out / "areas" / "southwark" / "jsna_mental_wellbeing_southwark.xlsx")
    assert book.sheetnames == ["Key findings", "Summary", "Inequalities", "Gradients", "Data", "Dictionary"]
    for sheet in book.worksheets:
        assert sheet["A2"].value.startswith("Source: synthetic sample data from the offline sample API")
        assert "retrieved" in sheet["A2"].value
        assert sheet["A3"].value == BANNER
        assert sheet.freeze_panes == f"A{HEADER_ROW + 1}"
        assert sheet.auto_filter.ref.startswith(f"A{HEADER_ROW}:")
    headers = [c.value for c in book["Data"][HEADER_ROW]]
    assert "Value (in the row's unit)" in headers and "Unit" in headers
    value_col = headers.index("Value (in the row's unit)") + 1
    england = headers.index("Compared with England") + 1
    cell = book["Data"].cell(row=HEADER_ROW + 1, column=england)
    if cell.value in COMPARISON_FILLS:  # coloured, and the word kept
        assert cell.fill.fgColor.rgb.endswith(COMPARISON_FILLS[cell.value].fgColor.rgb[-6:])
    first = book["Data"].cell(row=HEADER_ROW + 1, column=value_col)
    assert first.number_format in ("#,##0", "#,##0.0", "#,##0.00")  # the indicator's display precision


def test_report_is_offline_and_pairs_colour_with_text(published):
    out, _ = published
    page = (out / "areas" / "southwark" / "report.html").read_text()
    summary = pd.read_parquet(out / "areas" / "southwark" / "summary.parquet")
    assert "Southwark" in page and "SYNTHETIC SAMPLE DATA" in page
    assert page.count("class='summary-row'") == len(summary)
    assert not re.search(r"(src|href)=['\"]?(https?:)?//", page), "no external URL"
    assert "<svg" in page and page.count("class='chart spine'") == summary["domain"].nunique()
    for word in ("Better", "Similar", "Worse"):
        assert f'class="cmp {word}">{word}</span>' in page or f'class="cmp {word}"' not in page


@needs_chromium
def test_report_opens_in_headless_chromium(published):
    out, _ = published
    report = out / "areas" / "hackney" / "report.html"
    summary = pd.read_parquet(out / "areas" / "hackney" / "summary.parquet")
    dom = headless("--dump-dom", report.as_uri()).stdout
    assert "<h1>Hackney: mental health and wellbeing</h1>" in dom
    assert dom.count('class="summary-row"') == len(summary)


def test_a_name_that_looks_like_a_formula_stays_text_in_the_workbook(published, tmp_path):
    """An area or footprint named ``=HYPERLINK(...)`` is a title, never a formula."""
    import io
    import zipfile

    from jsna.pack.workbook import build_workbook

    out, _ = published
    summary = pd.read_parquet(out / "areas" / "southwark" / "summary.parquet")
    data = pd.read_parquet(out / "areas" / "southwark" / "indicator_values.parquet")
    dictionary = pd.read_csv(out / "data_dictionary_SYNTHETIC.csv", encoding="utf-8-sig", dtype=str).fillna("")
    name = '=HYPERLINK("http://127.0.0.1/x","click")'
    body = build_workbook(name, summary, data, dictionary, api_base_url="http://127.0.0.1/api", retrieved_at=None,
                          synthetic=True)  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(body)) as package:
        sheets = [package.read(n).decode() for n in package.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in xml for xml in sheets)
    book = openpyxl.load_workbook(io.BytesIO(body))
    titles = [book[s]["A1"] for s in book.sheetnames]
    assert [c.value for c in titles if c.data_type != "s"] == []
    assert sum(str(c.value).startswith(name) for c in titles) >= 3


def test_trend_charts_name_every_line_whole_and_tell_them_apart_by_colour_and_dash():
    from jsna.pack import svg

    periods = ["Mar 2019 - Feb 2020", "Mar 2020 - Feb 2021"]
    series = [
        ("Barking and Dagenham", [1.0, 2.0], "0", "#0072B2"),
        ("South East London ICB", [1.5, 2.5], "6,3", "#D55E00"),
        ("England", [1.2, 2.2], "2,3", "black"),
    ]
    chart = svg.trend_chart("Suicide rate", periods, series, unit="per 100,000")
    legend = " ".join(re.findall(r"font-size='10'>([^<]*)</text>", chart))
    for name, *_ in series:
        assert name in legend  # the whole name, wrapped over lines, never cut
    strokes = re.findall(r"<polyline [^>]*stroke='([^']+)'[^>]*stroke-dasharray='([^']+)'", chart)
    assert len(set(strokes)) == 3 and len({c for c, _ in strokes}) == 3 and len({d for _, d in strokes}) == 3
    height = int(re.search(r"height='(\d+)'", chart).group(1))
    plot_bottom = max(float(y) for y in re.findall(r"y2='([\d.]+)'", chart))
    # A 19-character label at 30 degrees, 12 px below the axis, about 5.5 px a character at size 10.
    assert height - plot_bottom >= 12 + 19 * 5.5 * 0.5 + 3


def test_spine_headings_say_lowest_and_highest_where_no_row_has_better_or_worse():
    from jsna.pack import svg

    row = {"label": "Depression prevalence", "comparison": "Higher", "value": 7.0, "england": 6.0, "region": 6.5,
           "min": 5.0, "q1": 6.0, "q3": 7.0, "max": 8.0, "decimals": 1, "unit": "%"}  # fmt: skip
    neutral = svg.spine_chart([{**row, "polarity": "BOB - Blue orange blue"}])
    assert ">Lowest<" in neutral and ">Highest<" in neutral and ">Worst<" not in neutral
    polar = svg.spine_chart([{**row, "polarity": "RAG - Low is good", "comparison": "Worse"}])
    assert ">Worst<" in polar and ">Best<" in polar


def test_a_spine_row_with_no_range_draws_no_circle_at_an_end_and_says_why():
    from jsna.pack import svg

    row = {"label": "Low happiness", "comparison": "Worse", "value": 9.5, "england": 8.5, "region": None,
           "polarity": "RAG - Low is good", "decimals": 1, "unit": "%"}  # fmt: skip
    chart = svg.spine_chart([row], no_range="no range for footprints")
    assert "<circle" not in chart and ">no range for footprints<" in chart
    assert ">Worst<" not in chart and ">Best<" not in chart  # no row has a range: no ends to name
    assert ">%<" in chart and ">9.5<" in chart and ">8.5<" in chart  # the unit stands beside the numbers
    ranged = svg.spine_chart([row, {**row, "min": 5.0, "q1": 7.0, "q3": 9.0, "max": 11.0}])
    assert ranged.count("<circle") == 1 and ranged.count(">no range<") == 1 and ">Worst<" in ranged


def test_a_report_leaves_out_the_columns_no_row_fills():
    from jsna.pack.report import summary_columns

    filled = {"period": "2023", "sex_age": "Persons, All ages", "value": "5.0%", "ci": "4.0 – 6.0", "count": "12",
              "region_value": "4.0%", "england_value": "3.0%", "vs_england": "Worse", "vs_region": "Worse",
              "trend": "Increasing and getting worse", "rank": "3 of 32", "quintile": "2"}  # fmt: skip
    empty = {**filled, "region_value": "", "vs_region": "Not compared", "trend": "", "rank": "n/a", "quintile": ""}
    assert [k for k, _ in summary_columns([filled], "London")] == list(filled)
    kept = [k for k, _ in summary_columns([empty, empty], "ICBs")]
    assert kept == ["period", "sex_age", "value", "ci", "count", "england_value", "vs_england"]
    assert "trend" in [k for k, _ in summary_columns([empty, filled], "ICBs")]  # one row filling it keeps it


def test_a_score_stands_alone_and_other_units_follow_the_number():
    from jsna.pack import display

    assert display.with_unit("34.30", "score") == "34.30"
    assert display.with_unit("5.5", "%") == "5.5%"
    assert display.with_unit("512.0", "per 100,000") == "512.0 per 100,000"


def test_the_headline_says_no_trend_is_given_rather_than_none_getting_worse():
    from jsna.pack.findings import key_findings

    summary = pd.DataFrame(
        {
            "indicator_id": [1, 2],
            "sex": "Persons",
            "age": "All ages",
            "label": ["A", "B"],
            "finding": "",
            "compared_to_england": ["Worse", "Better"],
            "value": [2.0, 1.0],
            "england_value": [1.0, 2.0],
            "recent_trend": ["", ""],
        }  # fmt: skip
    )
    assert "no recent trend is given" in key_findings("Footprint", summary).headline()
    summary.loc[0, "recent_trend"] = "No significant change"
    assert "0 are getting worse" in key_findings("Council", summary).headline()


@needs_libreoffice
def test_the_workbook_prints_whole_and_the_summary_in_a_few_pages(published, tmp_path):
    """Printed as a person prints it: LibreOffice turns Southwark's workbook into a PDF."""
    out, _ = published
    folder = out / "areas" / "southwark"
    printed = pages(to_pdf(folder / "jsna_mental_wellbeing_southwark.xlsx", tmp_path))
    by_sheet: dict[str, list[str]] = {}
    for page in printed:
        words = text(page)
        heading = words[:130]  # the page header: the sheet's title
        sheets = ("key findings", "summary", "who is worse off", "gradients", "all values", "Data dictionary")
        sheet = next((s for s in sheets if s in heading), "?")
        by_sheet.setdefault(sheet, []).append(words)
        assert len(page) > 30, f"a page with almost nothing on it: {words[:200]}"
        assert overlapping(page) == [], f"words printed over each other on a page of {sheet}"
    assert "?" not in by_sheet and 1 <= len(by_sheet["summary"]) <= 4 and len(by_sheet["key findings"]) <= 4
    assert all("Printed: the first 14 of the sheet's" in words for words in by_sheet["summary"])
    summary = " ".join(" ".join(by_sheet["summary"]).split())
    findings = " ".join(" ".join(by_sheet["key findings"]).split())
    for sentence in pd.read_parquet(folder / "summary.parquet")["finding"]:
        sentence = " ".join(sentence.split())
        assert sentence in summary and sentence in findings, sentence


def test_a_wrapped_sentence_gets_the_height_of_its_lines():
    from jsna.pack.workbook import LINE_HEIGHT, column_layout, row_heights

    frame = pd.DataFrame({"section": ["Summary", "Worse"], "finding": ["word " * 40, "short"]})
    widths, wrapped = column_layout(frame)
    assert wrapped == {"section", "finding"} and widths[1] == 50
    heights = row_heights(frame, widths, wrapped)
    assert heights[1] is None and heights[0] == LINE_HEIGHT * 4  # 40 four-letter words, 10 in a line of 49
