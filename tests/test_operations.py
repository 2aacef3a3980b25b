"""Operating it: schedule, change-aware refresh, change table, freshness, progress."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from dagster import DagsterInstance, build_schedule_context
from dagster._utils.schedules import cron_string_iterator

from jsna.publication import OutputRoot
from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.server import running_sample_api
from pipelines.definitions import build_definitions
from pipelines.schedules import nightly_refresh
from tests.conftest import data_requests, requested_ids
from tests.pipeline_helpers import active_catalogue, copy_publication, good_fixture, refresh, snapshot

LONDON = ZoneInfo("Europe/London")
FEW = ("--borough", "southwark", "lewisham", "lambeth")  # the whole graph runs; fewer boroughs keep tests quick


# How a refresh meets a night, not each indicator's values: the fault suite's catalogue.
pytestmark = [pytest.mark.usefixtures("fault_suite_catalogue", "ephemeral_dagster"), pytest.mark.long]


# One good publication for the module's tests, with the ICBs: every extract, as by default.
good_with_icbs = good_fixture(*FEW, env={"JSNA_ICBS": "yes"})


@pytest.mark.parametrize(
    ("start", "label"),
    [
        (datetime(2026, 3, 27, 12, tzinfo=LONDON), "spring forward"),
        (datetime(2026, 10, 23, 12, tzinfo=LONDON), "fall back"),
    ],
)
def test_nightly_tick_is_0200_london_on_both_sides_of_a_clock_change(start, label):
    ticks = cron_string_iterator(start.timestamp(), nightly_refresh.cron_schedule, nightly_refresh.execution_timezone)
    times = [next(ticks) for _ in range(4)]
    assert [t.astimezone(LONDON).hour for t in times] == [2, 2, 2, 2], label
    offsets = {t.astimezone(LONDON).utcoffset().total_seconds() for t in times}
    assert len(offsets) == 2, f"{label}: the ticks should span the clock change"
    for tick in times:
        requests = nightly_refresh.evaluate_tick(build_schedule_context(scheduled_execution_time=tick)).run_requests
        assert len(requests) == 1  # one run: every area, one publication
        assert requests[0].tags["jsna/trigger"] == "nightly"
        assert not any("partition" in key for key in requests[0].tags)
        assert requests[0].run_key == tick.isoformat()


def test_schedule_runs_by_default_and_definitions_hold_freshness_policies():
    defs = build_definitions()
    schedule = defs.resolve_schedule_def("nightly_refresh")
    assert schedule.default_status.value == "RUNNING"
    graph = defs.resolve_asset_graph()
    for key in ("out_jsna__area_indicator_values", "out_jsna__region_indicator_values"):
        node = graph.get(next(k for k in graph.get_all_asset_keys() if k.to_user_string() == key))
        assert node.freshness_policy is not None
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups == {"raw", "core", "out"}


def test_unchanged_upstream_makes_no_data_requests_and_rewrites_nothing(
    server, good_with_icbs, tmp_path, capsys, with_icbs
):
    tmp_path = copy_publication(good_with_icbs, tmp_path / "out", server)
    first = snapshot(tmp_path)
    mtimes = {p: (tmp_path / p).stat().st_mtime_ns for p in first}
    server.state.requests.clear()
    assert refresh(server.base_url, tmp_path, *FEW) == 0
    assert data_requests(server) == []
    assert all("metadata" in r["path"] for r in server.state.requests)
    assert "no upstream change" in capsys.readouterr().out
    assert snapshot(tmp_path) == first
    assert {p: (tmp_path / p).stat().st_mtime_ns for p in first} == mtimes  # not even rewritten


def test_full_refresh_fetches_everything(server, good_with_icbs, tmp_path, with_icbs):
    tmp_path = copy_publication(good_with_icbs, tmp_path / "out", server)
    server.state.requests.clear()
    assert refresh(server.base_url, tmp_path, "--full", *FEW) == 0
    catalogue = active_catalogue()
    # Every extract asks again for all its ids: the councils', the MSOAs', the ICBs'.
    for area_type, ids in ((502, catalogue.ids), (3, catalogue.neighbourhood_ids), (221, catalogue.ids)):
        assert sorted(sum(requested_ids(server, area_type), [])) == sorted(ids)


def test_a_changed_indicator_is_fetched_alone_and_reported(server, good_with_icbs, tmp_path, with_icbs):
    tmp_path = copy_publication(good_with_icbs, tmp_path / "out", server)
    before = pd.read_parquet(tmp_path / "london" / "indicator_values.parquet")
    server.state.requests.clear()
    server.state.revisions = {41001: 1}
    assert refresh(server.base_url, tmp_path, *FEW) == 0
    requested = [r["query"] for r in data_requests(server)]
    # Asked for alone, once for the councils and once for the ICBs (the catalogue is fetched for both).
    assert len(requested) == 2 and all(r.startswith("indicator_ids=41001&") for r in requested)
    assert {re.search(r"child_area_type_id=(\d+)", r).group(1) for r in requested} == {"502", "221"}
    files = sorted((tmp_path / "changes").glob("*.csv"))
    assert len(files) == 1 and files[0].name.endswith("_SYNTHETIC.csv")
    changes = pd.read_parquet(next((tmp_path / "changes").glob("*.parquet")))
    assert set(changes["indicator_id"]) == {41001}
    assert set(changes["change"]) == {"revised"}
    old = before.set_index(["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"])
    row = changes.iloc[0]
    key = (41001, row.area_code, row.period, row.sex, row.age, row.category_type, row.category)
    assert old.loc[key, "value"] == row.old_value


def test_raw_store_is_keyed_by_api(server, good_with_icbs, tmp_path, with_icbs):
    tmp_path = copy_publication(good_with_icbs, tmp_path / "out", server)  # published from the module's server
    with running_sample_api(SampleApiState()) as second:
        assert refresh(second.base_url, tmp_path, *FEW) == 0
        catalogue = active_catalogue()
        for area_type, ids in ((502, catalogue.ids), (3, catalogue.neighbourhood_ids), (221, catalogue.ids)):
            assert sorted(sum(requested_ids(second, area_type), [])) == sorted(ids)  # nothing reused across APIs
    assert len(list((OutputRoot(tmp_path).state_dir / "raw").iterdir())) == 2 * 3  # a store per API and extract
    assert not (tmp_path / ".raw").exists() and not (tmp_path / ".dagster").exists()  # state stays outside


def test_progress_is_quiet_under_ci_and_failure_is_one_line(tmp_path):
    with running_sample_api(SampleApiState()) as server:
        env = {**os.environ, "CI": "true"}
        env.pop("DAGSTER_HOME", None)
        done = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "refresh", "--api-url", server.base_url, "--output", str(tmp_path),
             *FEW],
            capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "\r" not in done.stderr
    assert "chunks fetched" not in done.stderr
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["synthetic"] is True


def test_output_root_as_a_file_uri(tmp_path):
    with running_sample_api(SampleApiState()) as server:
        uri = (tmp_path / "viauri").as_uri()
        assert refresh(server.base_url, uri, *FEW) == 0
    assert (tmp_path / "viauri" / "areas" / "southwark" / "indicator_values.parquet").exists()
    assert json.loads((tmp_path / "viauri" / "manifest.json").read_text())["synthetic"] is True


def test_output_root_on_an_object_store(tmp_path, monkeypatch):
    fsspec = pytest.importorskip("fsspec")
    monkeypatch.setenv("JSNA_CACHE_DIR", str(tmp_path / "cache"))
    fs = fsspec.filesystem("memory")
    with running_sample_api(SampleApiState()) as server:
        assert refresh(server.base_url, "memory://jsna-bucket/outputs", "--borough", "southwark", "lewisham") == 0
    manifest = json.loads(fs.cat_file("/jsna-bucket/outputs/manifest.json"))
    for relpath, entry in manifest["files"].items():
        data = fs.cat_file(f"/jsna-bucket/outputs/{relpath}")
        assert len(data) == entry["bytes"], relpath
    assert "areas/southwark/indicator_values_SYNTHETIC.csv" in manifest["files"]


def test_one_run_shows_each_areas_rows_and_file_on_the_asset(tmp_path):
    """Without a partition per area, the asset's page still says, area by area, what was
    published: each area's row count equals its file's, and the preview is of its rows."""
    with running_sample_api(SampleApiState()) as server:
        defs = build_definitions(api_url=server.base_url, output_dir=str(tmp_path), areas=("southwark", "lewisham"))
        instance = DagsterInstance.ephemeral()
        result = defs.resolve_job_def("refresh_all").execute_in_process(instance=instance)
    # The run's log says first that its data are synthetic (the sample API declares it).
    said = [r.user_message for r in instance.all_logs(result.run_id) if not r.is_dagster_event]
    assert said[0].startswith("SYNTHETIC SAMPLE DATA")
    (event,) = result.asset_materializations_for_node("out_jsna__area_indicator_values")
    records = {r.data["slug"]: r.data for r in event.metadata["by_area"].value.records}
    assert sorted(records) == ["lewisham", "southwark"]
    for slug, record in records.items():
        rows = len(pd.read_parquet(tmp_path / "areas" / slug / "indicator_values.parquet"))
        assert record["rows"] == rows and record["file"] == f"areas/{slug}/indicator_values_SYNTHETIC.csv"
    assert event.metadata["dagster/row_count"].value == sum(r["rows"] for r in records.values())
    table = pd.read_parquet(tmp_path / "areas" / "lewisham" / "indicator_values.parquet")
    preview = event.metadata["preview"].value
    assert "indicator_name" in preview and table["indicator_name"].iloc[0][:40] in preview
    assert sorted(p.name for p in (tmp_path / "areas").iterdir()) == ["lewisham", "southwark"]
