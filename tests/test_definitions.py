"""A snapshot of the definitions: every asset, check, job and schedule the UI shows.
A change here is a change analysts see; it should be deliberate."""

from __future__ import annotations

from pipelines.definitions import build_definitions

ASSETS = {
    "raw_fingertips__indicator_metadata": ("raw", None),
    "raw_fingertips__indicator_data": ("raw", None),
    "core_jsna__indicator_values": ("core", None),
    "core_jsna__england_headline": ("core", None),
    "out_jsna__borough_indicator_values": ("out", "boroughs"),
    "out_jsna__region_indicator_values": ("out", None),
    "out_jsna__data_dictionary": ("out", None),
    "out_jsna__changes": ("out", None),
    "out_jsna__borough_summary": ("out", "boroughs"),
    "out_jsna__borough_workbook": ("out", "boroughs"),
    "out_jsna__borough_report": ("out", "boroughs"),
    "out_jsna__index": ("out", None),
    "out_jsna__publication": ("out", None),
    "core_jsna__neighbourhood_values": ("core", None),
    "core_jsna__icb_values": ("core", None),
    "out_jsna__neighbourhood_values": ("out", "boroughs"),
    "out_jsna__icb_pack": ("out", None),
    "out_jsna__footprint_pack": ("out", None),
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
        partitioned = "boroughs" if node.partitions_def is not None else None
        found[key.to_user_string()] = (node.group_name, partitioned)
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
    assert {k for k, (group, _) in ASSETS.items() if group == "out"} - upstream == {"out_jsna__publication"}
