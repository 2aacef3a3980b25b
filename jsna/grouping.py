"""Each area's rows of a table, found once for every area.

A refresh writes several files per area. Filtering the whole table once per area
(``frame[frame.area_code == code]``) compares every row with every area, 153 times at
England scale, in every step. ``split_by`` sorts once and slices: each area's rows keep
the table's order.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa


def rows_at(frame: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """The rows at these ascending positions: a slice (no copy) where they are one run, as
    one indicator's rows of an answer are, else a copy of just those rows."""
    if len(positions) and positions[-1] - positions[0] + 1 == len(positions):
        return frame.iloc[int(positions[0]) : int(positions[-1]) + 1]
    return frame.take(positions)


def split_by(
    frame: pd.DataFrame, column: str = "area_code", only: Collection[object] | None = None
) -> dict[object, pd.DataFrame]:
    """Each value of ``column`` -> its rows, in the frame's order (a fresh index each);
    rows with no value in ``column`` are in none. ``only``: just these values (a run of
    named areas splits its own rows, not every area's)."""
    if only is not None:
        frame = frame[frame[column].isin(list(only))]
    codes, uniques = pd.factorize(frame[column], sort=False)
    order = np.argsort(codes, kind="stable")
    ordered = frame.take(order)
    bounds = np.searchsorted(codes[order], np.arange(-1, len(uniques) + 1))  # -1: no value
    return {
        value: ordered.iloc[bounds[i + 1] : bounds[i + 2]].reset_index(drop=True)
        for i, value in enumerate(uniques.tolist())
    }


def records(frame: pd.DataFrame, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The rows as plain dicts (of ``columns`` only, where given), read once: indexing a
    DataFrame per row or per chart cost most of a report, and dicts of every column of a
    wide table most of what is left.

    The same dicts as ``to_dict("records")``, built a column at a time: pandas boxes each
    value of a text column one by one from Arrow (13 s of a 202 s profile of England's
    refresh); here a column of numbers or of Arrow text is read in one call."""
    if columns is not None:
        frame = frame[list(columns)]
    names = frame.columns.tolist()
    if not names or len(set(names)) != len(names):
        return frame.to_dict("records")
    values = [_values(frame.iloc[:, i]) for i in range(len(names))]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def _values(column: pd.Series) -> list[Any]:
    """One column's values as ``to_dict("records")`` gives them."""
    dtype = column.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biufc":
        return column.to_numpy().tolist()  # what iterating the Series gives (``ndarray.item``)
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        missing = _missing(dtype)
        return [missing if value is None else value for value in pa.array(column.array).to_pylist()]
    return [row[0] for row in column.to_frame(0).to_dict("records")]


@functools.cache
def _missing(dtype: pd.StringDtype) -> Any:  # noqa: ANN401 - pd.NA or NaN boxed, as pandas gives it
    """What ``to_dict("records")`` gives for a missing value of this text type."""
    return pd.Series([None], dtype=dtype).to_frame(0).to_dict("records")[0][0]
