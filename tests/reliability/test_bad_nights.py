"""A bad night of each kind the second trust round found, then a good one: the bad night is
refused (or taken whole, as a valid gzip answer of two members is), and the next normal
refresh, once upstream is mended without a new upload time, publishes what the API serves."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from jsna.publication import OutputRoot
from tests.pipeline_helpers import copy_publication, good_fixture, refresh, snapshot
from tests.reliability.test_damage_harness import IDS, PUBLISHED_KEY, _number, served

good = good_fixture("--borough", "southwark")


BAD_NIGHTS = {
    "gzip of two members": [{"kind": "gzip_members", "times": None}],
    "polarity flipped": [{"kind": "set_metadata", "match": "indicator_metadata/csv", "column": "Polarity",
                          "value": "RAG - High is good", "indicator_id": 848, "times": None}],
    "text in a headline value": [{"kind": "set_value", "column": "Value", "value": "n/a", "indicator_id": 848,
                                  "area_code": "E09000028", "category": "", "times": None}],
    "200,000 extra areas": [{"kind": "extra_areas", "match": "area_type_id=502", "size": 200_000, "times": None}],
}  # fmt: skip


@pytest.mark.parametrize("night", BAD_NIGHTS)
def test_a_bad_night_then_a_good_one(night, server, good, tmp_path, monkeypatch):
    monkeypatch.setenv("JSNA_MAX_CONCURRENCY", "1")
    out = copy_publication(good, tmp_path / "out")
    before = snapshot(out)
    server.state.configure({"faults": BAD_NIGHTS[night], "revisions": {str(i): 1 for i in IDS}})
    code = refresh(server.base_url, out, "--borough", "southwark")
    assert OutputRoot(out).verify() == []
    if code == 1:
        southwark = pd.read_parquet(out / "areas" / "southwark" / "indicator_values.parquet")
        last_good = pd.read_parquet(good / "areas" / "southwark" / "indicator_values.parquet")
        changed = snapshot(out) != before
        # Refused: nothing changed, or only what other indicators brought (never the refused one's meaning).
        assert not changed or set(southwark["indicator_id"]) == set(last_good["indicator_id"])
    server.state.configure({"faults": []})  # mended upstream, no new upload time
    assert refresh(server.base_url, out, "--borough", "southwark", "--accept-metadata", "848") == 0
    clean = served(server)
    table = pd.read_parquet(out / "areas" / "southwark" / "indicator_values.parquet")
    for row in table[table["indicator_id"].isin(IDS)].to_dict("records"):
        key = tuple(str(row[c]) for c in PUBLISHED_KEY)
        expected = _number(clean[key][0])
        assert (math.isnan(expected) and math.isnan(row["value"])) or row["value"] == expected, (night, key)
    server.state.configure({"revisions": {}})
