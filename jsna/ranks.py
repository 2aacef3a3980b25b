"""Where an area stands in England: its rank and quintile among every area of its type.

The data request asks for every area in England (no ``parent_area_code``: the API serves
every child of the area type in one answer), so a London borough can be ranked among all
upper-tier areas without a second request. Only the latest headline values are needed;
they are read from the served text the same exact way the published values are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jsna.tidy import parse_numbers

HIGH_IS_GOOD, LOW_IS_GOOD = "RAG - High is good", "RAG - Low is good"
KEY = ["indicator_id", "period_sortable", "sex", "age"]
SERVED_COLUMNS = ["category", "area_code", "indicator_id", "period_sortable", "value", "sex", "age"]  # what is read
RANK_COLUMNS = ["england_rank", "england_ranked_areas", "england_quintile"]


def england_headline(raw: pd.DataFrame, metadata: pd.DataFrame, area_codes: set[str]) -> pd.DataFrame:
    """Headline values of every area of the type in England (``area_codes``), typed, with
    each indicator's polarity. A cell that is not a finite number is left out here (it is
    not published from this table, only ranked against)."""
    served = raw[(raw["category"].fillna("") == "") & raw["area_code"].isin(area_codes)]
    frame = pd.DataFrame({"area_code": served["area_code"].astype("string").to_numpy()})
    for column in ("indicator_id", "period_sortable", "value"):
        numbers, bad = parse_numbers(served[column].reset_index(drop=True))
        numbers[bad] = np.nan
        frame[column] = numbers.to_numpy()
    frame["sex"] = served["sex"].fillna("").str.strip().to_numpy()
    frame["age"] = served["age"].fillna("").str.strip().to_numpy()
    frame = frame[np.isfinite(frame["value"]) & frame["indicator_id"].notna() & frame["period_sortable"].notna()]
    frame = frame.astype({"indicator_id": "int64", "period_sortable": "int64"})
    polarity = dict(zip(metadata["indicator_id"].astype("int64"), metadata["polarity"].fillna(""), strict=True))
    frame["polarity"] = frame["indicator_id"].map(polarity).fillna("")
    return frame.drop_duplicates([*KEY, "area_code"], keep=False).reset_index(drop=True)


def england_ranks(england: pd.DataFrame) -> pd.DataFrame:
    """Rank (1 = best by polarity), areas ranked and quintile (1 = the best fifth) of every
    area for every key; all three empty where the indicator has no better or worse."""
    groups = england.groupby(KEY, sort=False)["value"]
    ascending = groups.rank(method="min", ascending=True)
    descending = groups.rank(method="min", ascending=False)
    count = groups.transform("count")
    low, high = england["polarity"] == LOW_IS_GOOD, england["polarity"] == HIGH_IS_GOOD
    rank = pd.Series(np.where(low, ascending, np.where(high, descending, np.nan)), index=england.index)
    out = england[[*KEY, "area_code"]].copy()
    out["england_rank"] = rank.astype("Int64")
    out["england_ranked_areas"] = count.where(low | high).astype("Int64")
    out["england_quintile"] = np.ceil(rank / count * 5).clip(1, 5).astype("Int64")
    return out


def add_england_ranks(latest: pd.DataFrame, england: pd.DataFrame | None) -> pd.DataFrame:
    """The summary rows with their England rank, areas ranked and quintile (empty when
    England's areas are not at hand, or the area has no value)."""
    if england is None or england.empty:
        return latest.assign(**{c: pd.array([pd.NA] * len(latest), dtype="Int64") for c in RANK_COLUMNS})
    ranks = england_ranks(england)
    keyed = latest[[*KEY, "area_code"]].astype({"indicator_id": "int64", "period_sortable": "int64"})
    found = keyed.merge(ranks, on=[*KEY, "area_code"], how="left", validate="many_to_one")
    out = latest.copy()
    for column in RANK_COLUMNS:
        out[column] = found[column].to_numpy()
        out[column] = out[column].astype("Int64")
    return out
