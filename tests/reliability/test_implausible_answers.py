"""11. Answers that look like an outage (empty, shrunk, swapped, not finite) are refused
against the last good data: the night fails loudly (exit 1, one line), the last good
data stays published, and nothing is recorded as fetched, so the next night asks again."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from jsna.publication import OutputRoot
from jsna.sample_api.faults import Fault
from jsna.sample_api.indicators import known_indicators
from tests.pipeline_helpers import (
    active_catalogue,
    copied_publication,
    copy_publication,
    good_fixture,
    refresh,
    snapshot,
)

pytestmark = pytest.mark.long  # handed to a worker first (tests/conftest.py)

BOROUGH = ("--borough", "southwark")
SOUTHWARK = "E09000028"
NO_DATA = 93496


good = good_fixture(*BOROUGH)


good_with_icbs = good_fixture(*BOROUGH, env={"JSNA_ICBS": "yes"})


out = copied_publication


def values(root, iid: int) -> pd.DataFrame:
    table = pd.read_parquet(root / "london" / "indicator_values.parquet")
    return table[table["indicator_id"] == iid].drop(columns="retrieved_at").reset_index(drop=True)


@pytest.mark.parametrize("kind", ["header_only", "empty", "no_content"])
def test_every_answer_empty_after_an_upload_publishes_nothing_new(
    kind, server, good_with_icbs, tmp_path, capsys, with_icbs
):
    out = copy_publication(good_with_icbs, tmp_path / "out", server)
    before = snapshot(out)
    manifest_before = json.loads((out / "manifest.json").read_text())
    # Every upload date moves (93496 has no data at this area type in the sample API).
    ids = active_catalogue().ids
    server.state.revisions = {i: 1 for i in ids if i != NO_DATA}
    server.state.faults.append(Fault(kind, times=None))
    capsys.readouterr()
    assert refresh(server.base_url, out, *BOROUGH) == 1
    err = capsys.readouterr().err
    at_icb = sum(known_indicators()[i].at_icb for i in ids)  # emptied at ICB level too
    assert f"refused {len(ids) - 1 + at_icb} implausible answers" in err
    assert "answered no rows" in err and "looks like an outage" in err
    assert len(err.strip().splitlines()) == 1
    assert snapshot(out) == before  # not one byte changed
    assert json.loads((out / "manifest.json").read_text()) == manifest_before  # still synthetic
    # The next night (the outage over) fetches them again, since nothing was recorded.
    server.state.faults.clear()
    server.state.requests.clear()
    assert refresh(server.base_url, out, *BOROUGH) == 0
    assert snapshot(out) != before
    assert json.loads((out / "manifest.json").read_text())["synthetic"] is True


def test_one_indicator_emptied_keeps_its_last_good_data_until_accepted(server, out, capsys):
    good_848 = values(out, 848)
    old_41001 = values(out, 41001)
    server.state.revisions = {848: 1, 41001: 1}
    server.state.faults.append(Fault("drop_rows", indicator_id=848, size=0, times=None))
    capsys.readouterr()
    assert refresh(server.base_url, out, *BOROUGH) == 1
    err = capsys.readouterr().err
    assert "indicator 848 answered no rows" in err and "--accept-shrink 848" in err
    pd.testing.assert_frame_equal(values(out, 848), good_848)  # the last good data stays
    assert not values(out, 41001).equals(old_41001)  # the plausible update is published
    assert OutputRoot(out).verify() == []
    # Refused again every night until an operator has checked and accepts it.
    assert refresh(server.base_url, out, *BOROUGH) == 1
    assert refresh(server.base_url, out, *BOROUGH, "--accept-shrink", "848") == 0
    assert values(out, 848).empty
    changes = pd.concat(pd.read_parquet(p) for p in (out / "changes").glob("*.parquet"))
    assert set(changes.loc[changes["indicator_id"] == 848, "change"]) == {"removed"}


@pytest.mark.parametrize(("keep", "refused"), [(0.5, True), (0.9, False)])
def test_a_shrink_beyond_the_allowed_share_is_refused(keep, refused, server, out, capsys):
    good = values(out, 848)
    server.state.revisions = {848: 1}
    total = server_rows(server, 848)
    server.state.faults.append(Fault("drop_rows", indicator_id=848, size=int(total * keep), times=None))
    capsys.readouterr()
    code = refresh(server.base_url, out, *BOROUGH)
    assert total > 0
    if refused:
        assert code == 1 and "fewer than the" in capsys.readouterr().err
        pd.testing.assert_frame_equal(values(out, 848), good)
    else:
        assert code == 0
        assert not values(out, 848).equals(good)


def server_rows(server, iid: int) -> int:
    """How many rows the sample API serves for one indicator, to the pipeline's request
    (every area in England: the areas are ranked in England from the same answer)."""
    import requests

    params = {"indicator_ids": iid, "child_area_type_id": 502, "parent_area_type_id": 6}
    body = requests.get(f"{server.base_url}/all_data/csv/by_indicator_id", params=params, timeout=30).text
    return len(body.strip().splitlines()) - 1


@pytest.mark.parametrize(
    ("concurrency", "reason"),
    [("1", "answered under another name"), ("6", "holds indicator ids that were not asked for")],
    ids=["in one answer", "across two answers"],
)
def test_two_ids_swapped_are_refused(concurrency, reason, server, out, capsys, monkeypatch):
    monkeypatch.setenv("JSNA_MAX_CONCURRENCY", concurrency)  # 1: every id in one request
    before = snapshot(out)
    server.state.revisions = {848: 1, 41001: 1}
    server.state.faults.append(Fault("swap_ids", indicator_id=848, other_id=41001, times=None))
    capsys.readouterr()
    assert refresh(server.base_url, out, *BOROUGH) == 1
    err = capsys.readouterr().err
    assert reason in err
    assert snapshot(out) == before


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-inf", "1e309", "1e-400"])
def test_values_that_are_not_finite_numbers_are_refused(text, server, out, capsys):
    good = values(out, 848)
    server.state.revisions = {848: 1}
    server.state.faults.append(Fault("set_value", column="Value", value=text, indicator_id=848,
                                     area_code=SOUTHWARK, category="", times=None))  # fmt: skip
    capsys.readouterr()
    assert refresh(server.base_url, out, *BOROUGH) == 1
    err = capsys.readouterr().err
    # Not acceptable by an operator: a value nobody measured is never published.
    assert "not finite numbers" in err and "--accept-shrink" not in err
    assert refresh(server.base_url, out, *BOROUGH, "--accept-shrink", "848") == 1
    pd.testing.assert_frame_equal(values(out, 848), good)
    table = pd.read_parquet(out / "london" / "indicator_values.parquet")
    numbers = table.select_dtypes("float64").to_numpy()
    assert not (numbers == float("inf")).any() and not (numbers == float("-inf")).any()
