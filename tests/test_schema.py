"""The pandera contract rejects each kind of bad row, and says which row and why."""

from __future__ import annotations

import pandas as pd
import pytest

from schemas.indicator_values import COLUMN_NAMES, FLOAT_COLUMNS, TEXT_COLUMNS, indicator_values_schema, row_failures


def good_rows(n: int = 3) -> pd.DataFrame:
    rows = []
    for i in range(n):
        rows.append(
            {
                "indicator_id": 848, "indicator_name": "Depression: QOF prevalence (18+ yrs)",
                "domain": "Common mental health problems and primary care", "area_code": f"E090000{28 + i:02d}",
                "area_name": "Southwark", "area_type": "Counties & UAs (from Apr 2023)", "period": "2023/24",
                "period_sortable": 20230000, "sex": "Persons", "age": "18+ yrs", "category_type": "", "category": "",
                "value": 11.352357123456789, "lower_ci_95": 11.2, "upper_ci_95": 11.5, "lower_ci_99_8": 11.1,
                "upper_ci_99_8": 11.6, "count": 31000.0, "denominator": 273000.0, "value_note": "",
                "recent_trend": "Increasing and getting worse", "compared_to_england": "Worse",
                "compared_to_region": "Similar", "england_value": 13.2, "region_code": "E12000007",
                "region_name": "London region", "region_value": 10.1, "unit": "%",
                "value_type": "Proportion", "polarity": "RAG - Low is good", "source": "synthetic sample",
                "retrieved_at": pd.Timestamp("2026-11-22T02:00:00Z"),
            }
        )  # fmt: skip
    frame = pd.DataFrame(rows)[list(COLUMN_NAMES)]
    frame = frame.astype({c: "string" for c in TEXT_COLUMNS} | {c: "float64" for c in FLOAT_COLUMNS})
    return frame.astype({"retrieved_at": "datetime64[us, UTC]"})


def test_good_rows_pass():
    indicator_values_schema().validate(good_rows(), lazy=True)
    reasons, _ = row_failures(good_rows())
    assert reasons.empty


@pytest.mark.parametrize(
    ("column", "bad", "expected"),
    [
        ("area_code", "S12000033", "area_code: str_matches"),
        ("sex", "Both", "sex: isin"),
        ("recent_trend", "Going up", "recent_trend: isin"),
        ("compared_to_england", "Much worse", "compared_to_england: str_matches"),
        ("value", 140.0, "a proportion (%) lies within 0-100"),
        ("lower_ci_95", 12.0, "lower_ci_95 <= value <= upper_ci_95"),
        ("upper_ci_99_8", 1.0, "lower_ci_99_8 <= value <= upper_ci_99_8"),
        ("count", -1.0, "count: greater_than_or_equal_to"),
        ("source", "somewhere", "source: isin"),
        ("period", "", "period: str_length"),
    ],
)
def test_each_kind_of_bad_row_is_rejected_with_its_reason(column, bad, expected):
    frame = good_rows()
    frame.loc[1, column] = bad
    reasons, cases = row_failures(frame)
    assert list(reasons.index) == [1]
    assert expected in reasons[1]
    assert not cases.empty


def test_proportion_rule_applies_only_to_percentages():
    frame = good_rows()
    frame.loc[0, ["value", "upper_ci_95", "upper_ci_99_8", "unit", "value_type"]] = [
        140.0, 150.0, 160.0, "per 100,000", "Directly standardised rate",
    ]  # fmt: skip
    reasons, _ = row_failures(frame)
    assert reasons.empty


def test_missing_ci_or_value_is_not_a_violation():
    frame = good_rows()
    frame.loc[0, ["lower_ci_95", "upper_ci_95"]] = [float("nan"), float("nan")]
    frame.loc[1, ["value", "count", "denominator"]] = [float("nan")] * 3
    reasons, _ = row_failures(frame)
    assert reasons.empty


def test_duplicate_keys_are_rejected_on_every_copy():
    frame = good_rows()
    frame.loc[2, "area_code"] = frame.loc[0, "area_code"]
    reasons, _ = row_failures(frame)
    assert sorted(reasons.index) == [0, 2]
    assert "duplicate key" in reasons[0]


def test_wrong_column_type_fails_the_table():
    frame = good_rows().astype({"indicator_id": "string"})
    with pytest.raises(Exception, match="indicator_id"):
        row_failures(frame)
