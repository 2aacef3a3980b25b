"""A damage harness, not a list: random damage (blank cells, rows dropped by area and by
indicator, swapped columns, cut fields, shuffled rows, a body of two gzip members) done to the sample API's answers
with fixed seeds, and one rule held for every case: the answer is refused, or what is
taken equals what was served and no key was lost beyond the limits.

Two levels: every seed through the client and the plausibility checks (many cases, one
request each), and one seed of each kind of damage through a whole refresh, which must
leave the last good publication byte-identical or publish only served values."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator

import pandas as pd
import pytest
import requests

from jsna.fingertips import FingertipsError
from jsna.plausibility import DEFAULT_MAX_SHRINK, LOSS_COLUMNS, check_answers
from jsna.publication import OutputRoot
from jsna.sample_api.damage import DAMAGES
from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.server import SampleApiServer, running_sample_api
from resources import FingertipsResource
from tests.pipeline_helpers import copy_publication, good_fixture, refresh, snapshot

IDS = [848, 41001, 93014]  # rows with sex, age and deprivation breakdowns among them
PARAMS = {"child_area_type_id": 502, "parent_area_type_id": 6}
SERVED_KEY = ("Indicator ID", "Area Code", "Time period", "Sex", "Age", "Category Type", "Category")
PUBLISHED_KEY = ("indicator_id", "area_code", "period", "sex", "age", "category_type", "category")
SEEDS = range(4 * len(DAMAGES))  # 4 cases of each kind of damage, each its own size and target
# Whole refreshes (about 5 s each): the kinds that reach the core layer's rules too.
REFRESHED = ("blank_values", "drop_area", "swap_columns", "cut_last_field")


@pytest.fixture(scope="module")
def server() -> Iterator[SampleApiServer]:
    """England at its real scale (153 councils): the seeds' targets and sizes were chosen
    against it, and in the suite's smaller England an area a seed drops can be one with no
    value to lose for an indicator, which is rightly taken."""
    with running_sample_api(SampleApiState(fill=True)) as running:
        yield running


def served(server: SampleApiServer) -> dict[tuple[str, ...], tuple[str, str]]:
    """Key -> (value, value note) of what the server answers now, read with the csv module
    (independently of the pipeline's parser)."""
    params = {"indicator_ids": ",".join(map(str, IDS)), **PARAMS}
    body = requests.get(f"{server.base_url}/all_data/csv/by_indicator_id", params=params, timeout=30).text
    # As ``csv.DictReader`` reads it (blank lines skipped, a short row's missing cells empty, a
    # repeated column name its last cell), without a dict per row: the answers are England's.
    reader = csv.reader(io.StringIO(body.lstrip("\ufeff")))
    where = {name: i for i, name in enumerate(next(reader, []))}
    key_at = [where.get(k) for k in SERVED_KEY]
    value_at, note_at = where.get("Value"), where.get("Value note")

    def cell(row: list[str], at: int | None) -> str:
        return row[at] if at is not None and at < len(row) else ""

    return {tuple(cell(row, at) for at in key_at): (cell(row, value_at), cell(row, note_at)) for row in reader if row}


def rows_of(frame: pd.DataFrame, columns: tuple[str, ...]) -> Iterator[tuple]:
    """The frame's rows as tuples of these columns' values, the values ``to_dict("records")``
    gives, without a dict of every column per row (the harness reads England's rows)."""
    return zip(*(frame[c].tolist() for c in columns), strict=True)


def losses_within_limits(clean: dict, taken: pd.DataFrame, iid: int) -> list[str]:
    """What the taken rows of one indicator lost against the clean answer, beyond the limits."""
    had = {k: v for k, v in clean.items() if k[0] == str(iid) and v[0]}
    speaking = {
        tuple(str(v) for v in key): True
        for *key, value, note in rows_of(taken, ("indicator_id", *LOSS_COLUMNS[:6], "value", "value_note"))
        if str(value).strip() or str(note).strip()
    }
    problems = []
    areas_before = {k[1] for k in had}
    areas_now = {k[1] for k in speaking}
    if areas_before - areas_now:
        problems.append(f"areas lost: {sorted(areas_before - areas_now)[:3]}")
    lost = sum(1 for k in had if k not in speaking)
    if had and lost / len(had) > DEFAULT_MAX_SHRINK:
        problems.append(f"{lost} of {len(had)} values lost")
    rows_before = sum(1 for k in clean if k[0] == str(iid))
    if len(taken) < rows_before * (1 - DEFAULT_MAX_SHRINK):
        problems.append(f"{len(taken)} of {rows_before} rows")
    return problems


def test_every_seed_is_refused_or_taken_exactly_as_served(server):
    server.state.configure({"faults": [], "revisions": {}})
    clean = served(server)
    client = FingertipsResource(
        base_url=server.base_url, max_attempts=2, backoff_base_seconds=0.01, backoff_max_seconds=0.02, max_concurrency=1
    ).client(sleep=lambda _: None)  # one request for the ids: the oracle sees the same damaged answer
    good = client.fetch_data(IDS, **PARAMS).frame
    last_good = {i: {"rows": int((good["indicator_id"] == str(i)).sum()), "name": None} for i in IDS}
    last_rows = {i: good.loc[good["indicator_id"] == str(i), list(LOSS_COLUMNS)] for i in IDS}
    outcomes: dict[str, set[str]] = {}
    for seed in SEEDS:
        kind = DAMAGES[seed % len(DAMAGES)]
        server.state.configure({"faults": [{"kind": "damage", "seed": seed, "times": None}]})
        try:
            frame = client.fetch_data(IDS, **PARAMS).frame
        except FingertipsError:
            outcomes.setdefault(kind, set()).add("refused by the client")
            continue
        refused = {r.indicator_id for r in check_answers(frame, IDS, last_good, {}, last_rows=last_rows)}
        damaged = served(server)
        for iid in IDS:
            if iid in refused:
                outcomes.setdefault(kind, set()).add("refused")
                continue
            outcomes.setdefault(kind, set()).add("taken")
            taken = frame[frame["indicator_id"] == str(iid)]
            key_columns = ("indicator_id", "area_code", *LOSS_COLUMNS[1:6])
            for *cells, value, note in rows_of(taken, (*key_columns, "value", "value_note")):  # cell for cell
                key = tuple(str(c) for c in cells)
                assert (value, note) == damaged[key], (seed, kind, key)
            assert not losses_within_limits(clean, taken, iid), (seed, kind, losses_within_limits(clean, taken, iid))
    server.state.configure({"faults": []})
    # The harness reached every kind, and both outcomes occur (it is not vacuous).
    assert set(outcomes) == set(DAMAGES)
    assert any("taken" in o for o in outcomes.values()) and any(o - {"taken"} for o in outcomes.values())
    assert outcomes["drop_area"] == {"refused"} and outcomes["blank_indicator"] >= {"refused"}
    assert outcomes["shuffle_rows"] == {"taken"} and outcomes["gzip_members"] == {"taken"}


good = good_fixture("--borough", "southwark")


def _number(text: str) -> float:
    return float(text) if text.strip() else math.nan


@pytest.mark.parametrize("kind", REFRESHED)
def test_a_refresh_under_damage_refuses_or_publishes_only_served_values(kind, server, good, tmp_path, monkeypatch):
    monkeypatch.setenv("JSNA_MAX_CONCURRENCY", "1")  # one request for the ids, as the oracle asks
    out = copy_publication(good, tmp_path / "out")
    seed = DAMAGES.index(kind) + len(DAMAGES)  # a fixed case of this kind
    server.state.configure({"faults": [], "revisions": {str(i): 1 for i in IDS}})
    clean = served(server)
    before = snapshot(out)
    server.state.configure({"faults": [{"kind": "damage", "seed": seed, "times": None}]})
    damaged = served(server)
    code = refresh(server.base_url, out, "--borough", "southwark")
    server.state.configure({"faults": [], "revisions": {}})
    assert OutputRoot(out).verify() == []
    if snapshot(out) == before:
        assert code == 1  # refused: the last good publication byte-identical
        return
    table = pd.read_parquet(out / "areas" / "southwark" / "indicator_values.parquet")
    table = table[table["indicator_id"].isin(IDS)]
    last_good = pd.read_parquet(good / "areas" / "southwark" / "indicator_values.parquet")
    kept = {tuple(str(r[c]) for c in PUBLISHED_KEY): r["value"] for r in last_good.to_dict("records")}
    for row in table.to_dict("records"):
        key = tuple(str(row[c]) for c in PUBLISHED_KEY)
        options = [_number(v[0]) for v in (clean.get(key), damaged.get(key)) if v] + [kept.get(key, math.nan)]
        value = row["value"]
        assert any((math.isnan(value) and math.isnan(o)) or value == o for o in options), (kind, key, value)
    for iid in IDS:
        taken = table[table["indicator_id"] == iid].astype({"value": "string", "value_note": "string"}).fillna("")
        southwark = {k: v for k, v in clean.items() if k[1] == "E09000028"}
        taken = taken.assign(indicator_id=taken["indicator_id"].astype(str))
        assert not losses_within_limits(southwark, taken, iid), (kind, iid)
