"""Losses by key: the rows of the last good data whose key (area, period, sex, age,
category type, category) is missing from a new answer are counted exactly, as a plain
comparison of the keys as texts counts them."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

from jsna.plausibility import ROW_KEY, _keys


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(ROW_KEY)).astype("string")


def _reference(first: pd.DataFrame, second: pd.DataFrame) -> int:
    """The count by the plainest means: each key as a tuple of texts, missing as empty."""

    def keys(frame: pd.DataFrame) -> list[tuple[str, ...]]:
        return [
            tuple("" if pd.isna(v) else str(v) for v in row) for row in frame[list(ROW_KEY)].itertuples(index=False)
        ]

    present = set(keys(second))
    return sum(key not in present for key in keys(first))


def _lost(first: pd.DataFrame, second: pd.DataFrame) -> int:
    a, b = _keys(first, second)
    return int((~np.isin(a, b)).sum())


def test_keys_equal_only_where_every_part_is_equal() -> None:
    before = _frame([
        ("E09000028", "2023", "Persons", "18+", None, None),
        ("E09000028", "2023", "Male", "18+", None, None),
        ("E09000022", "2023", "Persons", "18+", "Deprivation", "Most deprived"),
        ("E09000022", "2022", "Persons", "18+", "Deprivation", "Most deprived"),
    ])  # fmt: skip
    now = _frame([
        ("E09000028", "2023", "Persons", "18+", "", ""),  # missing and empty are one key
        ("E09000022", "2023", "Persons", "18+", "Deprivation", "Most deprived"),
        ("E09000022", "2022", "Persons", "18+", "Deprivation", "Least deprived"),  # another category
    ])  # fmt: skip
    assert _lost(before, now) == 2  # Male 2023, and 2022's most deprived


def test_keys_count_as_the_plain_comparison_on_many_random_answers() -> None:
    rng = random.Random(20261203)
    parts = [
        ["E09000028", "E09000022", "E02000001", None], ["2021", "2022", "2023"], ["Persons", "Male", "Female"],
        ["18+", "65+", "All ages"], ["", "Deprivation", None], ["", "Most deprived", "Least deprived", None],
    ]  # fmt: skip
    for _ in range(200):
        rows = [tuple(rng.choice(p) for p in parts) for _ in range(rng.randint(1, 60))]
        first = _frame(rows)
        second = _frame(rng.sample(rows, rng.randint(0, len(rows))) + [tuple(rng.choice(p) for p in parts)])
        assert _lost(first, second) == _reference(first, second)


def test_a_number_in_a_key_column_is_compared_as_its_text() -> None:
    before = pd.DataFrame({c: ["x"] for c in ROW_KEY}).assign(period=[2023])
    now = _frame([("x", "2023", "x", "x", "x", "x")])
    assert _lost(before, now) == 0
