"""A table's CSV is the text pandas' ``to_csv`` writes, byte for byte, whether the columns are
written by ``jsna.publication.csv_export`` itself or left to pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jsna.publication.csv_export import csv_bytes, csv_text, pandas_text

EDGES = ["plain", "", "a,b", 'say "hi"', "two\nlines", "cr\ronly", "crlf\r\n", " lead", "trail ", "é ü 中",
         "=SUM(A1)", "+1", "-2", "@x", "\ttab", "'quoted", '"', ",", "\x00nul", "semi;colon"]  # fmt: skip
FLOATS = [0.0, -0.0, 0.1, 1e-05, 0.0001, 1e15, 1e16, 123456789.123, 2.5, np.nan, np.inf, -np.inf, 5e-324,
          1.7976931348623157e308, -7.25, 1 / 3]  # fmt: skip


def pandas_bytes(frame: pd.DataFrame) -> bytes:
    """What pandas writes for the frame, formulas defused and date-times as text first."""
    return ("\ufeff" + pandas_text(frame)).encode("utf-8")


def every_kind(rows: int, seed: int) -> pd.DataFrame:
    """A table of every kind of column the published tables hold, with missing values."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(EDGES), rows)
    floats = np.array(FLOATS)[rng.integers(0, len(FLOATS), rows)]
    randoms = rng.standard_normal(rows) * 10.0 ** rng.integers(-8, 20, rows)
    missing = rng.random(rows) < 0.2
    text = pd.array([None if m else EDGES[p] for p, m in zip(pick, missing, strict=True)], dtype="string")
    times = pd.Timestamp("2024-03-01 10:15:00", tz="UTC") + pd.to_timedelta(rng.integers(0, 3, rows), unit="D")
    return pd.DataFrame({
        "text": text,
        "object_text": pd.Series([EDGES[p] for p in pick[::-1]], dtype=object).where(~missing[::-1], None),
        "edges": floats,
        "random": np.where(missing, np.nan, randoms),
        "integer": rng.integers(-(10**12), 10**12, rows),
        "nullable": pd.array([None if m else int(v) for v, m in zip(rng.integers(0, 500, rows), missing,
                                                                    strict=True)], dtype="Int64"),  # fmt: skip
        "retrieved_at": times.where(~missing, pd.NaT),
        "period_start": pd.Series(pd.to_datetime("2020-04-01") + pd.to_timedelta(pick, unit="D")),
        "a name, with a comma": pd.array(["x"] * rows, dtype="string"),
    })  # fmt: skip


@pytest.mark.parametrize(("rows", "seed"), [(1, 1), (7, 2), (300, 3), (5000, 4)])
def test_every_kind_of_column_is_written_as_pandas_writes_it(rows, seed):
    frame = every_kind(rows, seed)
    assert csv_text(frame) is not None  # written here, not by pandas
    assert csv_bytes(frame) == pandas_bytes(frame)


def test_payloads_are_defused_and_fields_quoted_as_the_csv_module_quotes_them():
    frame = pd.DataFrame({"note": pd.array(EDGES, dtype="string"), "n": range(len(EDGES))})
    written = csv_bytes(frame).decode("utf-8-sig")
    assert written == pandas_bytes(frame).decode("utf-8-sig")
    assert "'=SUM(A1),10\r\n" in written and '"a,b",2\r\n' in written and '"say ""hi""",3\r\n' in written
    assert '"two\nlines",4\r\n' in written and "'\ttab,14\r\n" in written


def test_a_frame_with_attrs_or_no_rows_is_written_as_pandas_writes_it():
    frame = every_kind(20, 5)
    frame.attrs = {"bookkeeping": {"nested": [1, 2]}}
    assert csv_bytes(frame) == pandas_bytes(frame)
    empty = frame.iloc[0:0]
    assert csv_text(empty) is not None and csv_bytes(empty) == pandas_bytes(empty)


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"only": pd.array(["", "x", None], dtype="string")}),  # one column: "" for an empty row
        pd.DataFrame({"flag": [True, False], "n": [1, 2]}),
        pd.DataFrame({"mixed": pd.Series(["a", 1.5], dtype=object), "n": [1, 2]}),
        pd.DataFrame({"kind": pd.Categorical(["a", "b"]), "n": [1, 2]}),
        pd.DataFrame({"share": pd.array([0.5, None], dtype="Float64"), "n": [1, 2]}),
        pd.DataFrame([[1, 2]], columns=["same", "same"]),
        pd.DataFrame({0: [1, 2], "n": [1, 2]}),
    ],
    ids=["one column", "bool", "mixed object", "categorical", "Float64", "repeated name", "number as name"],
)
def test_a_kind_of_column_not_written_here_is_left_to_pandas(frame):
    assert csv_text(frame) is None
    assert csv_bytes(frame) == pandas_bytes(frame)
