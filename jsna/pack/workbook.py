"""An area's Excel workbook: Key findings, Summary, Data and Dictionary sheets.

Written with openpyxl (styles, widths, filters, the package) and, for the rows of each
table, ``jsna.pack.sheet_rows``, which writes the same cells a column at a time. Every
sheet starts with the source and retrieval date (and a red banner when the data is
synthetic); the table below has a frozen header row, filters and number formats.
Numbers are stored exactly as published: formats change only how Excel displays them,
never the stored value.
"""

from __future__ import annotations

import functools
import hashlib
import io
import pickle
import re
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from jsna.pack import display
from jsna.pack.display import DEFAULT_DECIMALS, MAX_DECIMALS, excel_format
from jsna.pack.findings import key_findings
from jsna.pack.inequality_findings import AreaInequalities
from jsna.pack.packaging import with_fixed_times
from jsna.pack.sheet_rows import header_xml, rows_xml
from schemas import PUBLISHED
from schemas.spec import sheet_layout

HEADER_ROW = 4  # rows 1-3: title, source line, synthetic banner (or blank)
BANNER = "SYNTHETIC SAMPLE DATA - NOT REAL STATISTICS. Produced by the offline sample API for testing."
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
BANNER_FILL = PatternFill("solid", fgColor="C00000")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="top")
# What a reader calls each column (then its unit) and its number format: declared on the
# column in its table's spec (``schemas``), so every sheet shows a column the same way.
HEADERS, NUMBER_FORMATS = sheet_layout(PUBLISHED.values())
COMPARISON_COLUMNS = ("compared_to_england", "compared_to_region")
SENTENCE_COLUMNS = ("finding", "description", "not_compared_reason", "note", "value_note", "section")
PORTRAIT_COLUMNS = 4  # a sheet wider than this prints landscape
# The Summary's columns a reader prints, first in its sheet; its print area ends after them
# (the rest stay on screen and in the downloads): 14 columns print readable on A4, 33 do not.
SUMMARY_PRINT_COLUMNS = (
    "label", "period", "sex", "age", "value", "lower_ci_95", "upper_ci_95", "unit", "region_value", "england_value",
    "compared_to_england", "compared_to_region", "recent_trend", "finding",
)  # fmt: skip
LINE_HEIGHT = 15  # points: one line of the default 11 pt font
MAX_WIDTH, FINDING_WIDTH = 60, 50  # column widths in characters
COMPARISON_FILLS = {
    "Better": PatternFill("solid", fgColor="92D050"),
    "Similar": PatternFill("solid", fgColor="FFC000"),
    "Worse": PatternFill("solid", fgColor="FF7C80"),
    "Higher": PatternFill("solid", fgColor="9DC3E6"),
    "Lower": PatternFill("solid", fgColor="DEEBF7"),
}


def header(name: str) -> str:
    return HEADERS.get(name, name)


# Shown at the indicator's display precision (a number format: the cell keeps the exact value).
PRECISION_COLUMNS = (
    "value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "region_value", "england_value",
    "reference_value", "reference_lower_ci_95", "reference_upper_ci_95", "gap", "highest_value", "lowest_value",
    "spread", "sii", "sii_lower_95", "sii_upper_95",
)  # fmt: skip


def source_line(api_base_url: str, retrieved_at: str | None, synthetic: bool = False) -> str:
    source = (
        "synthetic sample data from the offline sample API, not real statistics" if synthetic else "OHID Fingertips"
    )
    return (
        f"Source: {source} ({api_base_url}); data retrieved {retrieved_at or 'unknown'} (UTC). Values are shown at "
        "each indicator's display precision; every cell holds the exact value."
    )


def _cell(sheet: object, value: object, **style: object) -> WriteOnlyCell:
    """A title-row cell; text is always text, so an area or footprint named ``=...`` is
    shown as written, never run as a formula (openpyxl would take it for one)."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


@dataclass(frozen=True)
class _Styles:
    """The ``s`` attribute of each data-cell style, registered once per workbook in its
    styles as openpyxl registers a cell's (style ids belong to the workbook, not a sheet)."""

    header: str
    formats: dict[str, str]  # by number format
    fills: dict[str, str]  # by comparison word
    wrap: str  # sentences: wrapped, top-aligned

    @classmethod
    def of(cls, sheet: object) -> _Styles:
        def attr(**style: object) -> str:
            return f' s="{_cell(sheet, None, **style).style_id}"'

        formats = {*NUMBER_FORMATS.values(), *(excel_format(d) for d in range(MAX_DECIMALS + 1))}
        return cls(
            header=attr(font=Font(bold=True, color="FFFFFF"), fill=HEADER_FILL, alignment=HEADER_ALIGNMENT),
            formats={f: attr(number_format=f) for f in sorted(formats)},
            fills={word: attr(fill=fill) for word, fill in COMPARISON_FILLS.items()},
            wrap=attr(alignment=Alignment(wrap_text=True, vertical="top")),
        )


def _sheet(
    book: Workbook,
    title: str,
    frame: pd.DataFrame,
    heading: str,
    source: str,
    synthetic: bool,
    row_decimals: list[int] | None = None,
    styles: _Styles | None = None,
) -> tuple[str, _Styles]:
    """One sheet: openpyxl writes its title rows, widths, frozen header and filter; the
    header and the rows below are returned as SpreadsheetML (``jsna.pack.sheet_rows``),
    to be put in the sheet when the package is written. ``row_decimals``: each row's
    display precision, for its value columns' number format. The Summary's print area ends
    after its reading columns (``SUMMARY_PRINT_COLUMNS``); every other sheet prints whole."""
    printed = sum(c in frame.columns for c in SUMMARY_PRINT_COLUMNS) if title == "Summary" else 0
    sheet = book.create_sheet(title)
    styles = styles or _Styles.of(sheet)
    widths, wrapped, body = _table_xml(frame, styles, row_decimals, same_in_every_area=title == "Dictionary")
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    _print_setup(sheet, heading, printed or len(frame.columns), len(frame.columns))
    if printed:
        sheet.print_area = f"A1:{get_column_letter(printed)}{HEADER_ROW + max(len(frame), 1)}"
    last = get_column_letter(max(1, len(frame.columns)))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(len(frame), 1)}"
    sheet.append([_cell(sheet, heading, font=Font(bold=True, size=14))])
    sheet.append([_cell(sheet, source)])
    if synthetic:
        # Filled across the table: the white words run on over the next cells, white on white otherwise.
        banner = _cell(sheet, BANNER, font=Font(bold=True, color="FFFFFF"), fill=BANNER_FILL)
        sheet.append([banner] + [_cell(sheet, None, fill=BANNER_FILL) for _ in frame.columns[1:]])
    else:
        sheet.append([])
    names = [header(n) for n in frame.columns]
    head_height = LINE_HEIGHT * max([_lines(n, w) for n, w in zip(names, widths, strict=True)] + [1])
    return header_xml(names, HEADER_ROW, styles.header, head_height) + body, styles


# The Dictionary sheet of the last workbook made in this process, by what it was made of.
_laid_out: dict[bytes, tuple[list[int], set[str], str]] = {}


def _table_xml(
    frame: pd.DataFrame, styles: _Styles, row_decimals: list[int] | None, *, same_in_every_area: bool = False
) -> tuple[list[int], set[str], str]:
    """(each column's width, the columns that wrap, the rows below the header as
    SpreadsheetML). The Dictionary sheet is the same in every workbook of a run, so it is
    laid out once per process and found again by a hash of its exact content (the frame
    pickled, types and all) and its styles."""
    key = b""
    if same_in_every_area:
        key = hashlib.sha256(pickle.dumps((frame, repr(styles), row_decimals), protocol=5)).digest()
        if key in _laid_out:
            return _laid_out[key]
    widths, wrapped = column_layout(frame)
    styled = _column_styles(styles, frame, row_decimals, wrapped)
    laid_out = widths, wrapped, rows_xml(frame, HEADER_ROW + 1, styled, row_heights(frame, widths, wrapped))
    if same_in_every_area:
        _laid_out.clear()  # one run's dictionary at a time
        _laid_out[key] = laid_out
    return laid_out


def _longest(series: pd.Series) -> int:
    """The longest value's length: every distinct text (a long name far down must not be
    cut), the first 50 numbers (their length is their format's, not their digits')."""
    if series.dtype.kind in "fiub":
        return max((len(str(v)) for v in series.iloc[:50].tolist()), default=0)
    return max((len(str(v)) for v in series.unique().tolist() if not display.missing(v)), default=0)


def column_layout(frame: pd.DataFrame) -> tuple[list[int], set[str]]:
    """Each column's width in characters, and the columns whose text wraps.

    Width: the longest value (or half the header, which wraps), 10 to 60; a finding 50, so
    the Summary prints readable. Wrapped: sentences, and any text longer than its column
    (it would be cut at the next cell, on screen and on paper)."""
    widths, wrapped = [], set()
    for name in frame.columns:
        longest = _longest(frame[name])
        width = max(len(header(name)) // 2, longest)
        width = FINDING_WIDTH if name == "finding" else min(max(10, width + 2), MAX_WIDTH)
        widths.append(width)
        if name not in NUMBER_FORMATS and (name in SENTENCE_COLUMNS or longest > width - 2):
            wrapped.add(name)
    return widths, wrapped


@functools.cache
def _lines(text: str, width: int) -> int:
    """How many lines ``text`` takes wrapped between words in a column ``width`` characters
    wide (a line holds a character less than the width, so the estimate errs tall)."""
    lines, used = 1, 0
    for word in text.split():
        if used and used + 1 + len(word) > width - 1:
            lines, used = lines + 1, len(word)
        else:
            used += len(word) + (1 if used else 0)
    return lines


def row_heights(frame: pd.DataFrame, widths: list[int], wrapped: set[str]) -> list[float | None]:
    """Each row's height where a sentence in it wraps (None: one line, the default). Excel
    and LibreOffice keep the height a file gives and do not measure wrapped text on opening,
    so without it a wrapped sentence prints over the rows below."""
    heights: list[float | None] = [None] * len(frame)
    for name, width in zip(frame.columns, widths, strict=True):
        if name not in wrapped:
            continue
        for i, text in enumerate(frame[name].tolist()):
            text = "" if display.missing(text) else str(text)
            if len(text) >= width - 1:  # shorter fits on one line
                height = float(LINE_HEIGHT * _lines(text, width))
                heights[i] = max(heights[i] or 0.0, height)
    return heights


def _print_setup(sheet: object, heading: str, columns: int, of: int) -> None:
    """How the sheet prints: A4, landscape where it is wide, one page wide (as many pages
    down as it needs), the header row on every page, the title in the page header and the
    page number in the footer, which says so where only the first ``columns`` of ``of`` print."""
    if columns < of:
        sheet.oddFooter.left.text = f"Printed: the first {columns} of the sheet's {of} columns"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if columns > PORTRAIT_COLUMNS else "portrait"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    sheet.oddHeader.center.text = heading.replace("&", "&&")  # & starts a header code
    sheet.oddFooter.right.text = "Page &P of &N"


def _column_styles(
    styles: _Styles, frame: pd.DataFrame, row_decimals: list[int] | None, wrapped: set[str]
) -> list[list[str]]:
    """Each column's style attribute per row: its number format (a value column's at the
    row's display precision) or, for a comparison, the fill of its word."""
    n = len(frame)
    by_decimals = {d: styles.formats[excel_format(d)] for d in range(MAX_DECIMALS + 1)}
    out = []
    for name in frame.columns:
        if name in COMPARISON_COLUMNS:  # the word stays: colour is never the only signal
            out.append([styles.fills.get(v, "") for v in frame[name].tolist()])
        elif name in PRECISION_COLUMNS and row_decimals is not None:
            default = styles.formats[NUMBER_FORMATS[name]]
            out.append([by_decimals.get(d, default) for d in row_decimals])
        elif name in NUMBER_FORMATS:
            out.append([styles.formats[NUMBER_FORMATS[name]]] * n)
        elif name in wrapped:  # a sentence wraps in its column, on screen and on paper
            out.append([styles.wrap] * n)
        else:
            out.append([""] * n)
    return out


def build_workbook(
    name: str,
    summary: pd.DataFrame,
    data: pd.DataFrame,
    dictionary: pd.DataFrame,
    *,
    api_base_url: str,
    retrieved_at: str | None,
    synthetic: bool,
    inequalities: AreaInequalities | None = None,
) -> bytes:
    """The workbook as bytes (staged and published like every other file); a council's
    has its inequalities (groups and gradients) on two sheets and in its key findings."""
    source = source_line(api_base_url, retrieved_at, synthetic)
    title = f"{name}: mental health and wellbeing JSNA indicators"
    summary = summary.drop(columns=["area_code"], errors="ignore")
    decimals = dict(zip(summary["indicator_id"], summary["display_decimals"], strict=False))

    def precision(frame: pd.DataFrame) -> list[int]:
        return [int(decimals.get(i, DEFAULT_DECIMALS)) for i in frame["indicator_id"]]

    found = findings_table(name, summary, inequalities.findings if inequalities else ())
    reading = [c for c in SUMMARY_PRINT_COLUMNS if c in summary.columns]
    summary = summary[reading + [c for c in summary.columns if c not in reading]]
    sheets = [
        ("Key findings", found, f"{title} - key findings", None),
        ("Summary", summary, f"{title} - summary", [int(d) for d in summary["display_decimals"]]),
    ]
    if inequalities is not None:
        groups, gradients = inequalities.groups, inequalities.gradients
        sheets += [
            ("Inequalities", groups, f"{title} - who is worse off (groups)", precision(groups)),
            ("Gradients", gradients, f"{title} - gradients across deprivation (SII, RII)", precision(gradients)),
        ]
    sheets += [
        ("Data", data, f"{title} - all values", precision(data)),
        ("Dictionary", dictionary, "Data dictionary", None),
    ]
    buffer = io.BytesIO()
    book = Workbook(write_only=True)
    rows: dict[str, str] = {}
    styles = None
    for n, (name, frame, heading, row_decimals) in enumerate(sheets, start=1):
        rows[f"xl/worksheets/sheet{n}.xml"], styles = _sheet(
            book, name, frame, heading, source, synthetic, row_decimals, styles
        )
    book.properties.title = title
    book.properties.creator = "jsna-mental-wellbeing"
    # Fixed timestamps: an unchanged dataset gives a byte-identical workbook.
    book.properties.created = book.properties.modified = datetime(2000, 1, 1)
    book.save(buffer)
    return _package(buffer.getvalue(), rows)


def findings_table(area: str, summary: pd.DataFrame, inequalities: tuple[str, ...] = ()) -> pd.DataFrame:
    """The key findings as rows to paste into a JSNA chapter: the headline, each group,
    then who within the area is worse off."""
    found = key_findings(area, summary)
    rows = [("Summary", found.headline())]
    rows += [(title, text) for title, sentences in found.all_section_sentences() for text in sentences]
    rows += [("Inequalities: who is worse off", text) for text in inequalities]
    return pd.DataFrame(rows, columns=["section", "finding"])


def _package(data: bytes, rows: dict[str, str]) -> bytes:
    """The .xlsx as openpyxl saved it, with each sheet's data rows put in and fixed times:
    the same data gives the same bytes, so an unchanged refresh leaves the workbook
    untouched."""

    def edit(name: str, content: bytes) -> bytes:
        if name == "docProps/core.xml":  # openpyxl stamps the save time here
            content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", content)
        if name in rows:  # after the heading rows openpyxl wrote
            head, tail = (
                content.split(b"</sheetData>")
                if b"</sheetData>" in content
                else (content.replace(b"<sheetData/>", b"<sheetData>"), b"")
            )
            content = head + rows[name].encode("utf-8") + b"</sheetData>" + tail
        return content

    # Level 1: 2.9 ms instead of 6.7 ms a workbook, 18% larger (136 KB instead of 115 KB).
    return with_fixed_times(data, edit)


def read_sheet(path: str, sheet: str) -> pd.DataFrame:
    """Read a sheet back into a frame (the tests use it to compare with the Parquet)."""
    frame = pd.read_excel(path, sheet_name=sheet, header=HEADER_ROW - 1, engine="openpyxl")
    reverse = {v: k for k, v in HEADERS.items()}
    return frame.rename(columns=lambda c: reverse.get(c, c))
