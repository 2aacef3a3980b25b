"""Fingertips' comparison of a value with a comparator, computed where it is not served.

The 95% confidence interval against the comparator's value: above it is higher, below
it lower, overlapping it similar; higher and lower become better or worse by the
indicator's polarity. Used for the summary (where the API gives no comparison), the
neighbourhoods and the footprints, and always marked as computed where it is published.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LOW_IS_GOOD, HIGH_IS_GOOD = "RAG - Low is good", "RAG - High is good"
NOT_COMPARED = "Not compared"


def compare_ci(value: float, lower: float, upper: float, reference: float, polarity: str) -> str:
    """One comparison: the 95% CI against the comparator's value."""
    if any(pd.isna(x) for x in (value, lower, upper, reference)):
        return NOT_COMPARED
    if lower > reference:
        side = "higher"
    elif upper < reference:
        side = "lower"
    else:
        return "Similar"
    if polarity == LOW_IS_GOOD:
        return "Worse" if side == "higher" else "Better"
    if polarity == HIGH_IS_GOOD:
        return "Better" if side == "higher" else "Worse"
    return "Higher" if side == "higher" else "Lower"


def compare_all(rows: pd.DataFrame, reference: str) -> pd.Series:
    """``compare_ci`` for every row against the column ``reference``, at once."""
    value, lower, upper, ref = (rows[c].to_numpy(dtype="float64", na_value=np.nan) for c in
                                ("value", "lower_ci_95", "upper_ci_95", reference))  # fmt: skip
    polarity = rows["polarity"].astype(str).to_numpy()
    missing = np.isnan(value) | np.isnan(lower) | np.isnan(upper) | np.isnan(ref)
    with np.errstate(invalid="ignore"):
        higher, lower_side = lower > ref, upper < ref
    low, high = polarity == LOW_IS_GOOD, polarity == HIGH_IS_GOOD
    higher_word = np.where(low, "Worse", np.where(high, "Better", "Higher"))
    lower_word = np.where(low, "Better", np.where(high, "Worse", "Lower"))
    words = np.where(higher, higher_word, np.where(lower_side, lower_word, "Similar"))
    return pd.Series(np.where(missing, NOT_COMPARED, words), index=rows.index, dtype="string")
