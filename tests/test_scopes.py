"""Every council in England: another region, and areas that come and go
upstream, against the sample API's nine regions (areas learnt from the API, not code).

On the fault suite's catalogue (``tests/conftest.py``): what is asked here is which areas
and regions a refresh publishes; every indicator's values at every geography are checked
by the London and neighbourhood tests on the shipped catalogue."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
import requests

from jsna.areas import slugify
from jsna.fingertips.data_csv import parse_data_csv
from jsna.sample_api.areas import REGIONS
from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.server import running_sample_api
from tests.pipeline_helpers import active_catalogue, refresh

NORTH_WEST = "E12000002"
pytestmark = [pytest.mark.usefixtures("ephemeral_dagster", "fault_suite_catalogue"), pytest.mark.long]


def served(server, region: str | None) -> pd.DataFrame:  # noqa: ANN001
    ids = ",".join(str(i) for i in active_catalogue().ids)
    params = {"indicator_ids": ids, "child_area_type_id": 502, "parent_area_type_id": 6}
    if region:
        params["parent_area_code"] = region
    body = requests.get(f"{server.base_url}/all_data/csv/by_indicator_id", params=params, timeout=60).content
    return parse_data_csv(body).frame


def test_another_region_publishes_its_areas_only_with_its_region_beside_them(tmp_path, capsys):
    """Switched from London: the North West's areas alone, and the log says what it did."""
    out = tmp_path / "out"
    with running_sample_api(SampleApiState()) as server:
        assert refresh(server.base_url, out, "--borough", "southwark") == 0
        capsys.readouterr()
        assert refresh(server.base_url, out, "--region", "North West") == 0
        said = capsys.readouterr().out
        text = served(server, NORTH_WEST)
    (upstream,) = [line for line in said.splitlines() if line.startswith("Upstream:")]
    assert "publishing North West region; the last publication's London region folders go" in upstream
    mine = {slugify(a.name): a.code for a in server.state.areas() if a.region_code == NORTH_WEST}
    assert {p.name for p in (out / "areas").iterdir()} == set(mine)
    assert not (out / "london").exists()
    table = pd.read_parquet(out / "north-west" / "indicator_values.parquet")
    areas = table[table["area_code"].isin(mine.values())]
    assert set(areas["region_code"]) == {NORTH_WEST} and set(areas["region_name"]) == {REGIONS[NORTH_WEST]}
    region_rows = table[table["area_code"] == NORTH_WEST].set_index(["indicator_id", "period", "sex", "age"])
    headline = areas[areas["category"] == ""].set_index(["indicator_id", "period", "sex", "age"])
    expected = region_rows.loc[headline.index, "value"].to_numpy()
    assert pd.Series(headline["region_value"].to_numpy()).equals(pd.Series(expected))
    # Every value exactly as served (text -> float, nothing rounded).
    manchester = pd.read_parquet(out / "areas" / "manchester" / "indicator_values.parquet")
    served_rows = text[text["area_code"] == mine["manchester"]]
    by_key = dict(
        zip(
            zip(served_rows["indicator_id"].astype(int), served_rows["period"], served_rows["sex"],
                served_rows["age"], served_rows["category"], strict=True),
            served_rows["value"],
            strict=True,
        )
    )  # fmt: skip
    assert len(manchester) == len(by_key)
    for row in manchester.itertuples():
        cell = by_key[(row.indicator_id, row.period, row.sex, row.age, row.category)]
        assert (pd.isna(row.value) and cell == "") or row.value == float(cell)


def test_an_area_that_appears_upstream_is_published_and_one_that_goes_is_removed_from_the_table(tmp_path):
    out = tmp_path / "out"
    state = SampleApiState()
    with running_sample_api(state) as server:
        assert refresh(server.base_url, out, "--region", "north-west") == 0
        gone = next(a for a in state.areas() if a.region_code == NORTH_WEST and a.name == "Liverpool")
        state.configure({
            "added_areas": {"E06999901": ["Northshire", NORTH_WEST]},
            "removed_areas": [gone.code],
            "revisions": {str(i): 1 for i in active_catalogue().ids[:1]},  # an upstream update brings the list
        })  # fmt: skip
        assert refresh(server.base_url, out, "--region", "north-west") == 0
    table = pd.read_parquet(out / "north-west" / "indicator_values.parquet")
    assert "E06999901" in set(table["area_code"]) and gone.code not in set(table["area_code"])
    assert (out / "areas" / "northshire" / "indicator_values.parquet").exists()
    changes = pd.concat(pd.read_parquet(p) for p in sorted((out / "changes").glob("*.parquet")))
    assert set(changes.loc[changes["area_code"] == "E06999901", "change"]) <= {"added", "new period"}
    assert set(changes.loc[changes["area_code"] == gone.code, "change"]) == {"removed"}
    # The folder of the area that went is removed in the same publication, and from the manifest.
    assert not (out / "areas" / "liverpool").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert not [f for f in manifest["files"] if f.startswith("areas/liverpool/")]
    # One publication, one data fingerprint (the changes tables are each day's own record).
    built = {v["data"] for k, v in manifest["files"].items() if not k.startswith("changes/")}
    assert built == {manifest["data_fingerprint"]}


def test_an_upgraded_publication_drops_the_old_layout_and_says_what_was_renamed(tmp_path):
    """A publication made before every council in England: area folders under boroughs/
    and london_value in the London table. The next refresh moves to areas/, removes the
    old folders in the same commit, and its changes table says the column was renamed
    without showing any value as revised."""
    out = tmp_path / "out"
    with running_sample_api(SampleApiState()) as server:
        assert refresh(server.base_url, out, "--borough", "southwark", "lewisham") == 0
        manifest = json.loads((out / "manifest.json").read_text())
        for slug in ("southwark", "lewisham"):
            shutil.copytree(out / "areas" / slug, out / "boroughs" / slug)
            for name, entry in list(manifest["files"].items()):
                if name.startswith(f"areas/{slug}/"):
                    manifest["files"]["boroughs/" + name.removeprefix("areas/")] = entry
        (out / "manifest.json").write_text(json.dumps(manifest))
        table = out / "london" / "indicator_values.parquet"
        old = pd.read_parquet(table).drop(columns=["region_code", "region_name"])
        old.rename(columns={"region_value": "london_value"}).to_parquet(table, index=False)
        assert refresh(server.base_url, out, "--borough", "southwark", "lewisham") == 0
    assert not (out / "boroughs").exists()
    manifest = json.loads((out / "manifest.json").read_text())
    assert not [f for f in manifest["files"] if f.startswith("boroughs/")]
    assert (out / "areas" / "southwark" / "indicator_values.parquet").exists()
    changes = pd.concat(pd.read_parquet(p) for p in sorted((out / "changes").glob("*.parquet")))
    assert list(changes["change"]) == ["renamed column"]
    assert changes.iloc[0]["indicator_name"].startswith("london_value is now region_value")


def test_the_lower_tier_works_the_same_way(tmp_path):
    out = tmp_path / "out"
    with running_sample_api(SampleApiState()) as server:
        assert refresh(server.base_url, out, "--area-type", "501", "--borough", "southwark") == 0
    table = pd.read_parquet(out / "areas" / "southwark" / "indicator_values.parquet")
    assert set(table["area_type"]) == {"Districts & UAs (from Apr 2023)"}
    assert set(table["region_code"]) == {"E12000007"}
