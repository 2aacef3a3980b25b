"""12. One run is one publication: whatever fails, every file a run rebuilds is from one
refresh, and the next run repairs anything that is not."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from jsna.publication import OutputRoot
from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.server import running_sample_api
from tests.pipeline_helpers import copy_publication, good_fixture, refresh, snapshot
from tests.reliability.test_kill import assert_one_publication

SOUTHWARK = "E09000028"


good = good_fixture("--borough", "southwark")


def test_non_adjacent_boroughs_are_one_consistent_publication(tmp_path):
    with running_sample_api(SampleApiState()) as server:
        assert refresh(server.base_url, tmp_path, "--borough", "barnet", "southwark") == 0
        server.state.revisions = {848: 1}
        assert refresh(server.base_url, tmp_path, "--borough", "barnet", "southwark") == 0
    assert_one_publication(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    for slug in ("barnet", "southwark"):
        for name in (
            "indicator_values.parquet",
            "summary.parquet",
            f"jsna_mental_wellbeing_{slug}.xlsx",
            "report.html",
        ):
            assert manifest["files"][f"areas/{slug}/{name}"]["data"] == manifest["data_fingerprint"]
        summary = pq.read_table(tmp_path / "areas" / slug / "summary.parquet").to_pandas()
        table = pd.read_parquet(tmp_path / "areas" / slug / "indicator_values.parquet")
        latest = table[(table["indicator_id"] == 848) & (table["category"] == "") & (table["sex"] == "Persons")]
        latest = latest.sort_values("period_sortable").iloc[-1]
        assert summary.loc[summary["indicator_id"] == 848, "value"].iloc[0] == latest["value"]
    assert not (tmp_path / "areas" / "lambeth").exists()


def test_a_control_character_fails_the_run_whole_and_publishes_nothing(server, good, tmp_path, capsys):
    out = copy_publication(good, tmp_path / "out", server)
    before = snapshot(out)
    server.state.revisions = {848: 1, 41001: 1}
    server.state.faults.append(Fault("set_value", column="Value note", value="suppressed\x0bsmall numbers",
                                     indicator_id=848, area_code=SOUTHWARK, category="", times=None))  # fmt: skip
    assert refresh(server.base_url, out, "--borough", "southwark") == 1
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert "value_note holds a control character (U+000B)" in first and "\x0b" not in err
    assert snapshot(out) == before
    assert OutputRoot(out).verify() == []


def test_a_failure_in_the_last_step_before_the_commit_publishes_nothing(server, good, tmp_path, capsys):
    """The report step fails (its folder cannot be written): the tables staged before it
    are not published either."""
    out = copy_publication(good, tmp_path / "out", server)
    before = snapshot(out)
    server.state.revisions = {848: 1}
    with pytest.MonkeyPatch.context() as mp:
        import assets.area_packs

        def broken(*args, **kwargs):
            raise RuntimeError("the report could not be drawn")

        mp.setattr(assets.area_packs, "area_report", broken)
        assert refresh(server.base_url, out, "--borough", "southwark") == 1
    assert "the report could not be drawn" in capsys.readouterr().err
    assert snapshot(out) == before
    # Nothing was recorded as published: the next run (nothing new upstream) publishes it.
    assert refresh(server.base_url, out, "--borough", "southwark") == 0
    assert snapshot(out) != before
    assert_one_publication(out)
