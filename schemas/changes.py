"""The ``changes`` table: what a publication changed in the region-wide table."""

from __future__ import annotations

from schemas.indicator_values import IN_UNIT, INDICATOR_VALUES, SEXES
from schemas.spec import FLOAT, NULLABLE_INT, TEXT, Column, RowRule, TableSpec

KINDS = ("new period", "added", "revised", "removed", "renamed column")


_key = INDICATOR_VALUES.column  # columns carried unchanged from indicator_values

CHANGES = TableSpec(
    name="changes",
    description=(
        "One row per change a publication made to the region-wide indicator_values table: a period not there "
        "before, a row added, a value revised (old and new exactly as published) or a row removed (and, once "
        "after an upgrade, a column renamed). A day's file "
        "holds every publication of that day, in order."
    ),
    columns=(
        Column(
            "change",
            TEXT,
            "What changed: new period, added, revised or removed; 'renamed column' (once, after an upgrade) "
            "when a column of the table was renamed, said in indicator_name.",
            allowed=KINDS,
        ),
        Column(
            "indicator_id",
            NULLABLE_INT,
            "Fingertips indicator id; empty on a 'renamed column' row (a change of the table, not of a value).",
            True,
            minimum=1,
            heading="Indicator ID",
            excel_format="0",
        ),
        _key("indicator_name"),
        Column("area_code", TEXT, "ONS area code of the changed row.", pattern=r"^(E\d{8})?$", heading="Area code"),
        _key("area_name"),
        Column("period", TEXT, "Time period label of the changed row, as served.", heading="Period"),
        Column("sex", TEXT, "Persons, Male or Female.", allowed=(*SEXES, ""), heading="Sex"),
        _key("age"),
        _key("category_type"),
        _key("category"),
        Column("old_value", FLOAT, "The value as published before; empty for an added row.", True, IN_UNIT),
        Column("new_value", FLOAT, "The value as published now; empty for a removed row.", True, IN_UNIT),
    ),
    # No key: two publications on one day can each revise the same row.
    row_rules=(
        RowRule(
            "row_named",
            "every change but a renamed column names its indicator, area, period and sex",
            lambda t: (
                (t["change"] == "renamed column")
                | (t["indicator_id"].notna() & (t["area_code"] != "") & (t["period"] != "") & (t["sex"] != ""))
            ),
        ),
    ),
)
