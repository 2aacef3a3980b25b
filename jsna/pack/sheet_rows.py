"""A table's rows as SpreadsheetML, written a column at a time.

openpyxl builds a Python object per cell and writes it through lxml: about 9 µs a cell,
so 150 ms for one area's workbook (17,000 cells) and most of a refresh. This module
writes the same ``<row>``/``<c>`` elements that openpyxl's write-only worksheet writes
(numbers as ``t="n"``, text as inline strings, the same style ids), but per column:
each distinct text is escaped once and each number is formatted with ``repr``, the
shortest text that reads back as the same double, so every cell holds the exact value.
openpyxl still writes everything else (styles, widths, filters, the package); see
``jsna.pack.workbook``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError

from jsna.publication import defuse_text


def _text_body(text: str) -> str:
    """The cell's type and content for a text (the part after its reference and style),
    defused as the CSV exports are (``jsna.publication.defuse_text``)."""
    text = defuse_text(text)
    if ILLEGAL_CHARACTERS_RE.search(text):  # as openpyxl refuses it: Excel could not open the file
        raise IllegalCharacterError(f"{text!r} cannot be used in worksheets.")
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f' t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>'


def _number_body(value: float | int) -> str:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value} is not a number a worksheet can hold")
    return f' t="n"><v>{value!r}</v></c>'


def value_body(value: object) -> str | None:
    """One value's cell body, or None for an empty cell (missing values stay empty)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return f' t="b"><v>{int(value)}</v></c>'
    if isinstance(value, pd.Timestamp | datetime):
        return _text_body(value.strftime("%Y-%m-%d %H:%M:%S"))
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else _number_body(float(value))
    if isinstance(value, int | np.integer):
        return _number_body(int(value))
    text = str(value)
    return _text_body(text) if text else None


def _bodies(series: pd.Series) -> list[str | None]:
    """Every row's cell body: numbers formatted in bulk, each distinct other value once."""
    if series.dtype.kind == "f":  # NaN (and a nullable float's NA) is an empty cell
        values = series.to_numpy(dtype=float, na_value=np.nan)
        if np.isinf(values).any():
            raise ValueError(f"column {series.name!r} holds a value that is not finite")
        return [None if v != v else f' t="n"><v>{v!r}</v></c>' for v in values.tolist()]
    if series.dtype.kind in "iu":
        return [None if v is pd.NA else f' t="n"><v>{v}</v></c>' for v in series.tolist()]  # NA: nullable
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    bodies = [value_body(u) for u in uniques.tolist()] + [None]  # code -1 (missing) -> the last
    return [bodies[c] for c in codes.tolist()]


def _row(number: int, height: float | None) -> str:
    """A row's opening tag: its height where it is given (a wrapped sentence's)."""
    return f'<row r="{number}">' if height is None else f'<row r="{number}" ht="{height:g}" customHeight="1">'


def header_xml(names: Sequence[str], row: int, style: str, height: float | None = None) -> str:
    """A header row: each column's name as text, all in one style."""
    cells = "".join(f'<c r="{get_column_letter(j + 1)}{row}"{style}{_text_body(n)}' for j, n in enumerate(names))
    return f"{_row(row, height)}{cells}</row>"


def rows_xml(
    frame: pd.DataFrame,
    first_row: int,
    styles: Sequence[Sequence[str]],
    heights: Sequence[float | None] | None = None,
) -> str:
    """The frame's rows from ``first_row`` on as ``<row>`` elements.

    ``styles[j][i]`` is the ``s`` attribute (`` s="5"`` or empty) of column j in row i:
    a value column's number format depends on the row's indicator. ``heights[i]``: row i's
    height in points, or None for the default."""
    numbers = range(first_row, first_row + len(frame))
    columns = []
    for j, name in enumerate(frame.columns):
        letter = get_column_letter(j + 1)
        columns.append(
            [
                "" if body is None else f'<c r="{letter}{r}"{s}{body}'
                for r, s, body in zip(numbers, styles[j], _bodies(frame[name]), strict=True)
            ]
        )
    rows = zip(*columns, strict=True)
    tall = heights if heights is not None else [None] * len(frame)
    return "".join(f"{_row(r, h)}{''.join(cells)}</row>" for r, h, cells in zip(numbers, tall, rows, strict=True))
