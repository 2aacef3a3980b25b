"""Deprivation groups in order, from their served labels.

Fingertips labels deciles and quintiles from each end: ``Most deprived decile (IMD2019)``,
``Second most deprived decile``, ``Third more deprived decile`` ... ``Fifth less deprived
decile``, ``Second least deprived decile``, ``Least deprived decile``. The rank counts
from the most deprived group (1) to the least (the number of groups). A label that does
not read this way is not ranked (and the breakdown gets no gradient, saying why).
"""

from __future__ import annotations

import re

import pandas as pd

ORDINALS = {"": 1, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
            "eighth": 8, "ninth": 9, "tenth": 10, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5}  # fmt: skip
_LABEL = re.compile(
    r"^\s*(?:(?P<ordinal>\w+)\s+)?(?P<end>most|more|least|less)\s+deprived\s+(?:decile|quintile|quartile|tercile)",
    re.IGNORECASE,
)


def is_deprivation(category_type: str) -> bool:
    return "deprivation" in category_type.lower() or "imd" in category_type.lower()


def rank_from_most_deprived(label: str, groups: int) -> int | None:
    """1 for the most deprived of ``groups`` groups ... ``groups`` for the least; None
    when the label does not say where it stands."""
    found = _LABEL.match(label)
    if not found:
        return None
    ordinal = ORDINALS.get((found.group("ordinal") or "").lower())
    if ordinal is None or ordinal > groups:
        return None
    from_most = found.group("end").lower() in ("most", "more")
    return ordinal if from_most else groups + 1 - ordinal


def deprivation_ranks(rows: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Each row's rank within its breakdown (the rows sharing ``keys``), counted among the
    breakdown's groups; missing (NA) where a label cannot be ranked or two share a rank."""
    sizes = rows.groupby(keys, dropna=False)["category"].transform("nunique")
    ranks = pd.Series(
        [rank_from_most_deprived(c, int(n)) for c, n in zip(rows["category"], sizes, strict=True)],
        index=rows.index,
        dtype="Int64",
    )
    shared = rows[keys].assign(_rank=ranks).duplicated(keep=False) & ranks.notna()
    clash = shared.groupby([rows[k] for k in keys], dropna=False).transform("any")
    return ranks.mask(clash.astype(bool))
