"""The JSNA chapter as an editable Word document: a draft an analyst finishes.

Councils publish their mental wellbeing JSNA chapters as Word or PDF documents with
narrative, charts and tables. This drafts one per area from what its report shows, so no
figure is copied by hand: the same sentences (``jsna.pack.findings``,
``jsna.pack.inequality_findings``), the same tables at display precision
(``report.summary_rows``) and the same charts (the report's SVG drawn as PNG,
``jsna.pack.chart_images``). It is made to be edited: Word's own Title and Heading 1-3
styles (a council template restyles them and its table of contents lists them), real
tables with their header row marked to repeat, pictures with alt text.
"""

from __future__ import annotations

import copy
import functools
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd

from jsna.grouping import records
from jsna.pack import chart_images, display
from jsna.pack.findings import TOP_RULE, key_findings
from jsna.pack.inequality_findings import Labels
from jsna.pack.packaging import with_fixed_times
from jsna.pack.report import BANNER, ReportPack, domains, findings_of, source_name, summary_columns
from schemas.summary import COMPUTED

# The report's columns that fit a portrait page, in its order.
TABLE_COLUMNS = ("label", "period", "value", "ci", "region_value", "england_value", "vs_england", "vs_region",
                 "trend")  # fmt: skip
METHODS = (
    "Every figure is as OHID Fingertips publishes it; this document shows each value at the indicator's display "
    "precision (the rounding its metadata states), and the data files beside it keep every digit.",
    "Comparisons with England and with the region are Fingertips' own where it serves them (its benchmarking "
    "method for each indicator). Where it serves none, the comparison is computed here from the 95% confidence "
    "intervals: significantly different when the intervals do not overlap. Such comparisons are marked "
    '"computed from the 95% confidence interval".',
    "Better and worse follow each indicator's polarity; where it has none (e.g. a prevalence), a difference is "
    "said to be higher or lower, never better or worse. The recent trend is Fingertips' own.",
    "Inequalities compare each group with its reference group (the other sex, the headline age, the least "
    "deprived group, or the area's own value) by the same interval rule. The slope index of inequality (SII) is "
    "the least deprived end minus the most deprived end of the fitted gradient, with a 95% interval simulated "
    "from each group's interval.",
)


# A chapter costs about twenty reports (its charts drawn as pictures, python-docx's XML):
# what the worker pool is sized by, so that a region's chapters use both cores where its
# reports alone would not pay for starting the pool.
WEIGHT = 20


@dataclass(frozen=True)
class ChapterPack:
    """One area's chapter: its report's content (``report``), the data dictionary's
    indicator rows (definitions, sources, polarity), each indicator's caveats from its
    metadata, and where the data came from."""

    report: ReportPack
    dictionary: pd.DataFrame
    api_base_url: str
    caveats: dict[int, str] = field(default_factory=dict)


def area_chapter(pack: ChapterPack) -> bytes:
    """The chapter as .docx bytes; the same data give the same bytes (fixed times)."""
    doc = copy.deepcopy(_blank())
    report = pack.report
    region = report.region_name.removesuffix(" region")
    _page_setup(doc, report)
    _title_page(doc, pack)
    found = key_findings(report.name, report.summary)
    _summary(doc, findings_of(found))
    for domain, frame in zip(domains(report, region), _domain_frames(report.summary), strict=True):
        _domain(doc, domain, frame, report, region)
    if report.inequalities is not None:
        _inequalities(doc, report.inequalities.section(report.area_code, report.name, Labels(report.labels)))
    _methods(doc, pack)
    _caveats(doc, pack)
    props = doc.core_properties
    props.title = f"{report.name}: mental health and wellbeing JSNA chapter (draft)"
    props.author = props.last_modified_by = "jsna-mental-wellbeing"
    props.created = props.modified = props.last_printed = datetime(2000, 1, 1)
    props.revision = 1
    return with_fixed_times(_saved(doc))


@functools.cache
def _blank() -> Any:  # noqa: ANN401 - a python-docx Document
    """python-docx's blank document, read once a process: a copy of it costs 7 ms, reading
    its template again 16 ms a chapter."""
    from docx import Document  # imported where a chapter is drawn: start-up stays fast

    return Document()


def _saved(doc: Any) -> bytes:
    """The document's zip with its parts stored, not deflated: ``with_fixed_times`` deflates
    every part again anyway, and python-docx's own deflate (level 6, over about 1.4 MB of
    styles and charts) made saving a chapter 60 to 68 ms instead of 38 to 40. The published
    bytes are the same: they are ``with_fixed_times``' whatever the parts were stored as.
    (python-docx names the method of its zip writer as a module global; were it to stop, the
    parts would be deflated twice again, the bytes unchanged.)"""
    import zipfile

    from docx.opc import phys_pkg

    buffer = io.BytesIO()
    deflated = getattr(phys_pkg, "ZIP_DEFLATED", zipfile.ZIP_DEFLATED)
    phys_pkg.ZIP_DEFLATED = zipfile.ZIP_STORED
    try:
        doc.save(buffer)
    finally:
        phys_pkg.ZIP_DEFLATED = deflated
    return buffer.getvalue()


def _styled(doc: Any, text: str, style_id: str) -> Any:
    """A paragraph in one of the template's styles, named by its id: python-docx's lookup
    by name costs about 1 ms a paragraph, a tenth of a chapter."""
    paragraph = doc.add_paragraph(text)
    paragraph._p.style = style_id  # noqa: SLF001 - the pStyle of the paragraph
    return paragraph


def _heading(doc: Any, text: str, level: int) -> Any:
    """A heading in Word's own style (Title, Heading 1-3), which a council template restyles."""
    return _styled(doc, text, "Title" if level == 0 else f"Heading{level}")


def _domain_frames(summary: pd.DataFrame) -> list[pd.DataFrame]:
    """The summary's rows per domain, in the order the report gives the domains."""
    return [rows for _, rows in summary.groupby("domain", sort=False)]


def _page_setup(doc: Any, report: ReportPack) -> None:
    """A4 with 2 cm margins; the page header names the area and the source, and says
    SYNTHETIC on every page where the data are."""
    from docx.shared import Cm, Pt

    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = section.top_margin = section.bottom_margin = Cm(2)
    doc.styles["Normal"].font.name = "Arial"  # as the charts; a council template restyles it
    doc.styles["Normal"].font.size = Pt(10.5)
    header = section.header.paragraphs[0]
    header.text = f"{report.name}: mental health and wellbeing JSNA (draft). Source: {source_name(report.synthetic)}"
    if report.synthetic:
        _banner(section.header.add_paragraph())


def _banner(paragraph: Any) -> None:
    from docx.shared import RGBColor

    run = paragraph.add_run(BANNER)
    run.bold = True
    run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)


def _title_page(doc: Any, pack: ChapterPack) -> None:
    from docx.enum.text import WD_BREAK

    report = pack.report
    _heading(doc, f"{report.name}: mental health and wellbeing", 0)
    doc.add_paragraph("Joint Strategic Needs Assessment chapter. Draft for the analyst to edit and complete.")
    if report.synthetic:
        _banner(doc.add_paragraph())
    periods = sorted({str(p) for p in report.summary["period"].dropna()}, key=len)
    facts = [
        ("Area", report.name),
        ("Data", f"{source_name(report.synthetic)}, API {pack.api_base_url}"),
        ("Retrieved", str(report.retrieved_at or "")),
        ("Indicators", f"{len(report.summary)} ({len(periods)} distinct periods, latest published for each)"),
    ]
    for label, text in facts:
        paragraph = doc.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(text)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _summary(doc: Any, findings: dict[str, Any]) -> None:
    """The headline, the few findings that matter most, then every finding once (the
    report's first screen, unfolded)."""
    _heading(doc, "Summary", 1)
    doc.add_paragraph(findings["headline"])
    if findings["top"]:
        _heading(doc, "What matters most", 2)
        doc.add_paragraph(f"Chosen by rule: {TOP_RULE}.")
        for _, sentence in findings["top"]:
            _styled(doc, sentence, "ListBullet")


def _domain(doc: Any, domain: dict[str, Any], frame: pd.DataFrame, report: ReportPack, region: str) -> None:
    """A domain's section: its narrative, its spine chart, its trend charts, its table."""
    _heading(doc, str(domain["name"]), 1)
    found = key_findings(report.name, frame)
    doc.add_paragraph(found.headline())
    versus = _versus_region(frame, region)
    if versus:
        doc.add_paragraph(versus)
    for title, sentences in found.each_once_sentences():
        if not sentences:
            continue
        _heading(doc, title, 3)
        for sentence in sentences:
            _styled(doc, sentence, "ListBullet")
    _picture(doc, str(domain["spine"]))
    for chart in domain["trends"]:
        _picture(doc, str(chart), width_cm=11)
    columns = [c for c in summary_columns(domain["rows"], region) if c[0] in TABLE_COLUMNS]
    _table(doc, [("label", "Indicator"), *columns], domain["rows"])


def _versus_region(frame: pd.DataFrame, region: str) -> str:
    """How many of the domain's indicators differ significantly from the region ("" where
    none is compared with it: an ICB's or a footprint's)."""
    compared = frame["compared_to_region"].fillna("")
    worse, better = int((compared == "Worse").sum()), int((compared == "Better").sum())
    if not compared.isin(["Worse", "Better", "Similar", "Higher", "Lower"]).any():
        return ""
    return (
        f"Compared with {region}: significantly worse on {worse} and significantly better on {better} of these "
        f"{len(frame)} indicators."
    )


def _picture(doc: Any, svg: str, width_cm: float = 17) -> None:
    """A chart as a picture (``width_cm`` wide: a spine chart the width of the text), its
    alt text the chart's title and description."""
    from docx.shared import Cm

    title, desc = chart_images.alt_text(svg)
    doc.add_picture(io.BytesIO(chart_images.png(svg)), width=Cm(width_cm))
    properties = doc.inline_shapes[-1]._inline.docPr  # noqa: SLF001 - python-docx has no alt-text API
    properties.set("title", title)
    properties.set("descr", desc or title)
    _styled(doc, title, "Caption")


def _table(doc: Any, columns: list[tuple[str, str]], rows: list[dict[str, str]]) -> None:
    """A real Word table, its header row marked to repeat on each page, its columns as wide
    as their longest words (``_widths``). Its rows are
    written as WordprocessingML text (``_row_xml``): python-docx's cell API cost half of a
    chapter."""
    from docx.oxml import parse_xml
    from docx.shared import Cm

    table = doc.add_table(rows=0, cols=len(columns))
    table._tbl.tblStyle_val = "TableGrid"  # noqa: SLF001 - "Table Grid" by its id: python-docx's lookup by name costs 2 ms
    table.autofit = False
    widths = [Cm(cm) for cm in _widths(columns, rows)]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    twips = [int(w.twips) for w in widths]
    table._tbl.append(parse_xml(_row_xml([h for _, h in columns], twips, header=True)))  # noqa: SLF001
    for row in rows:
        cells = [str(row.get(key) or "") for key, _ in columns]
        table._tbl.append(parse_xml(_row_xml(cells, twips)))  # noqa: SLF001


TEXT_WIDTH_CM = 17.0  # A4 less 2 cm margins


def _widths(columns: list[tuple[str, str]], rows: list[dict[str, str]]) -> list[float]:
    """Each column's width in cm: the first (an indicator's name, wrapping) about a quarter
    of the page, the others by their longest word, so that no word is broken."""
    longest = [
        max(5, *(len(word) for text in [heading, *(str(r.get(key) or "") for r in rows)] for word in text.split()))
        for key, heading in columns[1:]
    ]
    first = min(4.5, TEXT_WIDTH_CM / len(columns) * 2) if len(columns) > 1 else TEXT_WIDTH_CM
    return [first, *((TEXT_WIDTH_CM - first) * n / sum(longest) for n in longest)]


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters XML 1.0 cannot hold


def _row_xml(cells: list[str], twips: list[int], header: bool = False) -> str:
    """One table row: 8 pt text, bold in the header row, which repeats on each page."""
    bold = "<w:b/>" if header else ""
    head = "<w:trPr><w:tblHeader/></w:trPr>" if header else ""
    body = "".join(
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p><w:r><w:rPr>{bold}<w:sz w:val="16"/>'
        f'</w:rPr><w:t xml:space="preserve">{escape(_NOT_XML.sub("", text))}</w:t></w:r></w:p></w:tc>'
        for text, width in zip(cells, twips, strict=True)
    )
    return f'<w:tr xmlns:w="{_W}">{head}{body}</w:tr>'


def _inequalities(doc: Any, section: dict[str, Any]) -> None:
    _heading(doc, "Inequalities: who is worse off", 1)
    if not section["findings"]:
        doc.add_paragraph("No breakdown by sex, age, deprivation or ethnic group is served for this area.")
    for sentence in section["findings"]:
        _styled(doc, sentence, "ListBullet")
    if section["gradients"]:
        _heading(doc, "The gap across deprivation and neighbourhoods", 2)
        keys = list(section["gradients"][0])
        _table(doc, [(k, k.replace("_", " ").capitalize()) for k in keys], section["gradients"])


def _methods(doc: Any, pack: ChapterPack) -> None:
    """How the figures were made, then each indicator's definition, source and period."""
    _heading(doc, "Data and methods", 1)
    report = pack.report
    doc.add_paragraph(
        f"Data retrieved {report.retrieved_at or 'at an unknown time'} from {source_name(report.synthetic)} "
        f"through its API ({pack.api_base_url})."
    )
    for text in METHODS:
        doc.add_paragraph(text)
    computed = int((report.summary["comparison_source"] == COMPUTED).sum())
    if computed:
        doc.add_paragraph(f"{computed} of the comparisons with England in this chapter are computed here.")
    _heading(doc, "Indicators", 2)
    _table(doc, _INDICATOR_COLUMNS, _indicator_rows(pack))


_INDICATOR_COLUMNS = [("label", "Indicator"), ("definition", "Definition"), ("period", "Period"),
                      ("polarity", "Polarity"), ("source", "Data source"), ("uploaded", "Last uploaded")]  # fmt: skip


_ENTRY = ("name", "label", "description", "polarity", "data_source", "last_uploaded_at")  # what a row shows


def _indicator_rows(pack: ChapterPack) -> list[dict[str, str]]:
    """The dictionary's row of each indicator the chapter shows, in the chapter's order."""
    summary = pack.report.summary
    # Each indicator's periods in the order shown, each once (read as lists: a pandas group
    # per indicator cost half of this).
    periods: dict[int, dict[str, None]] = {}
    for iid, period in zip(summary["indicator_id"].astype(int).tolist(), summary["period"].tolist(), strict=True):
        periods.setdefault(iid, {})
        if not display.missing(period):
            periods[iid][str(period)] = None
    dictionary = pack.dictionary
    entries = records(dictionary[dictionary["section"] == "indicator"], [c for c in _ENTRY if c in dictionary.columns])
    by_id = {int(r["name"]): r for r in entries if str(r["name"]).isdigit()}
    rows = []
    for iid, shown in periods.items():
        entry = by_id.get(iid, {})
        rows.append(
            {
                "label": str(entry.get("label") or iid),
                "definition": _text(entry.get("description")),
                "period": ", ".join(shown),
                "polarity": _text(entry.get("polarity")),
                "source": _text(entry.get("data_source")),
                "uploaded": _text(entry.get("last_uploaded_at"))[:10],
            }
        )
    return rows


def _text(value: object) -> str:
    return "" if display.missing(value) else str(value)


def _caveats(doc: Any, pack: ChapterPack) -> None:
    """Each indicator's caveats as its metadata state them."""
    _heading(doc, "Caveats", 1)
    labels = dict(zip(pack.report.summary["indicator_id"].astype(int), pack.report.summary["label"], strict=False))
    stated = [(labels[i], text) for i, text in pack.caveats.items() if i in labels and text.strip()]
    if not stated:
        doc.add_paragraph("The indicators' metadata state no caveats.")
    for label, text in stated:
        paragraph = _styled(doc, "", "ListBullet")
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(text.strip())
