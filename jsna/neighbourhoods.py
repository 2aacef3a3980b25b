"""Neighbourhoods (MSOAs) of the scope's councils: the served rows typed, with the
council's and England's values beside each, and comparisons computed the Fingertips way.

The rows come from the neighbourhoods' extract (``jsna.extracts``): Fingertips' MSOA
data with the councils' area type as parent, so each row's ``Parent Code`` is its
council. Nothing is aggregated or re-labelled here; the values are the served ones.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from jsna.areas import ENGLAND_CODE
from jsna.catalogue import Catalogue
from jsna.comparisons import compare_all
from jsna.tidy import TidyResult, add_comparators, tidy_areas
from schemas.neighbourhoods import NEIGHBOURHOOD_VALUES

RENAMED = {
    "region_code": "council_code",
    "region_name": "council_name",
    "region_value": "council_value",
    "compared_to_region": "compared_to_council",
}


def neighbourhood_codes(area_code: pd.Series, parent_code: pd.Series, council_codes: set[str]) -> set[str]:
    """The area codes of the rows ``tidy_neighbourhoods`` reads for these councils (their
    MSOAs, themselves and England), from an extract's two code columns: a step copies only
    these rows of a large extract."""
    mine = parent_code.isin(council_codes) & ~area_code.isin(council_codes)
    return set(area_code[mine]) | set(council_codes) | {ENGLAND_CODE, ""}


def tidy_neighbourhoods(
    raw: pd.DataFrame, metadata: pd.DataFrame, catalogue: Catalogue, council_codes: set[str]
) -> TidyResult:
    """The MSOA rows of these councils, typed in the ``neighbourhood_values`` columns
    (``problems`` and ``served`` keep the MSOA rows' index for the quarantine). The
    council's and England's values come only from their rows that parsed cleanly."""
    mine = raw[raw["parent_code"].isin(council_codes) & ~raw["area_code"].isin(council_codes)]
    parents = dict(zip(mine["area_code"], mine["parent_code"], strict=True))
    names = dict(zip(mine["parent_code"], mine["parent_name"].fillna(""), strict=True))
    for_msoas = dataclasses.replace(catalogue, indicators=catalogue.neighbourhoods)
    regions = parents | {code: code for code in council_codes} | {ENGLAND_CODE: ""}
    result = tidy_areas(raw, metadata, for_msoas, set(parents), regions, region_names=names)
    frame, served = result.frame, result.served
    msoa = frame["area_code"].isin(set(parents)).to_numpy()
    clean = ~frame.index.isin(result.problems.index)
    reference = frame[~msoa & clean]
    rows = add_comparators(frame[msoa], regions, reference, names).rename(columns=RENAMED)
    rows = with_computed_comparisons(rows)
    problems = result.problems[result.problems.index.isin(rows.index)]
    return TidyResult(frame=NEIGHBOURHOOD_VALUES.conform(rows), problems=problems, served=served[msoa])


def with_computed_comparisons(rows: pd.DataFrame) -> pd.DataFrame:
    """``computed_vs_england`` and ``computed_vs_council``: the 95% CI against each value."""
    return rows.assign(
        computed_vs_england=compare_all(rows, "england_value"),
        computed_vs_council=compare_all(rows, "council_value"),
    )
