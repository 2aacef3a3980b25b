"""The ``changes`` table: what a publication changed in the region-wide table."""

from __future__ import annotations

from schemas.indicator_values import IN_UNIT, INDICATOR_VALUES
from schemas.spec import FLOAT, TEXT, Column, TableSpec

KINDS = ("new period", "added", "revised", "removed")


_key = INDICATOR_VALUES.column  # columns carried unchanged from indicator_values

CHANGES = TableSpec(
    name="changes",
    description=(
        "One row per change a publication made to the region-wide indicator_values table: a period not there "
        "before, a row added, a value revised (old and new exactly as published) or a row removed. A day's file "
        "holds every publication of that day, in order."
    ),
    columns=(
        Column("change", TEXT, "What changed: new period, added, revised or removed.", allowed=KINDS),
        *(_key(n) for n in ("indicator_id", "indicator_name", "area_code", "area_name", "period", "sex", "age")),
        _key("category_type"),
        _key("category"),
        Column("old_value", FLOAT, "The value as published before; empty for an added row.", True, IN_UNIT),
        Column("new_value", FLOAT, "The value as published now; empty for a removed row.", True, IN_UNIT),
    ),
    # No key: two publications on one day can each revise the same row.
)
