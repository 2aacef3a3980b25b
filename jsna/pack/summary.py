"""An area at a glance: each indicator's latest headline value, with context.

One row per catalogue indicator (per sex where an indicator has no Persons value): the
latest period's headline value (Persons; the indicator's standard age), its 95% CI,
count, region and England values, the API's comparisons with England and the region,
the recent trend, the rank among the region's areas (1 = best by polarity) and the
region quintile. Where the API gives no comparison it is computed as Fingertips does
(the 95% CI against the comparator's value) and marked as computed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jsna.ages import standard_age
from jsna.catalogue import Catalogue
from jsna.comparisons import HIGH_IS_GOOD, LOW_IS_GOOD, compare_ci
from jsna.pack.display import DEFAULT_DECIMALS
from jsna.pack.findings import finding
from jsna.ranks import add_england_ranks
from schemas.summary import BEST_FIFTH, COMPUTED, FROM_FINGERTIPS, LOWEST_FIFTH, SUMMARY

SUMMARY_COLUMNS = list(SUMMARY.column_names)


def headline_latest(core: pd.DataFrame, catalogue: Catalogue, area_codes: list[str]) -> pd.DataFrame:
    """Latest headline rows (standard sex and age) of every indicator for these areas:
    Persons where served (else every sex), the catalogue's age band (else the widest), the
    latest period of those; by indicator in the order first served, each in the core's order.

    The choice is made on the few distinct (indicator, sex, age) of the rows, then the rows
    are kept by one lookup: an indicator at a time with pandas cost a millisecond each."""
    headline = core[(core["category"] == "") & core["area_code"].isin(area_codes)]
    by_id = catalogue.by_id()
    served: dict[object, list[tuple[object, object]]] = {}
    for iid, sex, age in headline[["indicator_id", "sex", "age"]].drop_duplicates().itertuples(index=False):
        served.setdefault(iid, []).append((sex, age))
    chosen = set()
    for iid, pairs in served.items():
        sexes = {"Persons"} if any(sex == "Persons" for sex, _ in pairs) else {sex for sex, _ in pairs}
        ages = sorted({age for sex, age in pairs if sex in sexes})
        age = standard_age(ages, by_id[iid].standard_age if iid in by_id else None)
        chosen.update((iid, sex, age) for sex in sexes)
    keys = zip(headline["indicator_id"], headline["sex"], headline["age"], strict=True)
    rows = headline[np.fromiter((key in chosen for key in keys), dtype=bool, count=len(headline))]
    latest = rows.groupby("indicator_id", sort=False)["period_sortable"].transform("max")
    rows = rows[rows["period_sortable"] == latest]
    first = {iid: n for n, iid in enumerate(served)}  # the order the indicators were first served
    order = np.argsort(rows["indicator_id"].map(first).to_numpy(), kind="stable")
    return rows.iloc[order].reset_index(drop=True)


def rank_areas(latest: pd.DataFrame) -> pd.DataFrame:
    """Rank among the areas of the same region (1 = best by polarity) and region quintile:
    one grouped rank for every indicator, sex and region at once."""
    out = latest.copy()
    groups = out.groupby(["indicator_id", "sex", "region_code"], sort=False)["value"]
    ascending = groups.rank(method="min", ascending=True)
    descending = groups.rank(method="min", ascending=False)
    count = groups.transform("count")
    low, high = out["polarity"] == LOW_IS_GOOD, out["polarity"] == HIGH_IS_GOOD
    ranked = out["value"].notna()
    # With no better or worse, the quintile is of the values from the lowest.
    ranks = pd.Series(np.where(low, ascending, np.where(high, descending, ascending)), index=out.index)
    out["rank"] = ranks.where(low | high)
    out["ranked_areas"] = count.where((low | high) & ranked).astype(float)
    out["region_quintile"] = np.ceil(ranks / count * 5).clip(1, 5).where(ranked)
    out["quintile_basis"] = np.where(ranked, np.where(low | high, BEST_FIFTH, LOWEST_FIFTH), "")
    return out


def area_summaries(
    core: pd.DataFrame,
    catalogue: Catalogue,
    area_codes: list[str],
    decimals: dict[int, int] | None = None,
    england: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The summary rows of every area at once (ranks need them all). ``decimals``: each
    indicator's display precision (from its metadata), for the finding sentences;
    ``england``: every area's headline values in England, for the England rank."""
    latest = add_england_ranks(rank_areas(headline_latest(core, catalogue, area_codes)), england)
    by_id = catalogue.by_id()
    latest["label"] = latest["indicator_id"].map(lambda i: by_id[i].label if i in by_id else "")
    source = []
    for row in latest.itertuples():
        computed = False
        for column, reference in (("compared_to_england", row.england_value), ("compared_to_region", row.region_value)):
            if getattr(row, column) == "":
                latest.at[row.Index, column] = compare_ci(
                    row.value, row.lower_ci_95, row.upper_ci_95, reference, row.polarity
                )
                # Without a comparator (an ICB has no region) nothing was computed: "Not compared".
                computed = computed or not pd.isna(reference)
        source.append(COMPUTED if computed else FROM_FINGERTIPS)
    latest["comparison_source"] = source
    latest["display_decimals"] = latest["indicator_id"].map(lambda i: (decimals or {}).get(i, DEFAULT_DECIMALS))
    latest["finding"] = [finding(row) for row in latest.to_dict("records")] if len(latest) else []
    order = {iid: n for n, iid in enumerate(catalogue.ids)}
    latest = latest.sort_values(
        ["area_code", "indicator_id"], key=lambda s: s.map(order) if s.name == "indicator_id" else s
    )
    return latest[["area_code", *SUMMARY_COLUMNS]].reset_index(drop=True)
