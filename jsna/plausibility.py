"""Is a fresh answer plausible, against the last good data of the same indicator?

An outage does not always look like one: a server, proxy or cache can answer 200 with
the CSV header only, an empty body, half the rows, two indicators' ids swapped, or
numbers no measurement produces. Taken as data, such an answer would empty or corrupt
every published table and record "removed" for every row. So each fetched indicator is
compared with what the raw store last accepted for it; an implausible answer is refused
(the last good data stays), the night's check fails loudly, and an operator who has
checked that Fingertips really changed accepts it with ``--accept-shrink ID``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from jsna.tidy import parse_numbers, unrepresentable
from schemas.indicator_values import SERVED_NUMBERS

DEFAULT_MAX_SHRINK = 0.2  # a drop of more than 20% of an indicator's rows is refused


@dataclass(frozen=True)
class Refusal:
    """One fetched indicator whose answer is not trusted, and why."""

    indicator_id: int
    reason: str
    acceptable: bool  # an operator may accept it with --accept-shrink (not so for non-finite values)

    def __str__(self) -> str:
        return f"indicator {self.indicator_id} {self.reason}"


def _norm(name: object) -> str:
    return re.sub(r"\s+", " ", str(name or "")).strip().casefold()


def check_answers(
    fetched: pd.DataFrame,
    ids: Iterable[int],
    last_good: Mapping[int, Mapping[str, Any] | None],
    metadata_names: Mapping[int, str],
    *,
    max_shrink: float = DEFAULT_MAX_SHRINK,
    accepted: Iterable[int] = (),
) -> list[Refusal]:
    """The refusals among ``ids`` (empty when every answer is plausible)."""
    accepted_ids = set(accepted)
    by_id = (
        {int(k): g for k, g in fetched.groupby(fetched["indicator_id"].astype(int), sort=False)} if len(fetched) else {}
    )
    names = {i: _norm(n) for i, n in metadata_names.items()}
    refusals: list[Refusal] = []
    for iid in ids:
        rows = by_id.get(iid)
        count = 0 if rows is None else len(rows)
        before = last_good.get(iid) or {}
        had = int(before.get("rows") or 0)
        problem = _not_finite(rows) if rows is not None else None
        if problem:
            refusals.append(Refusal(iid, problem, acceptable=False))
            continue
        if iid in accepted_ids:
            continue
        if had and count == 0:
            problem = f"answered no rows where the last good data had {had:,}"
        elif had and count < had * (1 - max_shrink):
            problem = (
                f"answered {count:,} rows, {1 - count / had:.0%} fewer than the {had:,} of the last good data "
                f"(more than {max_shrink:.0%} is refused)"
            )
        elif rows is not None:
            problem = _wrong_name(iid, rows, before.get("name"), names)
        if problem:
            refusals.append(Refusal(iid, problem, acceptable=True))
    return refusals


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


def _not_finite(rows: pd.DataFrame) -> str | None:
    for column in SERVED_NUMBERS:
        if column not in rows:
            continue
        numbers, not_numbers = parse_numbers(rows[column])  # text that is no number: quarantined later
        bad = unrepresentable(rows[column], numbers) & ~not_numbers
        if bad.any():
            first = rows[column].iloc[int(bad.argmax())]
            return f"served {int(bad.sum())} {column} cell(s) that are not finite numbers (e.g. {first!r})"
    return None
