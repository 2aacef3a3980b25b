"""Is a fresh answer plausible, against the last good data of the same indicator?

An outage does not always look like one: a server, proxy or cache can answer 200 with
the CSV header only, an empty body, half the rows, two indicators' ids swapped, or
numbers no measurement produces. Taken as data, such an answer would empty or corrupt
every published table and record "removed" for every row. So each fetched indicator is
compared with what the raw store last accepted for it; an implausible answer is refused
(the last good data stays), the night's check fails loudly, and an operator who has
checked that Fingertips really changed accepts it with ``--accept-shrink ID``.

Losses are judged by key as well as by count: damage that keeps the row count (every
value blanked) or that hits one area across every indicator (a borough missing from
every answer, 0.6% of the rows) is refused like a shrink. A value turned empty *with* a
value note is a suppression, which is data; an area the refreshed area list no longer
holds (a merger upstream) may go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from jsna.grouping import rows_at
from jsna.tidy import parse_numbers, unrepresentable
from schemas.indicator_values import SERVED_NUMBERS

DEFAULT_MAX_SHRINK = 0.2  # a drop of more than 20% of an indicator's rows (or values) is refused
# What the key checks read of the last good rows (``RawStore.last_good_rows``).
ROW_KEY: tuple[str, ...] = ("area_code", "period", "sex", "age", "category_type", "category")
LOSS_COLUMNS: tuple[str, ...] = (*ROW_KEY, "area_name", "parent_code", "value", "value_note")


@dataclass(frozen=True)
class Refusal:
    """One fetched indicator whose answer is not trusted, and why."""

    indicator_id: int
    reason: str
    acceptable: bool  # an operator may accept it with --accept-shrink (not so for non-finite values)
    # Areas (code, name) that had values in the last good data and answered none now.
    lost_areas: tuple[tuple[str, str], ...] = field(default=())
    lost_values: int = 0  # values of those areas in the last good data

    def __str__(self) -> str:
        return f"indicator {self.indicator_id} {self.reason}"


def _norm(name: object) -> str:
    return re.sub(r"\s+", " ", str(name or "")).strip().casefold()


@dataclass(frozen=True)
class Rules:
    """How answers are judged: ``max_shrink``, the share of an indicator's rows it may lose;
    ``accepted``, ids whose change an operator checked and accepts; ``gone_areas``, codes of
    areas the refreshed area list no longer holds; ``empty_is_outage`` refuses an answer
    with no rows at all for two or more ids even on a first fetch (the councils' extract: an
    ICB or MSOA extract may have no data at all)."""

    max_shrink: float = DEFAULT_MAX_SHRINK
    accepted: frozenset[int] = frozenset()
    gone_areas: frozenset[str] = frozenset()
    empty_is_outage: bool = False


def check_answers(
    fetched: pd.DataFrame,
    ids: Iterable[int],
    last_good: Mapping[int, Mapping[str, Any] | None],
    metadata_names: Mapping[int, str],
    last_rows: Mapping[int, pd.DataFrame | None] | None = None,
    rules: Rules = Rules(),  # noqa: B008 - frozen, so one default is safe
) -> list[Refusal]:
    """The refusals among ``ids`` (empty when every answer is plausible). ``last_rows`` holds
    the last good rows of each id (``LOSS_COLUMNS``), to judge losses by key."""
    outage = _all_empty(fetched, list(ids)) if rules.empty_is_outage else 0
    # Where each indicator's rows are; one indicator's rows are copied at a time (a large
    # answer is not held twice).
    served = fetched["indicator_id"].astype(int)
    at = {int(k): v for k, v in served.groupby(served, sort=False).indices.items()} if len(fetched) else {}
    names = {i: _norm(n) for i, n in metadata_names.items()}
    bad_cells = _not_finite_cells(fetched)
    refusals: list[Refusal] = []
    for iid in ids:
        rows = rows_at(fetched, at[iid]) if iid in at else None
        problem = _not_finite(fetched, at[iid], bad_cells) if iid in at else None
        if problem:
            refusals.append(Refusal(iid, problem, acceptable=False))
            continue
        if iid in rules.accepted:
            continue
        before = last_good.get(iid) or {}
        problem = _size_or_name(iid, rows, before, names, rules.max_shrink, outage)
        if problem:
            refusals.append(Refusal(iid, problem, acceptable=True))
            continue
        previous = (last_rows or {}).get(iid)
        if previous is not None and len(previous) and rows is not None:
            loss = _key_losses(iid, rows, previous, set(rules.gone_areas), rules.max_shrink)
            if loss is not None:
                refusals.append(loss)
    return refusals


def _size_or_name(
    iid: int,
    rows: pd.DataFrame | None,
    before: Mapping[str, Any],
    names: dict[int, str],
    max_shrink: float,
    outage: int,
) -> str | None:
    """What is wrong with an answer's size (against the last good data) or its name."""
    count = 0 if rows is None else len(rows)
    had = int(before.get("rows") or 0)
    if outage and not before:  # never fetched (a first refresh): nothing to compare with
        return f"answered no rows, as did all {outage} indicators asked for at once (an outage?)"
    if had and count == 0:
        return f"answered no rows where the last good data had {had:,}"
    # An answer under another indicator's name explains its size too: said first.
    wrong = _wrong_name(iid, rows, before.get("name"), names) if rows is not None else None
    if wrong:
        return wrong
    if had and count < had * (1 - max_shrink):
        return (
            f"answered {count:,} rows, {1 - count / had:.0%} fewer than the {had:,} of the last good data "
            f"(more than {max_shrink:.0%} is refused)"
        )
    return None


def _all_empty(fetched: pd.DataFrame, ids: list[int]) -> int:
    """How many ids were asked for when every one of them (two or more) answered no rows:
    taken as an outage even where there is no last good data to compare with (a first
    refresh), since no indicator of the catalogue is empty everywhere. 0 otherwise."""
    return len(ids) if len(ids) >= 2 and not len(fetched) else 0


def _speaks(rows: pd.DataFrame) -> pd.Series:
    """A row that carries a value, or a note saying why it has none (suppression)."""
    return rows["value"].fillna("").str.strip().ne("") | rows["value_note"].fillna("").str.strip().ne("")


def _keys(first: pd.DataFrame, second: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's key (area, period, sex, age, category type, category) in both frames as
    one integer: each column's texts numbered together in both, then the numbers combined
    and numbered again, so equal keys get equal integers and no two different keys share
    one (no hashing). A missing text counts as empty, as the raw store keeps it. Three
    times faster than comparing the keys as tuples."""
    keys = np.zeros(len(first) + len(second), dtype=np.int64)
    for column in ROW_KEY:
        texts = pd.concat([first[column], second[column]], ignore_index=True)
        if not pd.api.types.is_string_dtype(texts):
            texts = texts.astype("string")
        codes, uniques = pd.factorize(texts.fillna(""))
        keys, _ = pd.factorize(keys * (len(uniques) + 1) + codes)  # stays below rows x texts
    return keys[: len(first)], keys[len(first) :]


def _key_losses(
    iid: int, rows: pd.DataFrame, previous: pd.DataFrame, gone: set[str], max_shrink: float
) -> Refusal | None:
    """Values lost by key: an area that had values and answers none (neither value nor
    note), or more than ``max_shrink`` of the indicator's values turned empty."""
    # An area gone upstream takes its neighbourhoods (MSOAs, whose parent it is) with it.
    still_listed = ~previous["area_code"].isin(gone) & ~previous["parent_code"].fillna("").isin(gone)
    had_value = previous[previous["value"].fillna("").str.strip().ne("") & still_listed]
    if had_value.empty:
        return None
    speaking = rows[_speaks(rows)]
    now_areas = set(speaking["area_code"].astype(str))
    served_areas = set(rows["area_code"].astype(str))
    # Grouped only where an area went quiet: grouping every area of England took most of the check.
    quiet = had_value[~had_value["area_code"].astype(str).isin(now_areas)]
    lost = [
        (str(code), str(group["area_name"].iloc[0]), len(group))
        for code, group in quiet.groupby("area_code", sort=True)
    ]
    had_keys, speaking_keys = _keys(had_value, speaking)
    emptied = int((~np.isin(had_keys, speaking_keys)).sum())
    share = emptied / len(had_value)
    if not lost and share <= max_shrink:
        return None
    parts = []
    if lost:
        names = ", ".join(name for _, name, _ in lost[:3]) + (f" and {len(lost) - 3} more" if len(lost) > 3 else "")
        what = "rows" if not any(code in served_areas for code, _, _ in lost) else "values"
        parts.append(f"answered no {what} for {names} where the last good data had values")
    if share > max_shrink:
        parts.append(
            f"lost {emptied:,} of its {len(had_value):,} values ({share:.0%}; more than {max_shrink:.0%} is refused)"
        )
    return Refusal(
        iid,
        "; ".join(parts),
        acceptable=True,
        lost_areas=tuple((code, name) for code, name, _ in lost),
        lost_values=sum(n for _, _, n in lost),
    )


def _wrong_name(iid: int, rows: pd.DataFrame, stored: str | None, names: Mapping[int, str]) -> str | None:
    """An answer under another indicator's id: its name differs from the name this id had
    (or, on a first fetch, equals another catalogue indicator's name and not its own)."""
    served = _norm(rows["indicator_name"].iloc[0])
    if stored:
        if served != _norm(stored):
            return f"answered under another name ({rows['indicator_name'].iloc[0]!r}, was {stored!r})"
        return None
    own = names.get(iid)
    if own and served == own:
        return None
    others = [other for other, name in names.items() if other != iid and name and name == served]
    if others:
        return f"answered with the name of indicator {others[0]} ({rows['indicator_name'].iloc[0]!r})"
    return None


def _not_finite_cells(fetched: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each served number column's cells that parse to no finite double (text that is no
    number at all is not among them: it is quarantined later), read once for the whole
    answer: each cell's verdict is its own, so an indicator's are its rows' of these."""
    cells = {}
    for column in SERVED_NUMBERS:
        if column in fetched:
            numbers, not_numbers = parse_numbers(fetched[column])
            cells[column] = unrepresentable(fetched[column], numbers) & ~not_numbers
    return cells


def _not_finite(fetched: pd.DataFrame, positions: np.ndarray, bad_cells: dict[str, np.ndarray]) -> str | None:
    """What is wrong with the numbers of one indicator's rows (at ``positions``)."""
    for column, bad in bad_cells.items():
        mine = bad[positions]
        if mine.any():
            first = fetched[column].iloc[int(positions[int(mine.argmax())])]
            return f"served {int(mine.sum())} {column} cell(s) that are not finite numbers (e.g. {first!r})"
    return None


# What a figure means: a flipped polarity reverses Better/Worse and every rank; a changed
# unit or value type rescales it. Changed upstream without notice, each is refused like a
# shrink until an operator has checked it (``--accept-metadata ID``).
WATCHED_METADATA: tuple[str, ...] = ("polarity", "unit", "value_type")


def metadata_changes(previous: pd.DataFrame | None, new: pd.DataFrame, accepted: Iterable[int] = ()) -> list[Refusal]:
    """Indicators whose polarity, unit or value type differs from the last good metadata."""
    if previous is None or not len(previous) or not len(new):
        return []
    accepted_ids = set(accepted)
    before = {int(r["indicator_id"]): r for r in previous.to_dict("records")}
    refusals = []
    for row in new.to_dict("records"):
        iid = int(row["indicator_id"])
        old = before.get(iid)
        if old is None or iid in accepted_ids:
            continue
        changed = [
            f"its {name.replace('_', ' ')} from {_text(old.get(name))!r} to {_text(row.get(name))!r}"
            for name in WATCHED_METADATA
            if name in row and name in old and _text(old.get(name)) != _text(row.get(name))
        ]
        if changed:
            refusals.append(Refusal(iid, f"changed {' and '.join(changed)} without a new upload", acceptable=True))
    return refusals


def keep_previous_metadata(new: pd.DataFrame, previous: pd.DataFrame, ids: Iterable[int]) -> pd.DataFrame:
    """The new metadata with the watched fields of ``ids`` as they were (refused changes)."""
    out = new.copy()
    old = previous.set_index(previous["indicator_id"].astype(int))
    rows = out["indicator_id"].astype(int)
    for iid in ids:
        mask = rows == int(iid)
        for name in WATCHED_METADATA:
            if name in out and name in old:
                out.loc[mask, name] = old.at[int(iid), name]
    return out


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) or value is pd.NA else str(value)
