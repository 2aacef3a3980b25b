"""CSV for Excel: a published table's CSV bytes (UTF-8 with a BOM, formulas defused, numbers
at full precision), exactly the text pandas' ``to_csv`` writes, in a fraction of its time.

pandas writes through its general machinery (blocks, formatters, then Python's csv writer
row by row): 8 ms for an area's small table whatever its rows, and 3.6 s of CPU for the 192
tables of a London refresh with ICBs (1.5 s here). The published tables hold few kinds of column, and
``_fields`` formats each as pandas does, one column at a time:

- text (``string``, or ``object`` holding only text): as it is, formulas defused where
  ``defuse_formulas`` defuses them;
- ``float64``: the shortest text that reads back as the same number, as pandas writes it
  with numpy's ``astype(str)`` (Python's ``repr`` gives the same text about twice as fast:
  ``1e-05``, ``inf``, ``-0.0``, ``1e+16``);
- ``int64`` and ``Int64``: the integer's digits;
- date-times: each distinct time through ``to_csv`` itself (``_time_texts``);
- missing values (NA, NaN, NaT): empty.

A field is quoted as Python's csv module quotes with ``QUOTE_MINIMAL``: when it holds the
delimiter, a double quote (doubled inside) or a line break. Any other kind of column, a
name that is not text, a repeated name or a single column (the csv module writes an empty
row of one field as ``""``) is left to pandas. ``tests/test_csv_export.py`` checks that the
two give the same bytes, kind by kind and edge by edge.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SCAN_ROWS = 2000  # below this many rows a column is scanned value by value first
_QUOTE = re.compile('[,"\r\n]')  # what makes the csv module quote a field (QUOTE_MINIMAL)
LINE = "\r\n"


def defuse_text(text: str) -> str:
    """The text a spreadsheet shows for ``text``: prefixed with ``'`` where it would run
    as a formula (OWASP), unchanged otherwise."""
    return "'" + text if text.startswith(FORMULA_START) else text


def defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell as ``defuse_text`` gives it, for CSV exports (the workbook's rows
    apply ``defuse_text`` as they are written). Parquet keeps text exactly; numbers stay
    numbers. Columns with nothing to defuse are not copied."""
    defused = {}
    for column in frame.columns:
        series = frame[column]
        if not pd.api.types.is_string_dtype(series) or pd.api.types.is_numeric_dtype(series):
            continue
        # An area's table is a few hundred rows: a plain scan of its values costs a fifth of
        # pandas' string methods there (most columns hold nothing to defuse).
        if len(series) < _SCAN_ROWS and not any(
            isinstance(v, str) and v.startswith(FORMULA_START) for v in series.to_numpy(dtype=object)
        ):
            continue
        text = series.astype("string")
        risky = text.str.startswith(FORMULA_START).fillna(False)
        if risky.any():
            defused[column] = text.where(~risky, "'" + text)
    return frame.assign(**defused) if defused else frame


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame as CSV for Excel: ``to_csv``'s text (no index, CRLF), formulas defused."""
    text = csv_text(frame)
    return ("\ufeff" + (pandas_text(frame) if text is None else text)).encode("utf-8")


def pandas_text(frame: pd.DataFrame) -> str:
    """The same text written by pandas itself: for the kinds of column ``csv_text`` leaves,
    and what its tests compare it with."""
    buffer = io.StringIO()
    _times_as_text(defuse_formulas(frame)).to_csv(buffer, index=False, lineterminator=LINE)
    return buffer.getvalue()


def csv_text(frame: pd.DataFrame) -> str | None:
    """What ``csv_bytes`` encodes, formulas defused, written here column by column; None
    where a column is of a kind this writer leaves to pandas."""
    names = list(frame.columns)
    if len(names) < 2 or not all(isinstance(n, str) for n in names) or not frame.columns.is_unique:
        return None
    if frame.attrs:  # each column taken out would carry a deep copy of them
        frame = frame.copy(deep=False)
        frame.attrs = {}
    columns = []
    for _, series in frame.items():
        fields = _fields(series) if len(frame) else []
        if fields is None:
            return None
        columns.append(fields)
    lines = [",".join(_quoted(names)), *map(",".join, zip(*columns, strict=True))]
    return LINE.join(lines) + LINE


def _fields(series: pd.Series) -> list[str] | None:
    """Each field of a column as the CSV shows it, or None for a kind of column not handled."""
    dtype = series.dtype
    if isinstance(dtype, pd.StringDtype):
        return _quoted(_defused(series.to_numpy(dtype=object, na_value="").tolist()))
    if dtype == np.dtype(object):
        values = series.to_numpy(dtype=object).copy()
        values[series.isna().to_numpy()] = ""
        listed = values.tolist()
        if not set(map(type, listed)) <= {str}:
            return None
        # Defused as ``defuse_formulas`` does: where pandas takes the column for text.
        return _quoted(_defused(listed) if pd.api.types.is_string_dtype(series) else listed)
    if dtype == np.float64:
        numbers = series.to_numpy()
        return _blanked(list(map(repr, numbers.tolist())), np.isnan(numbers))
    if dtype == np.int64:
        return list(map(str, series.to_numpy().tolist()))
    if isinstance(dtype, pd.Int64Dtype):
        integers = series.fillna(0).to_numpy(dtype=np.int64).tolist()
        return _blanked(list(map(str, integers)), series.isna().to_numpy())
    if dtype.kind == "M":  # datetime64, with or without a time zone
        return _time_texts(series).tolist()
    return None


def _blanked(fields: list[str], missing: np.ndarray) -> list[str]:
    """The fields with each missing value made empty (pandas' ``na_rep``)."""
    for at in np.flatnonzero(missing).tolist():
        fields[at] = ""
    return fields


def _defused(fields: list[str]) -> list[str]:
    """``defuse_text`` of each field (one look at the fields' first characters first)."""
    if not {f[:1] for f in fields}.intersection(FORMULA_START):
        return fields
    return [defuse_text(f) for f in fields]


def _quoted(fields: list[str]) -> list[str]:
    """Fields quoted where the csv module would (one scan of the column first: most hold
    nothing to quote)."""
    if not _QUOTE.search("".join(fields)):
        return fields
    return ['"' + f.replace('"', '""') + '"' if _QUOTE.search(f) else f for f in fields]


def _time_texts(series: pd.Series) -> np.ndarray:
    """A date-time column as the text ``to_csv`` writes for it, each distinct time
    formatted once. pandas formats a date-time column value by value (a quarter of a
    table's CSV time, though a run's rows share one retrieval time); its format depends
    only on whether every value is a midnight, which the distinct values answer alike, so
    ``to_csv`` of the distinct values gives each value's text exactly."""
    codes, distinct = pd.factorize(series)  # NaT: code -1, which takes the last text ("")
    shown = distinct.to_frame(index=False).to_csv(index=False, header=False, lineterminator="\n")
    shown = [*shown.split("\n")[:-1], ""]  # and last, what to_csv writes for NaT (na_rep "")
    return np.array(shown, dtype=object)[codes]


def _times_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Each date-time column as ``_time_texts`` (for a table pandas writes)."""
    texts = {c: _time_texts(s) for c, s in frame.items() if s.dtype.kind == "M" and not s.empty}
    return frame.assign(**texts) if texts else frame
