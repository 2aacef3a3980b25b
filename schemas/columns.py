"""Every column of the published ``indicator_values`` table, described once.

The pandera schema, the data dictionary and the column schema shown in the Dagster UI
are all generated from this list, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

TEXT, INT, FLOAT, TIMESTAMP = "string", "int64", "float64", "timestamp[UTC]"


@dataclass(frozen=True)
class ColumnSpec:
    """One published column: name, storage type, whether it may be missing, meaning."""

    name: str
    type: str
    description: str
    nullable: bool = False


INDICATOR_VALUES: tuple[ColumnSpec, ...] = (
    ColumnSpec("indicator_id", INT, "Fingertips indicator id."),
    ColumnSpec("indicator_name", TEXT, "Indicator name as served by Fingertips."),
    ColumnSpec("domain", TEXT, "JSNA domain from the project's indicator catalogue."),
    ColumnSpec("area_code", TEXT, "ONS area code (E09... borough, E12... region, E92000001 England)."),
    ColumnSpec("area_name", TEXT, "Area name as served."),
    ColumnSpec("area_type", TEXT, "Area type as served (England, Region, Counties & UAs ...)."),
    ColumnSpec("period", TEXT, "Time period label exactly as served (2023/24, 2021 - 23, 2024 Q3 ...)."),
    ColumnSpec("period_sortable", INT, "Fingertips' sortable period number (e.g. 20230000)."),
    ColumnSpec("sex", TEXT, "Persons, Male or Female."),
    ColumnSpec("age", TEXT, "Age band as served (All ages, 18+ yrs ...)."),
    ColumnSpec("category_type", TEXT, "Inequality breakdown type; empty for the headline value."),
    ColumnSpec("category", TEXT, "Inequality breakdown category; empty for the headline value."),
    ColumnSpec("value", FLOAT, "The indicator value, full precision; empty when suppressed or missing.", True),
    ColumnSpec("lower_ci_95", FLOAT, "Lower 95% confidence limit; empty when not given.", True),
    ColumnSpec("upper_ci_95", FLOAT, "Upper 95% confidence limit; empty when not given.", True),
    ColumnSpec("lower_ci_99_8", FLOAT, "Lower 99.8% confidence limit; empty when not given.", True),
    ColumnSpec("upper_ci_99_8", FLOAT, "Upper 99.8% confidence limit; empty when not given.", True),
    ColumnSpec("count", FLOAT, "Numerator count; empty when not given or suppressed.", True),
    ColumnSpec("denominator", FLOAT, "Denominator; empty when not given or suppressed.", True),
    ColumnSpec("value_note", TEXT, "Fingertips value note (e.g. why a value is suppressed)."),
    ColumnSpec("recent_trend", TEXT, "Fingertips recent trend, as served."),
    ColumnSpec("compared_to_england", TEXT, "Fingertips comparison with England (Better/Similar/Worse ...)."),
    ColumnSpec("compared_to_region", TEXT, "Fingertips comparison with the region (parent area)."),
    ColumnSpec("england_value", FLOAT, "England's value for the same indicator, period, sex, age, category.", True),
    ColumnSpec(
        "london_value", FLOAT, "The region's (London's) value for the same indicator, period, sex, age, category.", True
    ),
    ColumnSpec("unit", TEXT, "Unit from the indicator metadata (%, per 100,000 ...)."),
    ColumnSpec("value_type", TEXT, "Value type from the indicator metadata (Proportion, Crude rate ...)."),
    ColumnSpec("polarity", TEXT, "Polarity from the indicator metadata (RAG - Low is good ...)."),
    ColumnSpec("source", TEXT, "'fingertips' for live data, 'synthetic sample' for the offline sample API."),
    ColumnSpec("retrieved_at", TIMESTAMP, "When the row was fetched from the API (UTC)."),
)

COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in INDICATOR_VALUES)
TEXT_COLUMNS: tuple[str, ...] = tuple(c.name for c in INDICATOR_VALUES if c.type == TEXT)
FLOAT_COLUMNS: tuple[str, ...] = tuple(c.name for c in INDICATOR_VALUES if c.type == FLOAT)
# The numbers served by the API (england_value and london_value are derived from them).
SERVED_NUMBERS: tuple[str, ...] = (
    "value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "count", "denominator",
)  # fmt: skip
ROW_KEY: tuple[str, ...] = (
    "indicator_id", "area_code", "period", "sex", "age", "category_type", "category",
)  # fmt: skip

SOURCE_FINGERTIPS = "fingertips"
SOURCE_SYNTHETIC = "synthetic sample"
