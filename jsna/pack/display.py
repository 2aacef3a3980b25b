"""How the pack *shows* a number: the indicator's display precision over the exact value.

Data files keep every digit. What a person reads (the report, the index, the workbook's
number formats) shows each value at the indicator's display precision: the rounding
Fingertips states in the indicator metadata (``Rounding``), else one decimal place.
Counts and denominators are whole numbers with thousands separators.
"""

from __future__ import annotations

import re

import pandas as pd

DEFAULT_DECIMALS = 1
MAX_DECIMALS = 4
_WORDS = {"zero": 0, "no": 0, "one": 1, "two": 2, "three": 3, "four": 4}
_DIGITS = re.compile(r"(\d+)\s*(?:decimal|d\.\s?p\b|dp\b)", re.I)
_WORDED = re.compile(r"\b(zero|no|one|two|three|four)\s+decimal", re.I)
_WHOLE = re.compile(r"whole number|nearest (?:whole|integer|unit)|\bintegers?\b", re.I)
# Units written straight after the number; others follow a space.
_TIGHT_UNITS = {"%"}
# Units that only name the kind of value ("34.30 score" reads wrongly): the number stands
# alone; the indicator's label and its unit column say what it is.
_NAMING_UNITS = {"score", "ratio", "index"}


def decimals_from_rounding(text: str | None) -> int:
    """Decimal places from Fingertips' free-text ``Rounding`` ("Rounded to 1 decimal place",
    "2 d.p.", "whole numbers" ...); one decimal place when it says nothing usable."""
    text = text or ""
    found = _DIGITS.search(text)
    if found:
        return min(int(found.group(1)), MAX_DECIMALS)
    worded = _WORDED.search(text)
    if worded:
        return _WORDS[worded.group(1).lower()]
    if _WHOLE.search(text):
        return 0
    return DEFAULT_DECIMALS


def decimals_by_indicator(metadata: pd.DataFrame) -> dict[int, int]:
    """Each indicator's display precision, from the rounding its metadata states (metadata
    stored before ``rounding`` was read has none: one decimal place)."""
    rounding = metadata["rounding"] if "rounding" in metadata else pd.Series("", index=metadata.index)
    return {int(i): decimals_from_rounding(r) for i, r in zip(metadata["indicator_id"], rounding, strict=True)}


def missing(value: object) -> bool:
    """None, NaN or pandas' NA: nothing to show."""
    return value is None or bool(pd.isna(value))


def number(value: object, decimals: int) -> str:
    """A value at display precision with thousands separators ("" when missing)."""
    if missing(value):
        return ""
    return f"{float(value):,.{int(decimals)}f}"


def whole(value: object) -> str:
    """A count or denominator: a whole number with thousands separators."""
    if missing(value):
        return ""
    return f"{float(value):,.0f}"


def with_unit(text: str, unit: str) -> str:
    """``12.3%``, ``512.0 per 100,000``, ``79.4 years``; a score alone (``34.30``)."""
    if not text or not unit or unit.strip().lower() in _NAMING_UNITS:
        return text
    return f"{text}{unit}" if unit in _TIGHT_UNITS else f"{text} {unit}"


def excel_format(decimals: int) -> str:
    """The Excel number format showing ``decimals`` places (the cell keeps the exact value)."""
    return "#,##0" if int(decimals) <= 0 else "#,##0." + "0" * int(decimals)
