"""``records`` gives the rows exactly as pandas' ``to_dict("records")`` does (the report,
chapter and findings read them), for every kind of column a published table holds."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jsna.grouping import records


def _same(value: object, expected: object) -> bool:
    if type(value) is not type(expected):
        return False
    if value is pd.NA or value is pd.NaT:
        return value is expected
    if isinstance(value, float) and math.isnan(value):
        return math.isnan(expected)  # type: ignore[arg-type]
    return bool(value == expected) and str(value) == str(expected)  # -0.0 and 0.0 differ in text


def assert_records_as_pandas(frame: pd.DataFrame, columns: list[str] | None = None) -> None:
    got = records(frame, columns)
    want = (frame if columns is None else frame[columns]).to_dict("records")
    assert len(got) == len(want)
    for row, expected in zip(got, want, strict=True):
        assert list(row) == list(expected)
        for name in expected:
            assert _same(row[name], expected[name]), (name, row[name], expected[name])


KINDS = {
    "text": pd.Series(["Southwark", None, "=1+1", ""], dtype="str"),
    "text_pyarrow_na": pd.array(["a", None, "c", "d"], dtype=pd.StringDtype("pyarrow")),
    "text_python": pd.array(["a", None, "c", "d"], dtype=pd.StringDtype("python")),
    "float": [1.5, np.nan, -0.0, 1e16],
    "int": [1, 2, -3, 2**62],
    "bool": [True, False, True, False],
    "nullable_int": pd.array([1, None, 3, 4], dtype="Int64"),
    "nullable_float": pd.array([1.5, None, 2.0, 4.25], dtype="Float64"),
    "time": pd.to_datetime(["2026-12-07 01:02:03", None, "2020-01-01 00:00:00", "2021-06-30 23:59:59"], utc=True),
    "naive_time": pd.to_datetime(["2026-12-07", None, "2020-01-01", "2021-06-30"]),
    "object": pd.Series([1, "x", None, np.float64(2.5)], dtype=object),
    "category": pd.Categorical(["a", "b", None, "a"]),
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_of_column_as_pandas_gives_it(kind: str) -> None:
    frame = pd.DataFrame({kind: KINDS[kind], "n": [1.0, 2.0, 3.0, 4.0]})
    assert_records_as_pandas(frame)
    assert_records_as_pandas(frame.iloc[:0])
    assert_records_as_pandas(frame.iloc[[3, 1]], [kind])


def test_every_kind_at_once_and_a_selection_in_its_order() -> None:
    frame = pd.DataFrame(KINDS)
    assert_records_as_pandas(frame)
    assert_records_as_pandas(frame, ["time", "text", "float"])
    assert_records_as_pandas(pd.concat([frame] * 50, ignore_index=True))


def test_no_columns_or_a_repeated_name_is_left_to_pandas() -> None:
    assert records(pd.DataFrame(index=range(3))) == [{}, {}, {}]
    repeated = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.warns(UserWarning):
        assert records(repeated) == [{"a": 2}]
