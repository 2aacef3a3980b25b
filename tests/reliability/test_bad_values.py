"""4. Bad values are quarantined with reasons and counted in the check result; the run
fails when a headline row is affected; nothing bad is published."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.server import running_sample_api
from pipelines.definitions import build_definitions
from tests.pipeline_helpers import copy_publication, snapshot

DECILE = "Most deprived decile (IMD2019)"
ENGLAND = "E92000001"


def run(server, out, raise_on_error=True):
    defs = build_definitions(api_url=server.base_url, output_dir=str(out), areas=("southwark",))
    return defs.resolve_job_def("refresh_all").execute_in_process(raise_on_error=raise_on_error)


def rows_valid(result):
    evaluations = [e for e in result.get_asset_check_evaluations() if e.check_name == "rows_valid"]
    assert len(evaluations) == 1
    return evaluations[0]


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("Value", "n/a", "value is not a number ('n/a')"),
        ("Lower CI 95.0 limit", "999", "lower_ci_95 <= value <= upper_ci_95"),
        ("Value", "140", "a proportion (%) lies within 0-100"),
    ],
    ids=["text in Value", "CI bounds inverted", "proportion of 140"],
)
def test_breakdown_rows_are_quarantined_with_reasons(column, value, reason, tmp_path):
    fault = Fault("set_value", column=column, value=value, indicator_id=848, area_code=ENGLAND, category=DECILE,
                  times=None)  # fmt: skip
    with running_sample_api(SampleApiState(faults=[fault])) as server:
        result = run(server, tmp_path)
    check = rows_valid(result)
    assert not check.passed
    assert check.metadata["quarantined_rows"].value == 5
    quarantine = pd.read_parquet(tmp_path / "quarantine" / "indicator_values_quarantine.parquet")
    assert len(quarantine) == 5 and quarantine["reason"].str.contains(reason, regex=False).all()
    assert (quarantine["category"] == DECILE).all()
    london = pd.read_parquet(tmp_path / "london" / "indicator_values.parquet")
    assert london[(london["indicator_id"] == 848) & (london["category"] == DECILE)].empty


@dataclass(frozen=True)
class Clean:
    passed: bool  # the rows_valid check of the fault-free run
    out: Path  # its publication, which the headline tests copy and then break


@pytest.fixture(scope="module")
def clean(server, tmp_path_factory: pytest.TempPathFactory) -> Clean:
    """One fault-free run of Southwark from the module's server, shared by the clean check
    and the headline tests (each breaks a copy of it: one run, not one per test)."""
    out = tmp_path_factory.mktemp("clean") / "out"
    mp = pytest.MonkeyPatch()
    mp.delenv("DAGSTER_HOME", raising=False)
    try:
        server.state.configure({"faults": [], "revisions": {}})
        result = run(server, out)
    finally:
        mp.undo()
    assert result.success
    return Clean(rows_valid(result).passed, out)


def test_clean_run_passes_the_check(clean):
    assert clean.passed


@pytest.mark.parametrize("column,value", [("Value", "abc"), ("Upper CI 95.0 limit", "0.5"), ("Value", "140")])
def test_headline_row_affected_fails_the_run_and_publishes_nothing_bad(column, value, server, clean, tmp_path):
    out = copy_publication(clean.out, tmp_path / "out", server)
    before = snapshot(out)
    server.state.revisions = {848: 1}
    server.state.faults.append(Fault("set_value", column=column, value=value, indicator_id=848,
                                     area_code="E09000028", category="", times=None))  # fmt: skip
    result = run(server, out, raise_on_error=False)
    assert not result.success
    assert snapshot(out) == before
