"""5. 150 catalogue ids against the server's 100-id truncation: nothing lost."""

from __future__ import annotations

import pandas as pd

from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.indicators import FILLER_RANGE
from jsna.sample_api.server import running_sample_api
from tests.conftest import requested_ids
from tests.pipeline_helpers import catalogue_file, refresh


def test_150_catalogue_ids_all_arrive(tmp_path, monkeypatch, with_icbs):
    ids = list(FILLER_RANGE)[:150]
    fillers = [{"id": i, "label": f"Filler {i}", "domain": "wider_determinants", "why": "test"} for i in ids]
    monkeypatch.setenv("JSNA_CATALOGUE", str(catalogue_file(tmp_path, fillers)))
    with running_sample_api(SampleApiState()) as server:
        assert refresh(server.base_url, tmp_path / "out", "--borough", "southwark") == 0
        chunks = requested_ids(server, 502)
    # Every id asked for, in chunks of 100 at most (a chunk retried after a slow answer on a
    # loaded machine is asked twice: the same ids, nothing more).
    assert all(len(c) <= 100 for c in chunks) and sorted(set(sum(chunks, []))) == sorted(ids)
    icb_chunks = requested_ids(server, 221)  # the same ids at ICB level, also in chunks of 100 at most
    assert all(len(c) <= 100 for c in icb_chunks) and sorted(set(sum(icb_chunks, []))) == sorted(ids)
    london = pd.read_parquet(tmp_path / "out" / "london" / "indicator_values.parquet")
    assert set(london["indicator_id"]) == set(ids)
    southwark = pd.read_parquet(tmp_path / "out" / "areas" / "southwark" / "indicator_values.parquet")
    assert set(southwark["indicator_id"]) == set(ids)
