"""A snapshot of the definitions: every asset, check, job and schedule the UI shows.
A change here is a change analysts see; it should be deliberate."""

from __future__ import annotations

import subprocess
import sys

from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.server import running_sample_api
from pipelines.definitions import build_definitions

ASSETS = {
    "raw_fingertips__indicator_metadata": "raw",
    "raw_fingertips__indicator_data": "raw",
    "core_jsna__indicator_values": "core",
    "core_jsna__england_headline": "core",
    "out_jsna__area_indicator_values": "out",
    "out_jsna__region_indicator_values": "out",
    "out_jsna__data_dictionary": "out",
    "out_jsna__changes": "out",
    "out_jsna__area_summary": "out",
    "out_jsna__area_workbook": "out",
    "out_jsna__area_report": "out",
    "out_jsna__area_chapter": "out",
    "out_jsna__index": "out",
    "out_jsna__publication": "out",
    "core_jsna__neighbourhood_values": "core",
    "core_jsna__icb_values": "core",
    "out_jsna__neighbourhood_values": "out",
    "out_jsna__icb_pack": "out",
    "out_jsna__footprint_pack": "out",
    "core_jsna__inequalities": "core",
    "core_jsna__inequality_gradients": "core",
    "out_jsna__inequalities": "out",
}
CHECKS = {
    ("raw_fingertips__indicator_metadata", "catalogue_ids_known"),
    ("raw_fingertips__indicator_metadata", "metadata_plausible"),
    ("raw_fingertips__indicator_data", "catalogue_complete"),
    ("raw_fingertips__indicator_data", "answers_plausible"),
    ("core_jsna__indicator_values", "rows_valid"),
    ("core_jsna__neighbourhood_values", "neighbourhood_rows_valid"),
    ("core_jsna__icb_values", "icb_rows_valid"),
}


def test_every_asset_check_job_and_schedule():
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    found = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.partitions_def is None, key  # one run covers every area: nothing to pick at launch
        found[key.to_user_string()] = node.group_name
        assert node.description, key
        assert node.owners == ["team:public-health-intelligence"], key
    assert found == ASSETS
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert checks == CHECKS
    assert {j.name for j in defs.resolve_all_job_defs()} == {"refresh_all", "__ASSET_JOB"}
    assert [s.name for s in defs.get_repository_def().schedule_defs] == ["nightly_refresh"]
    publication = graph.get(next(k for k in graph.get_all_asset_keys() if k.path == ["out_jsna__publication"]))
    # The commit is downstream of every published asset: nothing is published before it runs.
    upstream = {k.to_user_string() for k in publication.parent_keys}
    assert {k for k, group in ASSETS.items() if group == "out"} - upstream == {"out_jsna__publication"}


def test_loading_the_definitions_reads_no_network_and_writes_nothing(tmp_path):
    """What ``dagster dev`` and every run worker do first: the areas are a run's business,
    so loading asks the API nothing and creates no state folder, even with nothing cached."""
    with running_sample_api(SampleApiState()) as server:
        env = {"FINGERTIPS_API_URL": server.base_url, "JSNA_OUTPUT_DIR": str(tmp_path / "out"), "PATH": ""}
        code = "import pipelines.definitions as d; print(len(d.defs.resolve_asset_graph().get_all_asset_keys()))"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
        asked = list(server.state.requests)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(len(ASSETS))
    assert asked == []
    assert list(tmp_path.iterdir()) == []
