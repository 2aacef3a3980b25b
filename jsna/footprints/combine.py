"""A footprint's values, from its members' counts and denominators.

For each indicator, period, sex, age and category the members are served with, the
members' counts and denominators are summed and the value computed again with the
method public health analysts use for its value type (``jsna.footprints.methods``):
proportions with Wilson score intervals, crude rates with Byar's method (exact Poisson
below 10 events), at 95% and 99.8%. Anything else (directly or indirectly standardised
rates, ratios, scores, life expectancy) cannot be combined exactly from what Fingertips
serves: it is published empty with the reason, never averaged. So is a row where a
member has no count or denominator, or no row at all.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from jsna.comparisons import compare_all
from jsna.extracts import COUNCILS
from jsna.footprints.config import Footprint
from jsna.footprints.methods import LEVELS, crude_rate, proportion
from schemas.footprints import FOOTPRINT_VALUES
from schemas.indicator_values import ROW_KEY

KEY = [c for c in ROW_KEY if c != "area_code"]
PROPORTION, CRUDE_RATE = "Proportion", "Crude rate"
METHODS = {
    PROPORTION: "Wilson score interval (statsmodels proportion_confint), 95% and 99.8%",
    CRUDE_RATE: "Byar's method, exact Poisson below 10 events (scipy), 95% and 99.8%",
}
AREA_TYPES = {COUNCILS: "Custom footprint of councils", "neighbourhoods": "Custom footprint of neighbourhoods (MSOAs)"}
LABELS = ("indicator_name", "domain", "unit", "value_type", "polarity", "period_sortable")


def multiplier(unit: str, value_type: str) -> float | None:
    """The indicator's scale from its unit: ``%`` is 100, ``per 100,000`` is 100,000."""
    if unit.strip() == "%":
        return 100.0
    found = re.fullmatch(r"per\s+([\d,]+)", unit.strip())
    if found:
        return float(found.group(1).replace(",", ""))
    return 100.0 if value_type == PROPORTION and unit.strip() in ("", "proportion") else None


def combine(members: pd.DataFrame, footprint: Footprint) -> pd.DataFrame:
    """The footprint's rows (``footprint_values`` columns) from its members' typed rows
    (``area_code``, the row key, value, count, denominator, england_value, the labels
    and metadata columns, source and retrieved_at)."""
    mine = members[members["area_code"].isin(footprint.members)]
    rows = []
    for key, group in mine.groupby(KEY, sort=True, dropna=False):
        first = group.iloc[0]
        row = dict(zip(KEY, key, strict=True)) | {c: first[c] for c in LABELS}
        row |= {
            "area_code": footprint.slug,
            "area_name": footprint.name,
            "area_type": AREA_TYPES[footprint.kind],
            "england_value": first["england_value"],
            "source": group["source"].max(),
            "retrieved_at": group["retrieved_at"].max(),
            "members": len(group),
        }
        row |= _values(group, footprint, str(first["value_type"]), str(first["unit"]))
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return FOOTPRINT_VALUES.conform(
            pd.DataFrame({c: pd.Series(dtype="object") for c in FOOTPRINT_VALUES.column_names})
        )
    for column in ("recent_trend", "compared_to_region", "region_code", "region_name"):
        frame[column] = ""
    frame["region_value"] = np.nan
    frame["compared_to_england"] = compare_all(frame, "england_value")
    return FOOTPRINT_VALUES.conform(frame)


def _values(group: pd.DataFrame, footprint: Footprint, value_type: str, unit: str) -> dict[str, object]:
    """The value, limits, count, denominator, note and method of one combined row."""
    empty: dict[str, object] = {c: np.nan for c in ("value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8",
                                                     "upper_ci_99_8", "count", "denominator")}  # fmt: skip
    empty["method"] = ""
    missing = [c for c in footprint.members if c not in set(group["area_code"])]
    scale = multiplier(unit, value_type)
    if value_type not in METHODS or scale is None:
        what = value_type or "unknown"
        reason = (
            f"Not combined: this value type ({what}) cannot be combined exactly from members' counts and "
            "denominators (it would need each member's underlying data); not averaged"
        )
        return empty | {"value_note": reason}
    if missing:
        return empty | {"value_note": f"Not combined: no value served for {', '.join(missing)} in this period"}
    lacking = group.loc[group["count"].isna() | group["denominator"].isna(), "area_code"].tolist()
    if lacking:
        return empty | {"value_note": f"Not combined: no count or denominator for {', '.join(lacking)}"}
    count, denominator = float(group["count"].sum()), float(group["denominator"].sum())
    compute = proportion if value_type == PROPORTION else crude_rate
    try:
        at = {level: compute(count, denominator, level, scale) for level in LEVELS}
    except ValueError as exc:
        return empty | {"value_note": f"Not combined: {exc}"}
    low, high = at[0.95], at[0.998]
    return {
        "value": low.value,
        "lower_ci_95": low.lower,
        "upper_ci_95": low.upper,
        "lower_ci_99_8": high.lower,
        "upper_ci_99_8": high.upper,
        "count": count,
        "denominator": denominator,
        "value_note": f"Computed from {len(group)} members' summed counts and denominators",
        "method": METHODS[value_type],
    }
