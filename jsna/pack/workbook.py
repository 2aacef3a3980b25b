"""The borough's Excel workbook: Summary, Data and Dictionary sheets.

Written with openpyxl. Every sheet starts with the source and retrieval date (and a red
banner when the data is synthetic); the table below has a frozen header row, filters
and number formats. Numbers are stored exactly as published: formats change only how
Excel displays them, never the stored value.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell import _writer as openpyxl_writer
from openpyxl.compat import safe_string as _openpyxl_safe_string
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from jsna.pack.display import DEFAULT_DECIMALS, MAX_DECIMALS, excel_format
from jsna.pack.findings import key_findings
from jsna.publish import defuse_formulas

HEADER_ROW = 4  # rows 1-3: title, source line, synthetic banner (or blank)
BANNER = "SYNTHETIC SAMPLE DATA - NOT REAL STATISTICS. Produced by the offline sample API for testing."
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
BANNER_FILL = PatternFill("solid", fgColor="C00000")
NUMBER_FORMATS = {
    "value": "#,##0.0##",
    "lower_ci_95": "#,##0.0##",
    "upper_ci_95": "#,##0.0##",
    "lower_ci_99_8": "#,##0.0##",
    "upper_ci_99_8": "#,##0.0##",
    "region_value": "#,##0.0##",
    "england_value": "#,##0.0##",
    "count": "#,##0",
    "denominator": "#,##0",
    "rank": "0",
    "ranked_areas": "0",
    "region_quintile": "0",
    "england_rank": "0",
    "england_ranked_areas": "0",
    "england_quintile": "0",
    "indicator_id": "0",
    "period_sortable": "0",
}
# Header text shown in Excel: what a reader calls the column, then its unit.
IN_UNIT = "(in the row's unit)"
HEADERS = {
    "section": "Section", "finding": "Finding", "domain": "JSNA domain", "indicator_id": "Indicator ID",
    "label": "Indicator", "indicator_name": "Indicator name (Fingertips)", "area_code": "Area code",
    "area_name": "Area", "area_type": "Area type", "period": "Period", "period_sortable": "Period (sortable)",
    "sex": "Sex", "age": "Age", "category_type": "Breakdown", "category": "Breakdown category",
    "unit": "Unit", "display_decimals": "Decimal places shown", "value": f"Value {IN_UNIT}",
    "lower_ci_95": f"Lower 95% CI {IN_UNIT}", "upper_ci_95": f"Upper 95% CI {IN_UNIT}",
    "lower_ci_99_8": f"Lower 99.8% CI {IN_UNIT}", "upper_ci_99_8": f"Upper 99.8% CI {IN_UNIT}",
    "count": "Count (people or events)", "denominator": "Denominator (people)",
    "region_code": "Region code", "region_name": "Region",
    "region_value": f"Region {IN_UNIT}", "england_value": f"England {IN_UNIT}",
    "compared_to_england": "Compared with England", "compared_to_region": "Compared with the region",
    "comparison_source": "Comparison from", "value_note": "Value note", "recent_trend": "Recent trend",
    "rank": "Rank (1 = best)", "ranked_areas": "Areas ranked", "region_quintile": "Region quintile (1-5)",
    "england_rank": "Rank in England (1 = best)", "england_ranked_areas": "Areas ranked in England",
    "england_quintile": "England quintile (1-5, 1 = best)",
    "quintile_basis": "Quintile 1 means", "value_type": "Value type", "polarity": "Polarity",
    "source": "Source", "retrieved_at": "Retrieved (UTC)",
}  # fmt: skip
COMPARISON_COLUMNS = ("compared_to_england", "compared_to_region")
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
    cell = WriteOnlyCell(sheet, value=value)
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


def _value(value: object) -> object:
    """A cell value as Excel should store it (None for missing: the cell stays empty)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, np.floating):
        return float(value)  # openpyxl writes numpy floats with 16 digits, Python floats in full
    if isinstance(value, np.integer):
        return int(value)
    return value


def _sheet(
    book: Workbook,
    title: str,
    frame: pd.DataFrame,
    heading: str,
    source: str,
    synthetic: bool,
    row_decimals: list[int] | None = None,
) -> None:
    """One sheet, streamed (write-only mode: a 33-borough refresh writes 99 sheets).
    ``row_decimals``: each row's display precision, for its value columns' number format."""
    sheet = book.create_sheet(title)
    frame = defuse_formulas(frame)
    for col, name in enumerate(frame.columns, start=1):
        width = max([len(header(name)) // 2] + [len(str(v)) for v in frame[name].head(50)])
        sheet.column_dimensions[get_column_letter(col)].width = min(max(10, width + 2), 60)
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    last = get_column_letter(max(1, len(frame.columns)))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(len(frame), 1)}"
    sheet.append([_cell(sheet, heading, font=Font(bold=True, size=14))])
    sheet.append([source])
    if synthetic:
        sheet.append([_cell(sheet, BANNER, font=Font(bold=True, color="FFFFFF"), fill=BANNER_FILL)])
    else:
        sheet.append([])
    header_font = Font(bold=True, color="FFFFFF")
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append([_cell(sheet, header(n), font=header_font, fill=HEADER_FILL, alignment=wrap) for n in frame.columns])
    formats = [NUMBER_FORMATS.get(name) for name in frame.columns]
    precise = [name in PRECISION_COLUMNS for name in frame.columns]
    comparisons = [name in COMPARISON_COLUMNS for name in frame.columns]
    by_decimals = {
        d: [excel_format(d) if p else f for f, p in zip(formats, precise, strict=True)] for d in range(MAX_DECIMALS + 1)
    }
    for n, row in enumerate(frame.itertuples(index=False)):
        cells = []
        row_formats = by_decimals.get(row_decimals[n], formats) if row_decimals is not None else formats
        for fmt, raw, coloured in zip(row_formats, row, comparisons, strict=True):
            value = _value(raw)
            if coloured and value in COMPARISON_FILLS:  # the word stays: colour is never the only signal
                cells.append(_cell(sheet, value, fill=COMPARISON_FILLS[value]))
            else:
                cells.append(_cell(sheet, value, number_format=fmt) if fmt and value is not None else value)
        sheet.append(cells)


def _exact_number_text(value: object) -> str:
    """Shortest text that reads back as the same double (``repr``), for every number."""
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    return _openpyxl_safe_string(value)


@contextmanager
def _exact_numbers() -> Iterator[None]:
    """openpyxl writes numbers with 16 significant digits ("%.16g"), which changes the
    last digit of some doubles; a JSNA figure must read back exactly as published, so
    while saving, floats are written with ``repr`` (17 digits where needed)."""
    original = openpyxl_writer.safe_string
    openpyxl_writer.safe_string = _exact_number_text
    try:
        yield
    finally:
        openpyxl_writer.safe_string = original


def build_workbook(
    borough: str,
    summary: pd.DataFrame,
    data: pd.DataFrame,
    dictionary: pd.DataFrame,
    *,
    api_base_url: str,
    retrieved_at: str | None,
    synthetic: bool,
) -> bytes:
    """The workbook as bytes (staged and published like every other file)."""
    source = source_line(api_base_url, retrieved_at, synthetic)
    title = f"{borough}: mental health and wellbeing JSNA indicators"
    summary = summary.drop(columns=["area_code"], errors="ignore")
    decimals = dict(zip(summary["indicator_id"], summary["display_decimals"], strict=False))
    sheets = (
        ("Key findings", findings_table(borough, summary), f"{title} - key findings", None),
        ("Summary", summary, f"{title} - summary", [int(d) for d in summary["display_decimals"]]),
        ("Data", data, f"{title} - all values", [int(decimals.get(i, DEFAULT_DECIMALS)) for i in data["indicator_id"]]),
        ("Dictionary", dictionary, "Data dictionary", None),
    )
    buffer = io.BytesIO()
    with _exact_numbers():  # write-only sheets are written as rows are appended
        book = Workbook(write_only=True)
        for name, frame, heading, row_decimals in sheets:
            _sheet(book, name, frame, heading, source, synthetic, row_decimals)
        book.properties.title = title
        book.properties.creator = "jsna-mental-wellbeing"
        # Fixed timestamps: an unchanged dataset gives a byte-identical workbook.
        book.properties.created = book.properties.modified = datetime(2000, 1, 1)
        book.save(buffer)
    return _fixed_zip_times(buffer.getvalue())


def findings_table(area: str, summary: pd.DataFrame) -> pd.DataFrame:
    """The key findings as rows to paste into a JSNA chapter: the headline, then each group."""
    found = key_findings(area, summary)
    rows = [("Summary", found.headline())]
    rows += [(title, text) for title, group in found.all_sections() for text in group["finding"]]
    return pd.DataFrame(rows, columns=["section", "finding"])


def _fixed_zip_times(data: bytes) -> bytes:
    """Rewrite the .xlsx zip with fixed times: the same data gives the same bytes, so an
    unchanged refresh leaves the workbook untouched."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2000-01-01T00:00:00Z", content)
            target.writestr(fixed, content)
    return out.getvalue()


def read_sheet(path: str, sheet: str) -> pd.DataFrame:
    """Read a sheet back into a frame (the tests use it to compare with the Parquet)."""
    frame = pd.read_excel(path, sheet_name=sheet, header=HEADER_ROW - 1, engine="openpyxl")
    reverse = {v: k for k, v in HEADERS.items()}
    return frame.rename(columns=lambda c: reverse.get(c, c))
