"""The sample API's two Englands: all 153 councils (``make sample``), or the suite's smaller
one (London's boroughs and the named councils elsewhere), which must be the same England
cut down: the same regions, codes, names and neighbourhoods, only fewer councils."""

from __future__ import annotations

import csv
import io
import json

import pytest

from jsna.sample_api import data, routes
from jsna.sample_api.areas import LONDON_BOROUGHS, LONDON_ICBS, OTHER_UPPER_TIER, REGIONS
from jsna.sample_api.faults import SampleApiState

SOUTHWARK = "E09000028"


def test_the_smaller_england_is_the_full_one_cut_to_its_named_councils():
    full, named = SampleApiState(fill=True).areas(), SampleApiState(fill=False).areas()
    assert len(full) == 153
    assert {a.code for a in named} == set(LONDON_BOROUGHS) | set(OTHER_UPPER_TIER)
    assert len(named) == 45
    assert set(named) <= set(full)  # each council as the full England has it: code, name, region
    assert {a.region_code for a in named} == set(REGIONS)  # every region keeps councils


def test_a_council_keeps_its_neighbourhoods_in_the_smaller_england():
    def msoas(state: SampleApiState) -> list[str]:
        return [p.code for p in data.neighbourhood_places(SOUTHWARK, state.areas())[1]]

    assert msoas(SampleApiState(fill=False)) == msoas(SampleApiState(fill=True)) != []


def test_the_smaller_england_has_london_s_icbs_and_five_others_with_their_codes():
    def listed(state: SampleApiState) -> list[tuple[str, str]]:
        body, _ = routes.areas_by_type(state, {"area_type_id": ["221"]}, [])
        return [(a["Code"], a["Name"]) for a in json.loads(body)]

    full, named = listed(SampleApiState(fill=True)), listed(SampleApiState(fill=False))
    assert len(full) == 42 and len(named) == 10 and named == full[:10]
    assert {name for _, name in named} >= set(LONDON_ICBS)
    query = {"indicator_ids": ["848"], "child_area_type_id": ["221"], "parent_area_type_id": ["15"]}
    body, _ = routes.all_data(SampleApiState(fill=False), query, [])
    served = {row["Area Code"] for row in csv.DictReader(io.StringIO(body.decode("utf-8")))}
    assert served == {code for code, _ in named} | {"E92000001"}


def test_the_smaller_england_answers_for_its_councils_regions_and_england_only():
    state = SampleApiState(fill=False)
    query = {"indicator_ids": ["848"], "child_area_type_id": ["502"], "parent_area_type_id": ["6"]}
    body, _ = routes.all_data(state, query, [])
    served = {row["Area Code"] for row in csv.DictReader(io.StringIO(body.decode("utf-8")))}
    assert served == {a.code for a in state.areas()} | set(REGIONS) | {"E92000001"}


@pytest.mark.parametrize(("setting", "fill"), [("named", False), ("full", True), (None, True)])
def test_the_setting_chooses_the_england(monkeypatch, setting, fill):
    if setting is None:
        monkeypatch.delenv("JSNA_SAMPLE_ENGLAND", raising=False)
    else:
        monkeypatch.setenv("JSNA_SAMPLE_ENGLAND", setting)
    assert SampleApiState().fill is fill


def test_the_config_switches_the_england_and_says_which():
    state = SampleApiState(fill=False)
    state.configure({"fill": True})
    assert len(state.areas()) == 153 and state.snapshot()["fill"] is True


def test_a_fault_free_answer_is_kept_and_a_revision_or_a_fault_answers_afresh():
    """The sample API keeps fault-free answers (the suite asks the same question refresh after
    refresh), keyed by everything that shapes them: a revision, another England or a fault of
    the request is a new answer."""
    from jsna.sample_api.faults import Fault

    state = SampleApiState(fill=False)
    query = {"indicator_ids": ["848"], "child_area_type_id": ["502"], "parent_area_type_id": ["6"]}
    first, _ = routes.all_data(state, query, [])
    hits = routes._clean_answer.cache_info().hits  # noqa: SLF001 - the cache is the subject
    assert routes.all_data(state, query, [])[0] == first
    assert routes._clean_answer.cache_info().hits == hits + 1  # noqa: SLF001
    state.revisions = {848: 1}
    revised, _ = routes.all_data(state, query, [])
    assert revised != first
    state.revisions = {}
    state.configure({"fill": True})
    assert routes.all_data(state, query, [])[0] != first
    state.configure({"fill": False})
    dropped, _ = routes.all_data(state, query, [Fault("drop_column", column="Value")])
    assert b"Value note" in dropped and b",Value," not in dropped.split(b"\r\n", 1)[0]
    assert routes.all_data(state, query, [])[0] == first
