"""Parse Fingertips ``all_data`` CSV by column *name*, keeping every cell as served.

Why this is careful: the live files differ from one another. They carry 26 or 27
columns, a parent comparison column whose name depends on the parent area type,
``Target data`` in older files where newer ones say ``Compared to goal``, a UTF-8
byte-order mark, quoted newlines inside ``Indicator Name``, and (in genuine downloads)
data rows one field shorter than the header because the trailing empty column is left
out. Every cell is kept as text here: typing happens in the core layer, where a cell
that is not a number is quarantined with a reason instead of silently becoming NaN.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from jsna.fingertips.errors import FingertipsResponseError, FingertipsTruncatedError

# Served header -> canonical column. Order here is the order of the canonical frame.
DATA_COLUMNS: dict[str, str] = {
    "Indicator ID": "indicator_id",
    "Indicator Name": "indicator_name",
    "Parent Code": "parent_code",
    "Parent Name": "parent_name",
    "Area Code": "area_code",
    "Area Name": "area_name",
    "Area Type": "area_type",
    "Sex": "sex",
    "Age": "age",
    "Category Type": "category_type",
    "Category": "category",
    "Time period": "period",
    "Value": "value",
    "Lower CI 95.0 limit": "lower_ci_95",
    "Upper CI 95.0 limit": "upper_ci_95",
    "Lower CI 99.8 limit": "lower_ci_99_8",
    "Upper CI 99.8 limit": "upper_ci_99_8",
    "Count": "count",
    "Denominator": "denominator",
    "Value note": "value_note",
    "Recent Trend": "recent_trend",
    "Compared to England value or percentiles": "compared_to_england",
    # The parent comparison column is matched by pattern (PARENT_COMPARISON).
    "Time period Sortable": "period_sortable",
    "New data": "new_data",
    "Compared to goal": "compared_to_goal",
    "Time period range": "period_range",
}
ALIASES: dict[str, str] = {"Target data": "compared_to_goal"}
PARENT_COMPARISON = re.compile(r"^Compared to (?!England value)(?!goal$).*percentiles$")

# Without these a row cannot be placed or read: their absence means the answer is not
# the data we asked for.
REQUIRED: tuple[str, ...] = (
    "indicator_id",
    "indicator_name",
    "area_code",
    "area_name",
    "area_type",
    "sex",
    "age",
    "category_type",
    "category",
    "period",
    "value",
    "period_sortable",
)

# The canonical frame: every served column, with the parent comparison column under
# one name whatever the parent area type is called.
CANONICAL: tuple[str, ...] = (
    *list(DATA_COLUMNS.values())[:22],
    "compared_to_region",
    *list(DATA_COLUMNS.values())[22:],
)

# What a complete value of a column that can end a row looks like. A body cut inside the
# last field of its last row, with a newline after it, parses; its last value is then a
# stump ("1" of "1y", "New da" of "New data") that no complete value matches.
COMPLETE_LAST_FIELD: dict[str, re.Pattern[str]] = {
    "period_range": re.compile(r"^(\d+ ?[A-Za-z]+)?$"),
    "new_data": re.compile(r"^(New data)?$"),
    "period_sortable": re.compile(r"^\d{8}$"),
}
HTML_START = re.compile(rb"^\s*<(!doctype|html|head|body|\?xml)", re.IGNORECASE)


@dataclass(frozen=True)
class ParsedCsv:
    """A parsed answer: canonical all-text frame plus what the header told us."""

    frame: pd.DataFrame
    served_columns: list[str]
    unknown_columns: list[str]
    missing_optional: list[str]


def refuse_html(body: bytes, content_type: str | None, url: str | None = None) -> None:
    """Refuse an HTML page served with status 200 (proxies and login walls do this)."""
    if (content_type and "html" in content_type.lower()) or HTML_START.match(body.lstrip(b"\xef\xbb\xbf")[:200]):
        raise FingertipsResponseError(
            "the server answered with an HTML page instead of CSV/JSON (a proxy, login or error page?)",
            url=url,
        )


def map_header(header: list[str]) -> tuple[dict[str, str], list[str]]:
    """Map served header names to canonical names; return (mapping, unknown names)."""
    mapping: dict[str, str] = {}
    unknown: list[str] = []
    for name in header:
        key = name.strip()
        canonical = DATA_COLUMNS.get(key) or ALIASES.get(key)
        if canonical is None and PARENT_COMPARISON.match(key):
            canonical = "compared_to_region"
        if canonical is None or canonical in mapping.values():
            unknown.append(name)
            continue
        mapping[name] = canonical
    return mapping, unknown


@dataclass(frozen=True)
class _Plan:
    """What the header and first row say about how to read the rows."""

    names: list[str]
    mapping: dict[str, str]
    header: list[str]
    unknown: list[str]
    missing_optional: list[str]


def _plan(body: bytes, url: str | None, ends_with_newline: bool | None) -> _Plan | ParsedCsv:
    """Check an answer's head (HTML? expected header? complete?) and plan the read.

    Returns an empty ``ParsedCsv`` for a valid "no data" answer.
    """
    refuse_html(body, None, url)
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    if not body.strip():
        return _empty()
    text_head = body[: 1 << 16].decode("utf-8", errors="replace")
    reader = csv.reader(io.StringIO(text_head, newline=""))
    header = next(reader)
    mapping, unknown = map_header(header)
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        raise FingertipsResponseError(f"unexpected CSV header: missing {', '.join(missing)}; got {header!r}", url=url)
    missing_optional = [c for c in CANONICAL if c not in REQUIRED and c not in mapping.values()]
    first_row = next(reader, None)
    if first_row is None or (len(first_row) == 0 and not body.strip().count(b"\n")):
        return ParsedCsv(_empty().frame, header, unknown, missing_optional)
    complete = body.endswith(b"\n") if ends_with_newline is None else ends_with_newline
    if not complete:
        raise FingertipsTruncatedError("the CSV was cut short (the last row is incomplete)", url=url)
    width = len(first_row)
    if width > len(header):
        raise FingertipsResponseError(f"CSV rows have {width} fields but the header only {len(header)}", url=url)
    # Genuine downloads leave out trailing empty columns; only optional ones may go.
    dropped = [mapping.get(h) for h in header[width:]]
    if any(c in REQUIRED for c in dropped if c):
        raise FingertipsTruncatedError(f"CSV rows have {width} fields, too few for the header {header!r}", url=url)
    return _Plan(header[:width], mapping, header, unknown, missing_optional)


def _read_options(plan: _Plan, block_size: int | None = None) -> dict:
    read = pa_csv.ReadOptions(column_names=plan.names, skip_rows=1)
    if block_size:
        read.block_size = block_size
    return {
        "read_options": read,
        "parse_options": pa_csv.ParseOptions(newlines_in_values=True),
        "convert_options": pa_csv.ConvertOptions(
            column_types={n: pa.string() for n in plan.names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    }


# Arrow text read straight into pandas' text type ("string", NA for missing): the type mapper
# for ``to_pandas`` wherever stored or served text becomes a frame.
ARROW_TEXT = {pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype()}


def _canonical(table: pa.Table | pa.RecordBatch, plan: _Plan) -> pd.DataFrame:
    """Served columns -> the canonical all-text frame."""
    keep = [n for n in plan.names if n in plan.mapping]
    # Straight to pandas' text type (NA for missing): converted to pandas' default text type
    # first, then cast again, the columns cost twice as much (17 to 22 ms against 28 to 50
    # for the fault suite's answer of 15,550 rows); the frame is the same.
    frame = table.select(keep).to_pandas(types_mapper=ARROW_TEXT.get)
    frame.columns = [plan.mapping[n] for n in keep]
    for column in CANONICAL:
        if column not in frame.columns:
            frame[column] = ""
    return frame[list(CANONICAL)].astype("string").reset_index(drop=True)


def _check_last_field(frame: pd.DataFrame, plan: _Plan, url: str | None) -> None:
    """The last row's last field is a complete value of its column, where the column's
    values have a known shape (otherwise nothing can be proven and nothing is said)."""
    if not len(frame):
        return
    column = plan.mapping.get(plan.names[-1])
    shape = COMPLETE_LAST_FIELD.get(column or "")
    if shape is None:
        return
    last = str(frame[column].iloc[-1])
    if not shape.match(last):
        raise FingertipsTruncatedError(
            f"the CSV was cut short (its last field, {plan.names[-1]!r}, ends in {last[-20:]!r}, not a whole value)",
            url=url,
        )


def _file_head(path: Path) -> tuple[bytes, bool]:
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
        handle.seek(max(0, path.stat().st_size - 1))
        return head, handle.read(1) == b"\n"


def parse_data_csv_file(path: str | Path) -> ParsedCsv:
    """``parse_data_csv`` for a large extract on disk, without holding the raw bytes too.

    The checks that need the body (HTML, header, last line complete) read only its head
    and tail; the rows are parsed straight from the file.
    """
    file = Path(path)
    head, complete = _file_head(file)
    return parse_data_csv(head, url=str(file), source=file, ends_with_newline=complete)


def iter_data_csv_file(path: str | Path, block_size: int = 32 << 20) -> Iterator[pd.DataFrame]:
    """The rows of a large extract as canonical frames of about ``block_size`` bytes each,
    so that memory stays bounded whatever the size of the file."""
    file = Path(path)
    head, complete = _file_head(file)
    plan = _plan(head, str(file), complete)
    if isinstance(plan, ParsedCsv):
        return
    try:
        with pa_csv.open_csv(file, **_read_options(plan, block_size)) as reader:
            pending = None
            for batch in reader:
                if pending is not None:
                    yield pending
                pending = _canonical(batch, plan)
            if pending is not None:
                _check_last_field(pending, plan, str(file))
                yield pending
    except pa.ArrowInvalid as exc:
        raise FingertipsTruncatedError(f"the CSV is malformed or cut short: {str(exc)[:300]}", url=str(file)) from exc


def parse_data_csv(
    body: bytes, *, url: str | None = None, source: Path | None = None, ends_with_newline: bool | None = None
) -> ParsedCsv:
    """Parse an ``all_data`` CSV body into a canonical frame of text columns.

    An empty body, or a header with no rows, is a valid "no data" answer. Anything
    else that is not a complete CSV with the expected header is refused.
    """
    plan = _plan(body, url, ends_with_newline)
    if isinstance(plan, ParsedCsv):
        return plan
    try:
        table = pa_csv.read_csv(source if source is not None else io.BytesIO(body), **_read_options(plan))
    except pa.ArrowInvalid as exc:
        raise FingertipsTruncatedError(f"the CSV is malformed or cut short: {str(exc)[:300]}", url=url) from exc
    frame = _canonical(table, plan)
    _check_last_field(frame, plan, url)
    return ParsedCsv(frame, plan.header, plan.unknown, plan.missing_optional)


def _empty() -> ParsedCsv:
    frame = pd.DataFrame({c: pd.Series([], dtype="string") for c in CANONICAL})
    return ParsedCsv(frame, [], [], [])
