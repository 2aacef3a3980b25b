"""Damage the sample API can do to its answers, as a bad night does: the faults that keep
an answer well-formed (so no parser refuses it) but lose or move what it says.

``damage_rows`` applies one of ``DAMAGES``, chosen and sized by a seed, to the rows of a
data answer; the damage harness (``tests/reliability/test_damage_harness.py``) runs it
over many seeds and holds the pipeline to one rule: refuse, or publish only what was
served with no key lost beyond the limits. The other functions are the single faults the
fault suite names (an area missing from every answer, two columns swapped, an area list
cut short or swollen)."""

from __future__ import annotations

import gzip
import random

DAMAGES = (
    "blank_values",  # a share of the Value cells emptied, rows kept
    "blank_indicator",  # every Value cell of one indicator emptied
    "drop_area",  # every row of one area gone
    "drop_areas",  # every row of several areas gone
    "drop_indicator_rows",  # a share of one indicator's rows gone
    "swap_columns",  # two numeric columns' headers swapped
    "shuffle_rows",  # the rows in another order (harmless: must be published as served)
    "cut_last_field",  # the last field of the last row cut short, a newline after it
    "gzip_members",  # the body sent as two gzip members (valid: every row must arrive)
    "blank_column",  # one numeric column emptied everywhere
)
NUMERIC = ("Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit")


def drop_area(header: list[str], rows: list[list[str]], area_code: str | None) -> list[list[str]]:
    a = header.index("Area Code")
    return [r for r in rows if r[a] != area_code]


def unlisted_areas(header: list[str], rows: list[list[str]], size: int) -> list[list[str]]:
    """The rows and, after them, the rows of ``size`` made-up areas that no area list names
    (each a copy of the first council's rows under its own code): a large answer whose
    extra rows are none of the scope's, e.g. areas Fingertips still serves after a merger."""
    a, n = header.index("Area Code"), header.index("Area Name")
    councils = [r for r in rows if r[a][:3] in ("E06", "E07", "E08", "E09", "E10")]
    first = [r for r in councils if r[a] == councils[0][a]] if councils else []
    made_up = [
        [*r[:a], f"E06{990000 + k:06d}", f"Unlisted {k}", *r[n + 1 :]] if n == a + 1 else r
        for k in range(size)
        for r in first
    ]
    return rows + made_up


def swap_columns(header: list[str], first: str | None, second: str | None) -> list[str]:
    """The two headers exchanged: each column's data now answers under the other's name."""
    if first not in header or second not in header:
        return header
    i, j = header.index(first), header.index(second)
    header = list(header)
    header[i], header[j] = header[j], header[i]
    return header


def cut_last_field(body: bytes) -> bytes:
    """The body cut one byte inside the last field of its last row, then a line end: it
    still parses, with a shortened last value."""
    text = body.rstrip(b"\r\n")
    return text[:-1] + b"\r\n" if text.count(b"\n") else body


BODY_DAMAGES = ("cut_last_field", "gzip_members")


def body_damage(seed: int) -> str | None:
    """The damage this seed does to the body as sent (not to its rows), if any."""
    kind = DAMAGES[seed % len(DAMAGES)]
    return kind if kind in BODY_DAMAGES else None


def gzip_members(body: bytes) -> bytes:
    """The body as two gzip members, split at a line end near its middle (RFC 1952 allows
    any number; a decoder that stops after the first loses the rest)."""
    cut = body.find(b"\n", len(body) // 2) + 1 or len(body)
    return gzip.compress(body[:cut], mtime=0) + gzip.compress(body[cut:], mtime=0)


def damage_rows(header: list[str], rows: list[list[str]], seed: int) -> tuple[str, list[str], list[list[str]]]:
    """(what was done, header, rows) for one seed (``body_damage`` says what is done to the body as sent)."""
    rng = random.Random(seed)
    kind = DAMAGES[seed % len(DAMAGES)]
    rows = [list(r) for r in rows]
    if not rows:
        return kind, header, rows
    value, area, iid = header.index("Value"), header.index("Area Code"), header.index("Indicator ID")
    areas = sorted({r[area] for r in rows})
    ids = sorted({r[iid] for r in rows})
    if kind == "blank_values":
        share = rng.choice((0.05, 0.3, 0.9))
        for r in rows:
            if rng.random() < share:
                r[value] = ""
    elif kind == "blank_indicator":
        chosen = rng.choice(ids)
        for r in rows:
            if r[iid] == chosen:
                r[value] = ""
    elif kind == "drop_area":
        rows = drop_area(header, rows, rng.choice(areas))
    elif kind == "drop_areas":
        gone = set(rng.sample(areas, k=min(len(areas), rng.randint(2, 10))))
        rows = [r for r in rows if r[area] not in gone]
    elif kind == "drop_indicator_rows":
        chosen, share = rng.choice(ids), rng.choice((0.1, 0.5))
        rows = [r for r in rows if r[iid] != chosen or rng.random() >= share]
    elif kind == "swap_columns":
        first, second = rng.sample(NUMERIC, k=2)
        header = swap_columns(header, first, second)
    elif kind == "shuffle_rows":
        rng.shuffle(rows)
    elif kind == "blank_column":
        column = header.index(rng.choice(NUMERIC))
        for r in rows:
            r[column] = ""
    return kind, header, rows


def keep_areas(listed: list[dict], size: int) -> list[dict]:
    """The first ``size`` areas of a list (an area list answered short)."""
    return listed[:size]


def extra_areas(listed: list[dict], size: int, area_type_id: int) -> list[dict]:
    """The list with ``size`` made-up areas after it (a runaway area list)."""
    made_up = [
        {"Code": f"E{10000000 + n:08d}", "Name": f"Made-up {n}", "Short": f"Made-up {n}", "AreaTypeId": area_type_id}
        for n in range(size)
    ]
    return listed + made_up
