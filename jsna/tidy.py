"""Raw (text, as served) -> tidy typed rows for the region's areas and comparators.

Numbers are parsed from the served text with ``float()`` semantics, which keeps every
digit a double can hold; an empty cell stays missing (never 0). A cell that is not a
number is not coerced: the row is marked with a reason and quarantined by the core
asset, so a commissioner never sees a made-up value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jsna.areas import ENGLAND_CODE, Scope
from jsna.catalogue import Catalogue
from schemas.indicator_values import COLUMN_NAMES, FLOAT_COLUMNS, SERVED_NUMBERS, TEXT_COLUMNS
from schemas.spec import cast

COMPARATOR_KEY = ["indicator_id", "period", "sex", "age", "category_type", "category"]
# Control characters no spreadsheet or XML file can hold (tab, newline and CR are fine).
CONTROL_CHARACTERS = r"([\x00-\x08\x0b\x0c\x0e-\x1f\x7f])"
LABEL_COLUMNS = ("indicator_name", "area_name", "area_type", "period", "sex", "age", "category_type", "category")


@dataclass
class TidyResult:
    """Typed rows, the reason each bad row is bad, and the served text behind them."""

    frame: pd.DataFrame
    problems: pd.Series  # index -> reason, for rows whose served text is not usable
    served: pd.DataFrame  # the raw text rows, same index as frame


def tidy(raw: pd.DataFrame, metadata: pd.DataFrame, catalogue: Catalogue, scope: Scope) -> TidyResult:
    """Select the scope's areas and comparators, type the columns, join metadata."""
    codes = {a.code for a in scope.areas}
    return tidy_areas(raw, metadata, catalogue, codes, region_of(scope), region_names=region_names(scope))


def scope_codes(scope: Scope) -> set[str]:
    """The area codes whose rows ``tidy`` reads for the scope: its areas, their regions and
    England (a step can leave the rest of England's rows behind before it copies any)."""
    return {a.code for a in scope.areas} | set(region_of(scope).values()) | {ENGLAND_CODE}


def scope_comparators(frame: pd.DataFrame, scope: Scope) -> pd.DataFrame:
    """``add_comparators`` for the scope's areas, each against its own region."""
    return add_comparators(frame, region_of(scope), region_names=region_names(scope))


def region_names(scope: Scope) -> dict[str, str]:
    return {r.code: r.name for r in scope.regions}


def region_of(scope: Scope) -> dict[str, str]:
    """Area code -> the code of its region, for the region comparator: each council's own
    region, each region itself, and England's rows the scope's one region (none for England)."""
    mapping = {a.code: a.region_code for a in scope.areas} | {r.code: r.code for r in scope.regions}
    if scope.region_code:
        mapping[ENGLAND_CODE] = scope.region_code
    return mapping


def tidy_areas(
    raw: pd.DataFrame,
    metadata: pd.DataFrame,
    catalogue: Catalogue,
    area_codes: set[str],
    regions: str | dict[str, str],
    comparators: pd.DataFrame | None = None,
    region_names: dict[str, str] | None = None,
) -> TidyResult:
    """``tidy`` for any set of areas (e.g. all of England's, in the England-scale benchmark).

    ``comparators`` (England's and the region's typed rows) is given when ``raw`` is one
    batch of a larger extract, whose comparator rows may sit in another batch."""
    regions = _region_map(area_codes, regions)
    wanted = set(area_codes) | set(regions.values()) | {ENGLAND_CODE}
    keep = raw["area_code"].isin(wanted)
    # pandas copies on write: no defensive copy of a table that may hold millions of rows.
    served = (raw if bool(keep.all()) else raw[keep]).reset_index(drop=True)
    problems: dict[int, list[str]] = {}

    frame = pd.DataFrame(index=served.index)
    for column in ("indicator_id", "period_sortable"):
        numbers, bad = parse_numbers(served[column])
        bad = bad | numbers.isna().to_numpy() | (numbers % 1 != 0).to_numpy()
        for i in served.index[bad]:
            problems.setdefault(i, []).append(f"{column} is not a whole number ({served.at[i, column]!r})")
        frame[column] = numbers.where(~bad, 0).astype("int64")

    for column in SERVED_NUMBERS:
        numbers, bad = parse_numbers(served[column])
        for i in served.index[bad]:
            problems.setdefault(i, []).append(f"{column} is not a number ({served.at[i, column]!r})")
        for i in served.index[unrepresentable(served[column], numbers) & ~bad]:
            problems.setdefault(i, []).append(f"{column} is not a finite number ({served.at[i, column]!r})")
        frame[column] = numbers

    for column in LABEL_COLUMNS:
        frame[column] = served[column].fillna("").str.strip()
    for column in ("area_code", "value_note", "recent_trend", "compared_to_england", "compared_to_region"):
        frame[column] = served[column].fillna("").str.strip()
    for column in (*LABEL_COLUMNS, "area_code", "value_note", "recent_trend"):
        found = frame[column].str.extract(CONTROL_CHARACTERS, expand=False).dropna()
        for i, char in found.items():
            problems.setdefault(i, []).append(f"{column} holds a control character (U+{ord(char):04X})")

    domains = {i.id: i.domain for i in catalogue.indicators}
    frame["domain"] = frame["indicator_id"].map(domains).fillna("")
    meta = metadata.assign(indicator_id=metadata["indicator_id"].astype("int64")).set_index("indicator_id")
    for column in ("unit", "value_type", "polarity"):
        frame[column] = frame["indicator_id"].map(meta[column]).fillna("") if len(meta) else ""
    frame["source"] = served["source"]
    frame["retrieved_at"] = pd.to_datetime(served["retrieved_at"], utc=True).astype("datetime64[us, UTC]")

    frame = add_comparators(frame, regions, comparators, region_names)
    frame = frame[list(COLUMN_NAMES)]
    frame = cast(frame, {c: "string" for c in TEXT_COLUMNS} | {c: "float64" for c in FLOAT_COLUMNS})
    reasons = pd.Series({i: "; ".join(r) for i, r in problems.items()}, dtype="string")
    return TidyResult(frame=frame, problems=reasons, served=served)


def parse_numbers(text: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Served text -> float64 (empty stays missing), and which cells are not numbers.

    Arrow's cast is correctly rounded (every served digit a double can hold is kept) and
    fast; only when a column holds something that is not a number does the slower
    per-cell path run, to find exactly which cells.
    """
    values = pa.array(text.fillna(""), type=pa.string())
    empty = pc.equal(pc.utf8_trim_whitespace(values), "")
    as_null = pc.if_else(empty, pa.scalar(None, pa.string()), values)
    try:
        numbers = pc.cast(pc.utf8_trim_whitespace(as_null), pa.float64())
        return pd.Series(numbers.to_numpy(zero_copy_only=False), index=text.index, dtype="float64"), np.zeros(
            len(text), dtype=bool
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        stripped = text.fillna("").str.strip()
        parsed = pd.to_numeric(stripped.where(stripped != "", None), errors="coerce").astype("float64")
        return parsed, ((stripped != "") & parsed.isna()).to_numpy()


def unrepresentable(text: pd.Series, numbers: pd.Series) -> np.ndarray:
    """Served cells that parse to a number a double cannot hold: ``NaN``, infinities,
    overflow (``1e309`` becomes inf) and underflow (``1e-400`` becomes 0). Published,
    they would rank a borough first or last on a value nobody measured."""
    stripped = text.fillna("").str.strip()
    served = (stripped != "").to_numpy()
    values = numbers.to_numpy(dtype="float64", na_value=np.nan)
    bad = served & ~np.isfinite(values)
    zero = served & (values == 0)
    if zero.any():
        mantissa = stripped[zero].str.split(r"[eE]", n=1, regex=True).str[0]
        bad[np.flatnonzero(zero)] |= mantissa.str.contains("[1-9]", regex=True).to_numpy(dtype=bool)
    return bad


def _region_map(area_codes: set[str], regions: str | dict[str, str]) -> dict[str, str]:
    """A region code for every area (one region for all of them when given as a code)."""
    if isinstance(regions, str):
        return {code: regions for code in area_codes} | {regions: regions, ENGLAND_CODE: regions}
    return regions


def add_comparators(
    frame: pd.DataFrame,
    regions: str | dict[str, str],
    reference: pd.DataFrame | None = None,
    region_names: dict[str, str] | None = None,
) -> pd.DataFrame:
    """``england_value``, and the row's region (``region_code``, ``region_name``) with its
    ``region_value``: the comparator's value for the same key, looked up in ``reference``
    when given, else in ``frame`` itself. ``regions`` maps each area code to its region's
    code (or is one region's code); ``region_names`` names the regions."""
    source = frame if reference is None else reference
    mapping = _region_map(set(frame["area_code"].unique()), regions)
    out = frame.drop(columns=["england_value", "region_code", "region_name", "region_value"], errors="ignore")
    ref = source.loc[source["area_code"] == ENGLAND_CODE, [*COMPARATOR_KEY, "value"]]
    ref = ref.drop_duplicates(COMPARATOR_KEY, keep=False).rename(columns={"value": "england_value"})
    out = out.merge(ref, on=COMPARATOR_KEY, how="left", validate="many_to_one")
    region_codes = set(mapping.values())
    ref = source.loc[source["area_code"].isin(region_codes), ["area_code", *COMPARATOR_KEY, "value"]]
    ref = ref.drop_duplicates(["area_code", *COMPARATOR_KEY], keep=False)
    ref = ref.rename(columns={"area_code": "region_code", "value": "region_value"})
    out["region_code"] = out["area_code"].map(mapping).fillna("")
    names = region_names or {}
    out["region_name"] = [names.get(code, "") for code in out["region_code"]]
    out = out.merge(ref, on=["region_code", *COMPARATOR_KEY], how="left", validate="many_to_one")
    out.index = frame.index
    return out
