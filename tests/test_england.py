"""All of England in one publication: every council with its own region beside it, ranks
among the region and among England, and one table per region (against the sample API's
nine regions). Alone in its file: the suite's longest test, started first.

What is checked here is the scope (which areas, which region, which ranks), not the
catalogue: the refresh publishes the first indicator of each of the catalogue's first two
domains (``JSNA_CATALOGUE``), so that 153 areas' packs cost what about ten would with all
of them (with seven domains this test took 66 core-seconds, half of them drawing the Word
chapters and their charts; with two, 39). Every indicator at every geography is checked by
the London and neighbourhood tests. Its packs are rendered in its own process, as the suite's
(``tests/conftest.py``): 32 to 33 core-seconds alone against 36 to 38 on the pool, whose rows
go there and back pickled, though it waits 33 s rather than 23."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from jsna.catalogue.load import DEFAULT_CATALOGUE
from jsna.sample_api.areas import upper_tier_areas
from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.server import running_sample_api
from tests.pipeline_helpers import catalogue_file, refresh

NORTH_WEST = "E12000002"
pytestmark = [pytest.mark.usefixtures("ephemeral_dagster"), pytest.mark.long]


@pytest.fixture
def one_per_domain(tmp_path, monkeypatch) -> list[int]:
    """A catalogue of the shipped one's first indicator in each of its first two domains, as
    the refresh's."""
    shipped = yaml.safe_load(DEFAULT_CATALOGUE.read_text())
    first = {}
    for entry in shipped["indicators"]:
        first.setdefault(entry["domain"], entry)
    first = dict(list(first.items())[:2])  # wellbeing, common mental health
    monkeypatch.setenv("JSNA_CATALOGUE", str(catalogue_file(tmp_path, list(first.values()), base=shipped)))
    return [entry["id"] for entry in first.values()]


def test_all_of_england_every_area_with_its_own_region(tmp_path, one_per_domain):
    out = tmp_path / "out"
    with running_sample_api(SampleApiState(fill=True)) as server:  # England at its real scale
        assert refresh(server.base_url, out, "--region", "england") == 0
    everyone = upper_tier_areas()
    assert len({p.name for p in (out / "areas").iterdir()}) == len(everyone) > 150
    table = pd.read_parquet(out / "england" / "indicator_values.parquet")
    assert set(table["indicator_id"]) == set(one_per_domain)
    regions = dict(zip(table["area_code"], table["region_code"], strict=True))
    assert all(regions[a.code] == a.region_code for a in everyone)
    summary = pd.read_parquet(out / "areas" / "southwark" / "summary.parquet")
    ranked = summary["ranked_areas"].dropna()
    assert len(ranked) and (ranked <= 33).all()  # ranks among London's boroughs ...
    assert (summary["england_ranked_areas"].dropna() > 100).all()  # ... and among England's
    # One table per region beside England's: its areas, the region and England.
    north_west = pd.read_parquet(out / "north-west" / "indicator_values.parquet")
    expected = {a.code for a in everyone if a.region_code == NORTH_WEST} | {NORTH_WEST, "E92000001"}
    assert set(north_west["area_code"]) == expected
    index = (out / "index.html").read_text()
    assert index.count("<h2 id=") == 9 and "North West region (24 areas)" in index
