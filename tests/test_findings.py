"""The pack reads like a JSNA chapter: display precision over exact values, key findings
that say only what the data supports, and a report that renders and prints in a browser."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import openpyxl
import pandas as pd
import pytest

from jsna import layout
from jsna.pack import display
from jsna.pack.findings import anchor, finding, key_findings
from jsna.pack.workbook import HEADER_ROW, header
from tests.browser import headless, needs_chromium

NUMBER = re.compile(r"-?\d[\d,]*(?:\.(\d+))?")


@pytest.mark.parametrize(
    ("text", "decimals"),
    [
        ("Values are rounded to 1 decimal place.", 1),
        ("Rounded to 2 d.p.", 2),
        ("Two decimal places", 2),
        ("Whole numbers", 0),
        ("Figures rounded to the nearest integer", 0),
        ("", 1),
        ("See methodology", 1),
    ],
)
def test_display_precision_from_fingertips_rounding(text, decimals):
    assert display.decimals_from_rounding(text) == decimals


def test_display_never_changes_what_is_stored():
    assert display.number(3.5337407744200307, 1) == "3.5"
    assert display.number(1234567.891, 0) == "1,234,568"
    assert display.whole(1671.0) == "1,671" and display.whole(float("nan")) == ""
    assert display.with_unit("3.5", "%") == "3.5%" and display.with_unit("512.0", "per 100,000") == "512.0 per 100,000"
    assert display.excel_format(0) == "#,##0" and display.excel_format(2) == "#,##0.00"


def row(**given: object) -> pd.Series:
    base = {
        "indicator_id": 1, "label": "Suicide rate", "period": "2021 - 23", "sex": "Persons", "age": "10+ yrs",
        "value": 10.04, "england_value": 10.36, "unit": "per 100,000", "display_decimals": 1,
        "compared_to_england": "Similar", "comparison_source": "fingertips", "recent_trend": "", "value_note": "",
    }  # fmt: skip
    return pd.Series({**base, **given})


def test_findings_say_only_what_the_data_supports():
    similar = finding(row())
    assert "similar to England" in similar and "worse" not in similar and "10.0 per 100,000" in similar
    assert "significantly worse than England (10.4 per 100,000)" in finding(row(compared_to_england="Worse"))
    computed = finding(row(compared_to_england="Better", comparison_source="computed (95% CI vs comparator)"))
    assert "computed from the 95% confidence interval" in computed
    assert "not compared with England" in finding(row(compared_to_england="Not compared"))
    assert "no better or worse" in finding(row(compared_to_england="Higher"))
    suppressed = finding(row(value=float("nan"), value_note="Value suppressed"))
    assert "no value published: Value suppressed" in suppressed
    worsening = finding(row(recent_trend="Increasing and getting worse"))
    assert worsening.endswith("recent trend: increasing and getting worse.")


def _summary(*rows: tuple[str, float, str]) -> pd.DataFrame:
    """A summary of indicators 1, 2 ... each (comparison with England, value against an
    England value of 10, recent trend), with its finding."""
    frame = pd.DataFrame(
        [row(indicator_id=n, compared_to_england=c, value=v, england_value=10.0, recent_trend=t)
         for n, (c, v, t) in enumerate(rows, start=1)]
    )  # fmt: skip
    return frame.assign(finding=[finding(r) for _, r in frame.iterrows()])


def test_the_findings_that_matter_most_follow_the_stated_rule():
    worsening, steady = "Increasing and getting worse", "No significant change"
    summary = _summary(
        ("Worse", 11.0, worsening),  # 1: worse, getting worse, gap 10%
        ("Worse", 19.0, steady),  # 2: worse only, gap 90%
        ("Worse", 15.0, worsening),  # 3: worse, getting worse, gap 50%
        ("Similar", 30.0, worsening),  # 4: getting worse only, gap 200%
        ("Better", 2.0, steady),  # 5: better: never among them
        ("Worse", 12.0, steady),  # 6: worse only, gap 20%
        ("Similar", 10.5, worsening),  # 7: getting worse only, gap 5%: the sixth, left out
    )
    found = key_findings("Area", summary)
    assert found.top["indicator_id"].tolist() == [3, 1, 2, 6, 4]
    # Every finding once in the folded lists, each in the first list it belongs to.
    lists = found.each_once()
    listed = [i for _, rows in lists for i in rows["indicator_id"]]
    assert sorted(listed) == list(range(1, 8))
    assert dict((t, r["indicator_id"].tolist()) for t, r in lists)["Significantly worse than England"] == [1, 2, 3, 6]


def test_summary_carries_the_finding_and_the_precision(published):
    out, _ = published
    summary = pd.read_parquet(out / layout.area("southwark").summary())
    assert summary["finding"].str.len().gt(0).all()
    assert set(summary["display_decimals"]) <= {0, 1, 2}
    dictionary = pd.read_csv(
        out / layout.dictionary("csv", synthetic=True), dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    scores = dictionary[(dictionary["section"] == "indicator") & (dictionary["unit"] == "score")]
    assert len(scores) and (scores["display_decimals"] == "2").all()  # "Rounded to 2 d.p." in the metadata


class _Text(HTMLParser):
    """Text per element id and class, as a browser shows it."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[dict[str, str]] = []
        self.rows: dict[str, list[str]] = {}
        self.findings: list[tuple[str, str]] = []  # (link target, text)
        self.section: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.stack.append({"tag": tag, **{k: v or "" for k, v in attrs}})
        if tag == "tr" and "summary-row" in self.stack[-1].get("class", ""):
            self.rows[self.stack[-1]["id"]] = []
        if tag == "a" and self._inside("findings"):
            self.findings.append((self.stack[-1]["href"], ""))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()["tag"] != tag:
            pass

    def _inside(self, cls: str) -> bool:
        return any(cls in e.get("class", "").split() for e in self.stack)

    def handle_data(self, data: str) -> None:
        row = next((e["id"] for e in reversed(self.stack) if "summary-row" in e.get("class", "")), None)
        if row is not None:
            self.rows[row].append(data)
        if self.stack and self.stack[-1]["tag"] == "a" and self._inside("findings"):
            href, text = self.findings[-1]
            self.findings[-1] = (href, text + data)


@needs_chromium
def test_report_in_chromium_shows_display_precision_and_true_findings(published, tmp_path):
    out, _ = published
    files = layout.area("southwark")
    summary = pd.read_parquet(out / files.summary())
    done = headless("--dump-dom", (out / files.report).as_uri())
    page = _Text()
    page.feed(done.stdout)
    assert len(page.rows) == len(summary)
    for item in summary.itertuples():
        cells = page.rows[anchor(item.indicator_id, item.sex)]
        # Value, CI, London and England columns: no more decimals than the indicator's precision.
        numbers = [m for cell in cells[3:9] for m in NUMBER.finditer(cell)]
        assert numbers, item.label
        for m in numbers:
            assert len(m.group(1) or "") <= item.display_decimals, (item.label, m.group(0))
    # The "worse" list is exactly the summary's Worse rows, each linking to its row.
    found = key_findings("Southwark", summary)
    worse_links = {href for href, text in page.findings if "significantly worse than England" in text}
    assert worse_links == {f"#{anchor(r.indicator_id, r.sex)}" for r in found.worse.itertuples()}
    for href, text in page.findings:
        target = href.lstrip("#")
        assert target in page.rows, href
        if "similar to England" in text:
            assert "worse" not in text.split(";")[0]
    assert "synthetic sample data" in done.stdout and "from OHID Fingertips" not in done.stdout
    # The first screen: the few findings that matter most, then the folded lists, each finding once.
    top = done.stdout[done.stdout.index('<ol class="top">') : done.stdout.index("</ol>")]
    assert [f"#{anchor(r.indicator_id, r.sex)}" for r in found.top.itertuples()] == re.findall(r'href="([^"]+)"', top)
    assert done.stdout.count("<details>") == sum(1 for _, rows in found.each_once() if len(rows))
    assert len(page.findings) == len(found.top) + len(summary)

    pdf = tmp_path / "report.pdf"
    printed = headless("--no-pdf-header-footer", f"--print-to-pdf={pdf}", (out / files.report).as_uri())
    assert pdf.exists(), printed.stderr[-500:]
    body = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", body))
    domains = summary["domain"].nunique()
    # Findings, 7 domains of charts and tables: several A4 pages, never one per row or a single page.
    assert 2 <= pages <= 4 * domains + 4, pages
    box = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)", body)
    assert box and abs(float(box.group(1)) - 595.3) < 2 and abs(float(box.group(2)) - 841.9) < 2  # A4


def test_workbook_shows_display_precision_over_exact_values(published):
    out, _ = published
    files = layout.area("lewisham")
    book = openpyxl.load_workbook(out / files.workbook)
    assert book.sheetnames[0] == "Key findings"
    summary = pd.read_parquet(out / files.summary())
    sheet = book["Summary"]
    headers = [c.value for c in sheet[HEADER_ROW]]
    column = headers.index(header("value")) + 1
    for n, item in enumerate(summary.itertuples(), start=HEADER_ROW + 1):
        cell = sheet.cell(row=n, column=column)
        if pd.isna(item.value):
            assert cell.value is None
            continue
        assert cell.value == item.value  # the exact value, every digit
        assert cell.number_format == display.excel_format(item.display_decimals)
    findings = [c.value for c in book["Key findings"]["B"][HEADER_ROW:]]
    assert findings[0].startswith("Lewisham is significantly worse than England on")
    assert set(summary["finding"]) <= set(findings)
    assert book["Summary"]["A2"].value.startswith("Source: synthetic sample data")


def test_every_workbook_sheet_prints_one_page_wide_with_its_header_on_every_page(published):
    """As a person prints it: A4, landscape where wide, one page wide and as many down as it
    needs, the header row repeated, the title in the page header, sentences wrapped."""
    out, _ = published
    book = openpyxl.load_workbook(out / layout.area("southwark").workbook)
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert str(setup.paperSize) == sheet.PAPERSIZE_A4, sheet.title
        assert (setup.fitToWidth, setup.fitToHeight, sheet.sheet_properties.pageSetUpPr.fitToPage) == (1, 0, True)
        assert setup.orientation == ("landscape" if sheet.max_column > 4 else "portrait"), sheet.title
        assert sheet.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
        assert sheet.oddHeader.center.text.startswith(("Southwark: mental health", "Data dictionary"))
        assert sheet.oddFooter.right.text == "Page &P of &N"
    findings = book["Key findings"]
    sentences = [c for c in findings["B"][HEADER_ROW:] if c.value]
    assert sentences and all(c.alignment.wrap_text for c in sentences)
