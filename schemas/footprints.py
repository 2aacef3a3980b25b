"""The ``footprint_values`` table: a custom footprint's values, computed from its members'
counts and denominators, in the columns of an area's ``indicator_values`` table."""

from __future__ import annotations

from schemas.indicator_values import COMPARISON, INDICATOR_VALUES
from schemas.neighbourhoods import COMPUTED_NOTE
from schemas.spec import INT, TEXT, Column, TableSpec

FOOTPRINT_SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_OWN = {
    "area_code": Column(
        "area_code",
        TEXT,
        "The footprint's slug (a footprint has no ONS code).",
        pattern=FOOTPRINT_SLUG,
        heading="Area code",
    ),
    "area_name": Column("area_name", TEXT, "The footprint's name, from the footprints file.", heading="Area"),
    "area_type": Column(
        "area_type", TEXT, "Custom footprint of councils, or of neighbourhoods (MSOAs).", heading="Area type"
    ),
    "value_note": Column(
        "value_note",
        TEXT,
        "How the value was computed, or why it is empty (an indicator that cannot be combined exactly, a member "
        "without a count or denominator, a member without the period).",
        heading="Value note",
    ),
    "recent_trend": INDICATOR_VALUES.column("recent_trend"),
    "compared_to_england": Column(
        "compared_to_england",
        TEXT,
        f"Comparison with England, {COMPUTED_NOTE}.",
        pattern=COMPARISON,
        heading="Compared with England",
    ),
}

FOOTPRINT_VALUES = TableSpec(
    name="footprint_values",
    description=(
        "A custom footprint's values: one row per indicator, period, sex, age and category its members are served "
        "with, computed from the members' summed counts and denominators (proportions with Wilson score intervals, "
        "crude rates with Byar's method or the exact Poisson interval under 10 events, 95% and 99.8%). Indicators "
        "that cannot be combined exactly are empty with the reason in value_note; nothing is averaged. The region "
        "columns are empty (a footprint may span regions)."
    ),
    columns=(
        *(_OWN.get(c.name, c) for c in INDICATOR_VALUES.columns),
        Column("members", INT, "How many of the footprint's members are summed in this row.", minimum=0),
        Column("method", TEXT, "The method of the value and its confidence limits; empty where not combined."),
    ),
    primary_key=INDICATOR_VALUES.primary_key,
    row_rules=INDICATOR_VALUES.row_rules,
)
