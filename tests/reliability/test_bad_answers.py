"""3. Answers that are not the data asked for are refused and nothing is published;
a renamed parent column and unknown extra columns do not stop the refresh."""

from __future__ import annotations

import pytest

from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.server import running_sample_api
from tests.pipeline_helpers import copy_publication, good_fixture, refresh, snapshot
from tests.reliability.conftest import BOROUGHS, assert_same_tables

REFUSED = {
    "HTML with status 200": (Fault("html", times=None), "HTML page"),
    "CSV cut mid-row": (Fault("truncate_chunked", times=None), "cut short"),
    "CSV missing a required column": (Fault("drop_column", column="Value", times=None), "missing value"),
}


good = good_fixture("--borough", *BOROUGHS)


@pytest.mark.parametrize("name", list(REFUSED))
def test_bad_answer_is_refused_and_nothing_published(name, server, good, tmp_path, capsys):
    fault, expect = REFUSED[name]
    out = copy_publication(good, tmp_path / "out", server)
    before = snapshot(out)
    server.state.revisions = {848: 1, 41001: 1}
    server.state.faults.append(fault)
    assert refresh(server.base_url, out, "--borough", *BOROUGHS) == 1
    assert expect in capsys.readouterr().err
    assert snapshot(out) == before


def test_first_refresh_refused_publishes_nothing_at_all(tmp_path):
    with running_sample_api(SampleApiState(faults=[Fault("html", times=None)])) as server:
        assert refresh(server.base_url, tmp_path) == 1
    assert snapshot(tmp_path) == {}


def test_renamed_parent_column_and_extra_columns_still_work(tmp_path, clean_run):
    faults = [
        Fault("rename_column", column="Compared to Region value or percentiles",
              new_name="Compared to Regions (statistical) value or percentiles", times=None),
        Fault("extra_column", column="Brand new column", value="?", times=None),
        Fault("extra_column", column="Another one", value="", times=None),
    ]  # fmt: skip
    with running_sample_api(SampleApiState(faults=faults)) as server:
        assert refresh(server.base_url, tmp_path, "--borough", *BOROUGHS) == 0
    assert_same_tables(tmp_path, clean_run)
