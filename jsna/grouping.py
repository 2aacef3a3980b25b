"""Each area's rows of a table, found once for every area.

A refresh writes several files per area. Filtering the whole table once per area
(``frame[frame.area_code == code]``) compares every row with every area, 153 times at
England scale, in every step. ``split_by`` sorts once and slices: each area's rows keep
the table's order.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
import pandas as pd


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
    wide table most of what is left."""
    return (frame if columns is None else frame[list(columns)]).to_dict("records")
