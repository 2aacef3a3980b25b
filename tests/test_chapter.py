"""The draft JSNA chapter (Word), read as an analyst opens it: python-docx reads it back
(headings in Word's own styles, real tables with their header rows marked, pictures with
alt text, every number as the summary gives it at display precision, the report's
sentences), LibreOffice prints it, and rebuilt from the published tables it is the
published file byte for byte."""

from __future__ import annotations

import dataclasses
import html
import io
import re
import zipfile

import docx
import pandas as pd
from docx.opc import phys_pkg
from docx.oxml.ns import qn

from jsna import layout
from jsna.pack import chart_images, display
from jsna.pack.chapter import ChapterPack, _saved, area_chapter
from jsna.pack.findings import key_findings
from jsna.pack.packaging import with_fixed_times
from jsna.pack.report import BANNER
from tests.printing import needs_libreoffice_writer, pages, to_pdf
from tests.test_pack_bytes import report_pack_of

SLUG = "southwark"


def _chapter(out, slug: str = SLUG) -> docx.document.Document:
    return docx.Document(str(out / layout.area(slug).chapter))


def _text(document) -> str:
    return "\n".join(p.text for p in document.paragraphs)


def test_every_council_folder_has_its_chapter_linked_from_its_report_and_the_index(published):
    out, _ = published
    folders = sorted(p.name for p in (out / layout.AREAS_DIR).iterdir())
    assert len(folders) == 33
    index = (out / "index.html").read_text()
    for slug in folders:
        files = layout.area(slug)
        assert (out / files.chapter).stat().st_size > 0, slug
        assert f"href='{files.chapter}'" in index  # findable from the index and from the report
        assert f"href='jsna_chapter_{slug}.docx'>JSNA chapter (Word)</a>" in (out / files.report).read_text()


def test_the_chapter_uses_words_own_heading_styles_in_the_chapters_order(published):
    out, _ = published
    summary = pd.read_parquet(out / layout.area(SLUG, synthetic=True).summary("parquet"))
    styled = [(p.style.name, p.text) for p in _chapter(out).paragraphs]
    headings = [(style, text) for style, text in styled if style.startswith(("Heading", "Title"))]
    assert headings[0] == ("Title", "Southwark: mental health and wellbeing")
    level_one = [text for style, text in headings if style == "Heading 1"]
    domains = list(dict.fromkeys(summary["domain"]))
    assert level_one == ["Summary", *domains, "Inequalities: who is worse off", "Data and methods", "Caveats"]
    assert {style for style, _ in headings} <= {"Title", "Heading 1", "Heading 2", "Heading 3"}


def test_the_chapter_says_what_the_report_says(published):
    """The headline, the top findings and every domain's findings are the report's
    sentences, and the synthetic banner is on the title page and in every page header."""
    out, _ = published
    document = _chapter(out)
    text = _text(document)
    summary = pd.read_parquet(out / layout.area(SLUG, synthetic=True).summary("parquet"))
    found = key_findings("Southwark", summary)
    report = html.unescape((out / layout.area(SLUG).report).read_text())
    assert found.headline() in text and found.headline() in report
    for sentence in [*found.top["finding"], *summary["finding"]]:
        assert sentence in text and sentence in report
    assert BANNER in text
    assert BANNER in "\n".join(p.text for p in document.sections[0].header.paragraphs)
    for sentence in re.findall(r"<li>([^<]*(?:SII|significantly)[^<]*)</li>", report):
        if "Inequalities" in report[: report.find(sentence)].rsplit("<h2", 1)[-1]:
            assert sentence in text


def test_each_domain_table_holds_the_summarys_values_at_display_precision(published):
    out, _ = published
    summary = pd.read_parquet(out / layout.area(SLUG, synthetic=True).summary("parquet"))
    document = _chapter(out)
    domain_tables = [t for t in document.tables if "vs England" in [c.text for c in t.rows[0].cells]]
    rows = [[c.text for c in row.cells] for table in domain_tables for row in table.rows[1:]]
    assert len(rows) == len(summary)
    for row, (_, expected) in zip(rows, summary.iterrows(), strict=True):
        shown = display.with_unit(display.number(expected["value"], int(expected["display_decimals"])),
                                  expected["unit"]) or (expected["value_note"] or "no value")  # fmt: skip
        assert row[0] == expected["label"] and row[1] == expected["period"] and row[2] == shown
    for table in document.tables:  # every header row repeats on each page
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_every_picture_has_alt_text_saying_what_the_chart_shows(published):
    out, _ = published
    document = _chapter(out)
    shapes = list(document.inline_shapes)
    summary = pd.read_parquet(out / layout.area(SLUG, synthetic=True).summary("parquet"))
    assert len(shapes) >= summary["domain"].nunique()  # a spine chart per domain at least
    for shape in shapes:
        properties = shape._inline.docPr
        assert properties.get("title") and properties.get("descr")
        assert shape._inline.graphic.graphicData.pic.blipFill.blip.embed  # a real picture part
    spines = [s._inline.docPr.get("title") for s in shapes if s._inline.docPr.get("title").startswith("Spine chart")]
    assert spines == [f"Spine chart: {d}" for d in dict.fromkeys(summary["domain"])]


def test_the_annex_defines_every_indicator_and_names_the_api(published):
    out, _ = published
    document = _chapter(out)
    summary = pd.read_parquet(out / layout.area(SLUG, synthetic=True).summary("parquet"))
    annex = next(t for t in document.tables if t.rows[0].cells[1].text == "Definition")
    labels = [row.cells[0].text for row in annex.rows[1:]]
    assert labels == list(dict.fromkeys(summary["label"]))
    assert all(row.cells[1].text.endswith("(synthetic sample definition).") for row in annex.rows[1:])
    manifest = (out / "manifest.json").read_text()
    api = re.search(r'"api_base_url": "([^"]+)"', manifest).group(1)
    assert f"through its API ({api})" in _text(document)


def test_rebuilt_from_the_published_tables_the_chapter_is_the_published_file(published):
    out, _ = published
    pack = report_pack_of(out, SLUG, neighbourhoods=False)
    dictionary = pd.read_csv(out / layout.dictionary("csv", True), keep_default_na=False, encoding="utf-8-sig")
    api = re.search(r'"api_base_url": "([^"]+)"', (out / "manifest.json").read_text()).group(1)
    rebuilt = area_chapter(ChapterPack(pack, dictionary, api))
    assert rebuilt == (out / layout.area(SLUG).chapter).read_bytes()
    assert area_chapter(ChapterPack(pack, dictionary, api)) == rebuilt  # the same bytes every time
    # A caveat the metadata state is in the Caveats section, under its indicator's label.
    iid = int(pack.summary["indicator_id"].iloc[0])
    with_caveat = area_chapter(ChapterPack(pack, dictionary, api, {iid: "Small numbers: read with care."}))
    caveats = _text(docx.Document(io.BytesIO(with_caveat))).split("Caveats")[-1]
    assert f"{pack.summary['label'].iloc[0]}: Small numbers: read with care." in caveats
    # Each chapter starts from its own copy of the blank document: nothing of one reaches the next.
    assert area_chapter(ChapterPack(pack, dictionary, api)) == rebuilt


def test_a_footprint_or_icb_chapter_leaves_out_the_region(published):
    """An area with no region (an ICB, a footprint) says nothing of one."""
    out, _ = published
    pack = dataclasses.replace(report_pack_of(out, SLUG, neighbourhoods=False), region_code="", ranges={})
    summary = pack.summary.assign(compared_to_region="", region_value=float("nan"))
    pack = dataclasses.replace(pack, summary=summary, region_name="ICBs")
    text = _text(docx.Document(io.BytesIO(area_chapter(ChapterPack(pack, pd.DataFrame({"section": []}), "x")))))
    assert "Compared with" not in text


@needs_libreoffice_writer
def test_the_chapter_prints_with_its_key_findings_on_page_one_or_two(published, tmp_path):
    out, _ = published
    summary = pd.read_parquet(out / layout.area(SLUG, synthetic=True).summary("parquet"))
    printed = pages(to_pdf(out / layout.area(SLUG).chapter, tmp_path))
    assert 3 <= len(printed) <= 60
    header = {w.text for w in printed[0][:12]}
    for number, words in enumerate(printed, start=1):  # no page holds the page header alone
        assert len([w for w in words if w.text not in header]) > 20, f"page {number} is nearly empty"
    opening = " ".join(w.text for page in printed[:2] for w in page)
    headline = key_findings("Southwark", summary).headline()
    assert " ".join(headline.split()[:12]) in opening
    assert "What matters most" in opening


def test_the_chapter_is_saved_stored_then_deflated_once_to_the_same_bytes():
    """python-docx's own deflate is skipped (``with_fixed_times`` deflates every part); the
    published bytes are what they were, and python-docx is left as it was found."""
    document = docx.Document()
    document.add_paragraph("Southwark: =1+1 and a long line " * 200)
    document.add_picture(io.BytesIO(_png()))
    stored = _saved(document)
    assert {i.compress_type for i in zipfile.ZipFile(io.BytesIO(stored)).infolist()} == {zipfile.ZIP_STORED}
    assert phys_pkg.ZIP_DEFLATED == zipfile.ZIP_DEFLATED
    buffer = io.BytesIO()
    document.save(buffer)
    assert {i.compress_type for i in zipfile.ZipFile(buffer).infolist()} == {zipfile.ZIP_DEFLATED}
    assert with_fixed_times(stored) == with_fixed_times(buffer.getvalue())


def _png() -> bytes:
    """A small picture, drawn as the chapter's charts are (resvg)."""
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20"/></svg>'
    return chart_images.png(svg)
