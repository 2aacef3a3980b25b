"""The pandera contract of the core ``indicator_values`` table.

Checked *before* anything is written. Row-level failures are turned into reasons per
row, so the core asset can quarantine exactly the rows that break a rule and say why.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from schemas.columns import (
    FLOAT,
    INDICATOR_VALUES,
    INT,
    ROW_KEY,
    SOURCE_FINGERTIPS,
    SOURCE_SYNTHETIC,
    TEXT,
    TIMESTAMP,
)

AREA_CODE = r"^E\d{8}$"
SEXES = ["Persons", "Male", "Female"]
TRENDS = [
    "",
    "Increasing and getting worse",
    "Increasing and getting better",
    "Decreasing and getting worse",
    "Decreasing and getting better",
    "Increasing",
    "Decreasing",
    "No significant change",
    "Cannot be calculated",
]
COMPARISON = (
    r"^(Better|Worse|Similar|Higher|Lower|Same|Not compared|Cannot be calculated|[A-Za-z ]*quintile[A-Za-z ]*|)$"
)

_DTYPES = {
    TEXT: pd.StringDtype(),
    INT: "int64",
    FLOAT: "float64",
    TIMESTAMP: pd.DatetimeTZDtype(unit="us", tz="UTC"),
}
_COLUMN_CHECKS: dict[str, list[pa.Check]] = {
    "indicator_id": [pa.Check.gt(0)],
    "area_code": [pa.Check.str_matches(AREA_CODE)],
    "sex": [pa.Check.isin(SEXES)],
    "period": [pa.Check.str_length(min_value=1)],
    "period_sortable": [pa.Check.gt(0)],
    "recent_trend": [pa.Check.isin(TRENDS)],
    "compared_to_england": [pa.Check.str_matches(COMPARISON)],
    "compared_to_region": [pa.Check.str_matches(COMPARISON)],
    "count": [pa.Check.ge(0, ignore_na=True)],
    "denominator": [pa.Check.ge(0, ignore_na=True)],
    "source": [pa.Check.isin([SOURCE_FINGERTIPS, SOURCE_SYNTHETIC])],
}


def _ci_order(df: pd.DataFrame, lower: str, upper: str) -> pd.Series:
    """``lower <= value <= upper`` wherever both the bound and the value exist."""
    ok_lower = df[lower].isna() | df["value"].isna() | (df[lower] <= df["value"])
    ok_upper = df[upper].isna() | df["value"].isna() | (df["value"] <= df[upper])
    return ok_lower & ok_upper


def _proportion_in_range(df: pd.DataFrame) -> pd.Series:
    """Percentages (value type Proportion, unit %) lie within 0-100."""
    is_pct = (df["value_type"] == "Proportion") & (df["unit"] == "%")
    return ~is_pct | df["value"].isna() | df["value"].between(0, 100)


def indicator_values_schema() -> pa.DataFrameSchema:
    """Build the schema from ``schemas.columns`` (one description of every column)."""
    columns = {
        spec.name: pa.Column(
            _DTYPES[spec.type],
            nullable=spec.nullable,
            checks=_COLUMN_CHECKS.get(spec.name, []),
            description=spec.description,
        )
        for spec in INDICATOR_VALUES
    }
    return pa.DataFrameSchema(
        columns,
        checks=[
            pa.Check(
                lambda d: _ci_order(d, "lower_ci_95", "upper_ci_95"),
                name="ci_95_order",
                error="lower_ci_95 <= value <= upper_ci_95",
            ),
            pa.Check(
                lambda d: _ci_order(d, "lower_ci_99_8", "upper_ci_99_8"),
                name="ci_99_8_order",
                error="lower_ci_99_8 <= value <= upper_ci_99_8",
            ),
            pa.Check(_proportion_in_range, name="proportion_range", error="a proportion (%) lies within 0-100"),
        ],
        unique=list(ROW_KEY),
        report_duplicates="all",
        strict=True,
        ordered=True,
        name="indicator_values",
    )


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
