"""The Markdown preview of a table that the Dagster UI shows: each indicator's latest
headline value (plain pandas; tabulate renders it)."""

from __future__ import annotations

import pandas as pd


def latest_headlines(frame: pd.DataFrame) -> pd.DataFrame:
    """Each indicator's latest headline value (no category; Persons where served)."""
    if frame.empty:
        return frame
    headline = frame[frame["category"] == ""].copy()
    headline["_persons"] = headline["sex"] != "Persons"
    headline = headline.sort_values(
        ["indicator_id", "_persons", "period_sortable", "age"], ascending=[True, True, False, True]
    )
    return headline.drop_duplicates("indicator_id").drop(columns="_persons")


def preview_markdown(frame: pd.DataFrame, limit: int = 60) -> str:
    """A Markdown table of the latest headline values, for the UI."""
    latest = latest_headlines(frame)
    if latest.empty:
        return "_no rows_"
    view = latest[
        [
            "domain",
            "indicator_name",
            "period",
            "sex",
            "age",
            "value",
            "unit",
            "region_value",
            "england_value",
            "compared_to_england",
        ]
    ].head(limit)
    view = view.assign(indicator_name=view["indicator_name"].str.slice(0, 60))
    return view.to_markdown(index=False)
