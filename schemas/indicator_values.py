"""The ``indicator_values`` table: every indicator value for the region's areas, the
region and England, exactly as served, with comparators beside each row.

Checked *before* anything is written. Row-level failures are turned into reasons per
row, so the core asset can quarantine exactly the rows that break a rule and say why.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from schemas.spec import FLOAT, INT, TEXT, TIMESTAMP, Column, RowRule, TableSpec

SOURCE_FINGERTIPS = "fingertips"
SOURCE_SYNTHETIC = "synthetic sample"
AREA_CODE = r"^E\d{8}$"
SEXES = ("Persons", "Male", "Female")
TRENDS = (
    "",
    "Increasing and getting worse",
    "Increasing and getting better",
    "Decreasing and getting worse",
    "Decreasing and getting better",
    "Increasing",
    "Decreasing",
    "No significant change",
    "Cannot be calculated",
)
COMPARISON = (
    r"^(Better|Worse|Similar|Higher|Lower|Same|Not compared|Cannot be calculated|[A-Za-z ]*quintile[A-Za-z ]*|)$"
)
IN_UNIT = "the indicator's unit (see unit)"
# How the workbook shows a measured column: its unit named in the header, up to 3 decimals.
MEASURED = {"excel_format": "#,##0.0##"}


def measured(heading: str) -> dict[str, str]:
    return {"heading": f"{heading} (in the row's unit)", **MEASURED}


def _ci_order(lower: str, upper: str):  # noqa: ANN202 - a row rule
    """``lower <= value <= upper`` wherever both the bound and the value exist."""

    def test(df: pd.DataFrame) -> pd.Series:
        ok_lower = df[lower].isna() | df["value"].isna() | (df[lower] <= df["value"])
        ok_upper = df[upper].isna() | df["value"].isna() | (df["value"] <= df[upper])
        return ok_lower & ok_upper

    return test


def _intervals_nest(df: pd.DataFrame) -> pd.Series:
    """The 99.8% interval holds the 95% one, wherever both limits of a side exist: a
    narrower 99.8% interval is no measurement but two columns swapped on the way."""
    ok_lower = df["lower_ci_99_8"].isna() | df["lower_ci_95"].isna() | (df["lower_ci_99_8"] <= df["lower_ci_95"])
    ok_upper = df["upper_ci_99_8"].isna() | df["upper_ci_95"].isna() | (df["upper_ci_95"] <= df["upper_ci_99_8"])
    return ok_lower & ok_upper


def _proportion_in_range(df: pd.DataFrame) -> pd.Series:
    """Percentages (value type Proportion, unit %) lie within 0-100."""
    is_pct = (df["value_type"] == "Proportion") & (df["unit"] == "%")
    return ~is_pct | df["value"].isna() | df["value"].between(0, 100)


INDICATOR_VALUES = TableSpec(
    name="indicator_values",
    description=(
        "Every indicator value for an area (or every area of the region), with the region and England beside "
        "each row: one row per indicator, area, period, sex, age and inequality category, exactly as served."
    ),
    columns=(
        Column(
            "indicator_id",
            INT,
            "Fingertips indicator id.",
            checks=(pa.Check.gt(0),),
            heading="Indicator ID",
            excel_format="0",
        ),
        Column(
            "indicator_name", TEXT, "Indicator name as served by Fingertips.", heading="Indicator name (Fingertips)"
        ),
        Column("domain", TEXT, "JSNA domain from the project's indicator catalogue.", heading="JSNA domain"),
        Column(
            "area_code",
            TEXT,
            "ONS area code (E09... borough, E12... region, E92000001 England).",
            pattern=AREA_CODE,
            heading="Area code",
        ),
        Column("area_name", TEXT, "Area name as served.", heading="Area"),
        Column("area_type", TEXT, "Area type as served (England, Region, Counties & UAs ...).", heading="Area type"),
        Column(
            "period",
            TEXT,
            "Time period label exactly as served (2023/24, 2021 - 23, 2024 Q3 ...).",
            checks=(pa.Check.str_length(min_value=1),),
            heading="Period",
        ),
        Column(
            "period_sortable",
            INT,
            "Fingertips' sortable period number (e.g. 20230000).",
            checks=(pa.Check.gt(0),),
            heading="Period (sortable)",
            excel_format="0",
        ),
        Column("sex", TEXT, "Persons, Male or Female.", allowed=SEXES, heading="Sex"),
        Column("age", TEXT, "Age band as served (All ages, 18+ yrs ...).", heading="Age"),
        Column("category_type", TEXT, "Inequality breakdown type; empty for the headline value.", heading="Breakdown"),
        Column(
            "category",
            TEXT,
            "Inequality breakdown category; empty for the headline value.",
            heading="Breakdown category",
        ),
        Column(
            "value",
            FLOAT,
            "The indicator value, full precision; empty when suppressed or missing.",
            True,
            IN_UNIT,
            **measured("Value"),
        ),
        Column(
            "lower_ci_95",
            FLOAT,
            "Lower 95% confidence limit; empty when not given.",
            True,
            IN_UNIT,
            **measured("Lower 95% CI"),
        ),
        Column(
            "upper_ci_95",
            FLOAT,
            "Upper 95% confidence limit; empty when not given.",
            True,
            IN_UNIT,
            **measured("Upper 95% CI"),
        ),
        Column(
            "lower_ci_99_8",
            FLOAT,
            "Lower 99.8% confidence limit; empty when not given.",
            True,
            IN_UNIT,
            **measured("Lower 99.8% CI"),
        ),
        Column(
            "upper_ci_99_8",
            FLOAT,
            "Upper 99.8% confidence limit; empty when not given.",
            True,
            IN_UNIT,
            **measured("Upper 99.8% CI"),
        ),
        Column(
            "count",
            FLOAT,
            "Numerator count; empty when not given or suppressed.",
            True,
            "people or events",
            minimum=0,
            heading="Count (people or events)",
            excel_format="#,##0",
        ),
        Column(
            "denominator",
            FLOAT,
            "Denominator; empty when not given or suppressed.",
            True,
            "people",
            minimum=0,
            heading="Denominator (people)",
            excel_format="#,##0",
        ),
        Column("value_note", TEXT, "Fingertips value note (e.g. why a value is suppressed).", heading="Value note"),
        Column("recent_trend", TEXT, "Fingertips recent trend, as served.", allowed=TRENDS, heading="Recent trend"),
        Column(
            "compared_to_england",
            TEXT,
            "Fingertips comparison with England (Better/Similar/Worse ...).",
            pattern=COMPARISON,
            heading="Compared with England",
        ),
        Column(
            "compared_to_region",
            TEXT,
            "Fingertips comparison with the region (parent area).",
            pattern=COMPARISON,
            heading="Compared with the region",
        ),
        Column(
            "england_value",
            FLOAT,
            "England's value for the same indicator, period, sex, age, category.",
            True,
            IN_UNIT,
            **measured("England"),
        ),
        Column(
            "region_code",
            TEXT,
            "The area's region (E12...), whose value is region_value; a region's own code on its rows; on England's "
            "rows the one region of a regional table, empty in an England-wide one.",
            pattern=r"^(E12\d{6})?$",
            heading="Region code",
        ),
        Column("region_name", TEXT, "The region's name (London region, North West region ...).", heading="Region"),
        Column(
            "region_value",
            FLOAT,
            "The region's value for the same indicator, period, sex, age, category (replaces london_value).",
            True,
            IN_UNIT,
            **measured("Region"),
        ),
        Column("unit", TEXT, "Unit from the indicator metadata (%, per 100,000 ...).", heading="Unit"),
        Column(
            "value_type",
            TEXT,
            "Value type from the indicator metadata (Proportion, Crude rate ...).",
            heading="Value type",
        ),
        Column("polarity", TEXT, "Polarity from the indicator metadata (RAG - Low is good ...).", heading="Polarity"),
        Column(
            "source",
            TEXT,
            "'fingertips' for live data, 'synthetic sample' for the offline sample API.",
            allowed=(SOURCE_FINGERTIPS, SOURCE_SYNTHETIC),
            heading="Source",
        ),
        Column("retrieved_at", TIMESTAMP, "When the row was fetched from the API (UTC).", heading="Retrieved (UTC)"),
    ),
    primary_key=("indicator_id", "area_code", "period", "sex", "age", "category_type", "category"),
    row_rules=(
        RowRule("ci_95_order", "lower_ci_95 <= value <= upper_ci_95", _ci_order("lower_ci_95", "upper_ci_95")),
        RowRule(
            "ci_99_8_order", "lower_ci_99_8 <= value <= upper_ci_99_8", _ci_order("lower_ci_99_8", "upper_ci_99_8")
        ),
        RowRule(
            "ci_nested",
            "lower_ci_99_8 <= lower_ci_95 and upper_ci_95 <= upper_ci_99_8 (the 99.8% interval holds the 95% one)",
            _intervals_nest,
        ),
        RowRule("proportion_range", "a proportion (%) lies within 0-100", _proportion_in_range),
    ),
)

COLUMN_NAMES: tuple[str, ...] = INDICATOR_VALUES.column_names
TEXT_COLUMNS: tuple[str, ...] = INDICATOR_VALUES.names_of(TEXT)
FLOAT_COLUMNS: tuple[str, ...] = INDICATOR_VALUES.names_of(FLOAT)
ROW_KEY: tuple[str, ...] = INDICATOR_VALUES.primary_key
# The numbers served by the API (england_value and region_value are derived from them).
SERVED_NUMBERS: tuple[str, ...] = (
    "value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "count", "denominator",
)  # fmt: skip


def indicator_values_schema() -> pa.DataFrameSchema:
    return INDICATOR_VALUES.pandera_schema()


def row_failures(frame: pd.DataFrame, schema: pa.DataFrameSchema | None = None) -> tuple[pd.Series, pd.DataFrame]:
    """Validate lazily; return (reason per failing row index, pandera failure cases).

    Table-level failures (a missing column, a wrong dtype) cannot be pinned on rows:
    they raise, because the table as a whole is not what the contract says.
    """
    schema = schema or indicator_values_schema()
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        table_level = cases[cases["index"].isna()]
        if not table_level.empty:
            raise
        reasons: dict[int, list[str]] = {}
        for row in cases.itertuples(index=False):
            check = str(row.check)
            if "uniqueness" in check or "duplicate" in check.lower():
                text = "duplicate key (indicator, area, period, sex, age, category type, category)"
            elif row.schema_context == "DataFrameSchema":
                text = check  # a row-wise rule: pandera lists every column of the row
            else:
                text = f"{row.column}: {check} (got {row.failure_case!r})"
            bucket = reasons.setdefault(int(row.index), [])
            if text not in bucket:
                bucket.append(text)
        return pd.Series({i: "; ".join(r) for i, r in reasons.items()}, dtype="string"), cases
    return pd.Series(dtype="string"), pd.DataFrame()
