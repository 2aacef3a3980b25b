"""Each group Fingertips serves for an area, beside the group it is compared with.

The breakdowns are read from the council table's rows as served: Male and Female rows
(each against the other sex), age bands other than the headline one (against the
headline age), deprivation deciles or quintiles (against the least deprived group of
the same breakdown), ethnic groups and any other category (against the area's headline
row of the same sex and age). The comparison is Fingertips' own rule, two 95% intervals
that do not overlap, and is never made where either interval is missing: such a group is
"Not compared", with the reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jsna.ages import standard_age
from jsna.comparisons import HIGH_IS_GOOD, LOW_IS_GOOD
from jsna.inequalities.deprivation import deprivation_ranks, is_deprivation
from schemas.inequalities import INEQUALITIES, SIGNIFICANCE_RULE

SLOT = ["indicator_id", "area_code", "period"]
OTHER_SEX = {"Male": "Female", "Female": "Male"}
_REFERENCE_COLUMNS = {"value": "reference_value", "lower_ci_95": "reference_lower_ci_95",
                      "upper_ci_95": "reference_upper_ci_95", "group": "reference_group"}  # fmt: skip
OTHER_SEX_WORDS = "the other sex"
HEADLINE_AGE_WORDS = "the area's value at the headline age"
LEAST_DEPRIVED_WORDS = "the least deprived group of the same breakdown"
EVERYONE_WORDS = "the area's value for everyone (its headline row)"


def dimension_of(category_type: str) -> str:
    """What a served category type splits the population by."""
    if is_deprivation(category_type):
        return "Deprivation"
    if "ethnic" in category_type.lower():
        return "Ethnic group"
    return "Other"


def group_rows(core: pd.DataFrame, standard_ages: dict[int, str | None] | None = None) -> pd.DataFrame:
    """Every group row of the council table (areas, regions and England), in the
    ``inequalities`` spec's columns; ``standard_ages``: the catalogue's headline age per id."""
    headline = core[core["category"] == ""]
    parts = [_by_sex(headline), _by_age(headline, standard_ages or {}), _by_category(core, headline)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return INEQUALITIES.empty()
    rows = _compare(pd.concat(parts, ignore_index=True))
    rows["rank"] = rows.get("rank", pd.Series(pd.NA, index=rows.index)).fillna(0)  # most deprived first
    order = ["indicator_id", "area_code", "dimension", "category_type", "sex", "age", "period_sortable", "rank"]
    rows = rows.sort_values(order, kind="stable").reset_index(drop=True)
    return INEQUALITIES.conform(rows[list(INEQUALITIES.column_names)])


def _with_reference(groups: pd.DataFrame, reference: pd.DataFrame, on: list[str], words: str) -> pd.DataFrame:
    """The groups with their reference row's group, value and 95% limits beside them."""
    ref = reference[[*on, *_REFERENCE_COLUMNS]].rename(columns=_REFERENCE_COLUMNS)
    out = groups.merge(ref.drop_duplicates(on), on=on, how="left", validate="many_to_one")
    out["reference"] = words
    return out


def _by_sex(headline: pd.DataFrame) -> pd.DataFrame:
    rows = headline[headline["sex"].isin(list(OTHER_SEX))].copy()
    rows["dimension"], rows["group"] = "Sex", rows["sex"]
    rows["other_sex"] = rows["sex"].map(OTHER_SEX)
    ref = rows.drop(columns="other_sex").rename(columns={"sex": "other_sex"})
    out = _with_reference(rows, ref, [*SLOT, "age", "other_sex"], OTHER_SEX_WORDS)
    return out.drop(columns="other_sex")


def _by_age(headline: pd.DataFrame, standard_ages: dict[int, str | None]) -> pd.DataFrame:
    ages = headline.groupby("indicator_id")["age"].unique()
    several = {int(i): standard_age(sorted(a), standard_ages.get(int(i))) for i, a in ages.items() if len(a) > 1}
    if not several:
        return headline.iloc[0:0]
    rows = headline[headline["indicator_id"].isin(list(several))].copy()
    is_headline = rows["age"] == rows["indicator_id"].map(several)
    groups, ref = rows[~is_headline].copy(), rows[is_headline].copy()
    groups["dimension"], groups["group"] = "Age", groups["age"]
    ref["group"] = ref["age"]
    return _with_reference(groups, ref, [*SLOT, "sex"], HEADLINE_AGE_WORDS)


def _by_category(core: pd.DataFrame, headline: pd.DataFrame) -> pd.DataFrame:
    rows = core[core["category"] != ""].copy()
    if not len(rows):
        return rows
    rows["dimension"] = rows["category_type"].map(dimension_of)
    rows["group"] = rows["category"]
    deprived = rows[rows["dimension"] == "Deprivation"].copy()
    others = rows[rows["dimension"] != "Deprivation"]
    keys = [*SLOT, "sex", "age", "category_type"]
    deprived["rank"] = deprivation_ranks(deprived, keys)
    size = deprived.groupby(keys, dropna=False)["rank"].transform("count")
    least = deprived[deprived["rank"] == size]
    parts = [_with_reference(deprived, least, keys, LEAST_DEPRIVED_WORDS)]
    everyone = headline.assign(group="Everyone")
    parts.append(_with_reference(others, everyone, [*SLOT, "sex", "age"], EVERYONE_WORDS))
    return pd.concat([p for p in parts if len(p)], ignore_index=True)


def _compare(rows: pd.DataFrame) -> pd.DataFrame:
    """Gap, ratio, the significance by non-overlapping 95% intervals, and why not compared."""
    value, ref = rows["value"], rows["reference_value"]
    rows["gap"] = value - ref
    rows["ratio"] = (value / ref.where(ref != 0)).astype("float64")
    lower, upper = rows["lower_ci_95"], rows["upper_ci_95"]
    ref_lower, ref_upper = rows["reference_lower_ci_95"], rows["reference_upper_ci_95"]
    intervals = (lower.notna() & upper.notna() & ref_lower.notna() & ref_upper.notna()).to_numpy(bool)
    itself = _flags(rows["reference_group"].eq(rows["group"]) & (rows["reference"] == LEAST_DEPRIVED_WORDS))
    difference = np.select(
        [itself, ~intervals, _flags(lower > ref_upper), _flags(upper < ref_lower)],
        ["Reference group", "Not compared", "Higher", "Lower"],
        "Similar",
    )
    rows["difference"] = difference
    rows["significance_rule"] = SIGNIFICANCE_RULE
    rows["not_compared_reason"] = np.select(
        [
            difference != "Not compared",
            _flags(ref.isna() & rows["reference_group"].isna()),
            _flags(value.isna()),
            _flags(ref.isna()),
            _flags(lower.isna() | upper.isna()),
        ],
        ["", "no reference row served", "no value served for the group", "no value served for the reference",
         "no 95% interval served for the group"],
        "no 95% interval served for the reference",
    )  # fmt: skip
    low, high = rows["polarity"] == LOW_IS_GOOD, rows["polarity"] == HIGH_IS_GOOD
    low, high = _flags(low), _flags(high)
    worse = ((difference == "Higher") & low) | ((difference == "Lower") & high)
    better = ((difference == "Lower") & low) | ((difference == "Higher") & high)
    rows["judgement"] = np.select([worse, better], ["Worse", "Better"], "")
    rows["reference_group"] = rows["reference_group"].fillna("")
    for column in ("dimension", "group", "reference", "reference_group", "difference", "judgement",
                   "significance_rule", "not_compared_reason"):  # fmt: skip
        rows[column] = rows[column].astype("string")
    return rows


def _flags(condition: pd.Series) -> np.ndarray:
    """A condition as plain booleans (a missing value is False): what ``np.select`` takes."""
    return condition.fillna(False).to_numpy(bool)
