"""What changed between two publications of the region-wide table.

After every update the first question is "what is new?". The answer is a row per
change: a period that was not there before, a row added, a value revised (old -> new,
both exactly as published) or a row removed.
"""

from __future__ import annotations

import pandas as pd

from schemas.indicator_values import ROW_KEY

CHANGE_COLUMNS = [
    "change", "indicator_id", "indicator_name", "area_code", "area_name", "period", "sex", "age",
    "category_type", "category", "old_value", "new_value",
]  # fmt: skip


# Columns renamed in an upgrade: old name -> (new name, what to tell readers).
RENAMED = {
    "london_value": (
        "region_value",
        "london_value is now region_value (each area's own region's value), with region_code and region_name "
        "beside it; the values are unchanged",
    ),
}


def renamed_columns(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """One 'renamed column' row per column an upgrade renamed (the first publication after it)."""
    said = [text for name, (now, text) in RENAMED.items() if name in old.columns and now in new.columns]
    rows = pd.DataFrame({c: [""] * len(said) for c in CHANGE_COLUMNS})
    rows["change"] = "renamed column"
    rows["indicator_name"] = said
    rows["indicator_id"] = pd.array([pd.NA] * len(said), dtype="Int64")
    for column in ("old_value", "new_value"):
        rows[column] = float("nan")
    return rows


def compare(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Changes from ``old`` to ``new`` (both ``indicator_values`` tables). Rows are matched
    by their key and only values are compared, so a renamed column revises nothing."""
    key = list(ROW_KEY)
    left = old[[*key, "indicator_name", "area_name", "value"]].rename(columns={"value": "old_value"})
    right = new[[*key, "indicator_name", "area_name", "value"]].rename(columns={"value": "new_value"})
    merged = left.merge(right, on=key, how="outer", suffixes=("_old", "_new"), indicator=True)
    merged["indicator_name"] = merged["indicator_name_new"].fillna(merged["indicator_name_old"])
    merged["area_name"] = merged["area_name_new"].fillna(merged["area_name_old"])
    old_periods = set(zip(old["indicator_id"], old["period"], strict=True))

    added = merged["_merge"] == "right_only"
    removed = merged["_merge"] == "left_only"
    both = merged["_merge"] == "both"
    revised = both & ~(
        (merged["old_value"] == merged["new_value"]) | (merged["old_value"].isna() & merged["new_value"].isna())
    )
    new_period = added & ~pd.Series(
        [(i, p) in old_periods for i, p in zip(merged["indicator_id"], merged["period"], strict=True)],
        index=merged.index,
    )
    merged["change"] = ""
    merged.loc[added, "change"] = "added"
    merged.loc[new_period, "change"] = "new period"
    merged.loc[removed, "change"] = "removed"
    merged.loc[revised.fillna(False), "change"] = "revised"
    changes = merged[merged["change"] != ""][CHANGE_COLUMNS]
    changes = changes.sort_values(["change", "indicator_id", "area_code", "period"], kind="stable")
    renamed = renamed_columns(old, new)
    if renamed.empty:
        return changes.reset_index(drop=True)
    changes = changes.astype({"indicator_id": "Int64"})
    return pd.concat([renamed, changes], ignore_index=True)


def summary(changes: pd.DataFrame) -> pd.DataFrame:
    """Counts per indicator and kind of change, for the UI."""
    if changes.empty:
        return pd.DataFrame(columns=["indicator_id", "indicator_name", "change", "rows"])
    grouped = changes.groupby(["indicator_id", "indicator_name", "change"], as_index=False).size()
    return grouped.rename(columns={"size": "rows"})
