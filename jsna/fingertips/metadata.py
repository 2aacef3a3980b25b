"""Parse the indicator metadata CSV (``indicator_metadata/csv/by_indicator_id``).

The file has about 32 columns of free text; the pipeline needs a handful of them
(name, definition, unit, value type, year type, polarity, data source, frequency) and
keeps the rest under snake_case names for the data dictionary.
"""

from __future__ import annotations

import io
import re

import pandas as pd

from jsna.fingertips.errors import FingertipsResponseError

METADATA_COLUMNS: dict[str, str] = {
    "Indicator ID": "indicator_id",
    "Indicator": "indicator_name",
    "Definition": "definition",
    "Rationale": "rationale",
    "Data source": "data_source",
    "Frequency": "frequency",
    "Rounding": "rounding",
    "Unit": "unit",
    "Value type": "value_type",
    "Year type": "year_type",
    "Polarity": "polarity",
}
METADATA_REQUIRED = ("indicator_id", "indicator_name")


def snake(name: str) -> str:
    """``Definition of numerator`` -> ``definition_of_numerator``."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def parse_metadata_csv(body: bytes, *, url: str | None = None) -> pd.DataFrame:
    """Metadata rows as text, with the key columns under canonical names."""
    if body.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    if not body.strip():
        return pd.DataFrame({c: pd.Series([], dtype="string") for c in METADATA_COLUMNS.values()})
    try:
        frame = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False, na_values=[], encoding="utf-8")
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise FingertipsResponseError(f"indicator metadata CSV is malformed: {exc}", url=url) from exc
    frame.columns = [METADATA_COLUMNS.get(c.strip(), snake(c)) for c in frame.columns]
    missing = [c for c in METADATA_REQUIRED if c not in frame.columns]
    if missing:
        raise FingertipsResponseError(f"unexpected indicator metadata header: missing {', '.join(missing)}", url=url)
    for column in METADATA_COLUMNS.values():
        if column not in frame.columns:
            frame[column] = ""
    frame = frame.loc[:, ~frame.columns.duplicated()]
    if not frame["indicator_id"].str.fullmatch(r"\d+").all():
        raise FingertipsResponseError("indicator metadata has a non-numeric Indicator ID", url=url)
    return frame.astype("string").reset_index(drop=True)
