"""The ``neighbourhood_values`` table: every MSOA value of a council, as served, with the
council's and England's values beside it and comparisons computed the Fingertips way."""

from __future__ import annotations

from schemas.indicator_values import AREA_CODE, COMPARISON, IN_UNIT, INDICATOR_VALUES
from schemas.spec import FLOAT, TEXT, Column, TableSpec

COMPUTED_NOTE = "computed by this pipeline, not served: the 95% CI against the comparator's value, by polarity"
_REGION_COLUMNS = ("region_code", "region_name", "region_value", "compared_to_region")
_COUNCIL = (
    Column("council_code", TEXT, "The MSOA's council (the Parent Code served), whose value is council_value.",
           pattern=AREA_CODE),
    Column("council_name", TEXT, "The council's name as served."),
    Column("council_value", FLOAT, "The council's value for the same indicator, period, sex, age, category.",
           True, IN_UNIT),
)  # fmt: skip


def _columns() -> tuple[Column, ...]:
    out: list[Column] = []
    for column in INDICATOR_VALUES.columns:
        if column.name == "area_code":
            out.append(Column("area_code", TEXT, "ONS MSOA code (E02...).", pattern=AREA_CODE, heading="Area code"))
        elif column.name == "compared_to_region":
            out.append(
                Column(
                    "compared_to_council",
                    TEXT,
                    "Fingertips' comparison with the parent (the council), as served.",
                    pattern=COMPARISON,
                )  # fmt: skip
            )
        elif column.name == "region_code":
            out += _COUNCIL
        elif column.name not in _REGION_COLUMNS:
            out.append(column)
    out += [
        Column("computed_vs_england", TEXT, f"Comparison with England, {COMPUTED_NOTE}.", pattern=COMPARISON),
        Column("computed_vs_council", TEXT, f"Comparison with the council, {COMPUTED_NOTE}.", pattern=COMPARISON),
    ]
    return tuple(out)


NEIGHBOURHOOD_VALUES = TableSpec(
    name="neighbourhood_values",
    description=(
        "Every neighbourhood (MSOA) value of a council: one row per MSOA, indicator, period, sex, age and category, "
        "exactly as Fingertips serves it at MSOA level with the council as parent, with the council's and "
        "England's values beside each row and comparisons with both computed the Fingertips way."
    ),
    columns=_columns(),
    primary_key=INDICATOR_VALUES.primary_key,
    row_rules=INDICATOR_VALUES.row_rules,
)
