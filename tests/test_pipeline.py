"""The whole graph against the sample API: outputs, exact values, quarantine, failure safety."""

from __future__ import annotations

import gc
import json
import weakref

import pandas as pd
import pyarrow.parquet as pq
import pytest

from jsna.areas import slugify
from jsna.catalogue import load_catalogue
from jsna.publication import OutputRoot
from jsna.sample_api.areas import LONDON_BOROUGHS
from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.server import running_sample_api
from pipelines.definitions import build_definitions
from resources.storage import ParquetIOManager
from schemas.indicator_values import COLUMN_NAMES, ROW_KEY, SERVED_NUMBERS
from tests.pipeline_helpers import copy_publication, good_publication, refresh, snapshot

KEY = ["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"]


pytestmark = pytest.mark.usefixtures("ephemeral_dagster")


def test_definitions_load():
    defs = build_definitions()
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {
        "raw_fingertips__indicator_data",
        "core_jsna__indicator_values",
        "out_jsna__area_indicator_values",
    } <= keys
    job = defs.resolve_job_def("refresh_all")
    # The one job is every asset and every check, unpartitioned: one run covers all of it.
    assert {k.to_user_string() for k in job.asset_layer.selected_asset_keys} == keys
    assert job.partitions_def is None


def test_all_33_borough_folders_and_root_files(published):
    out, _ = published
    slugs = sorted(p.name for p in (out / "areas").iterdir())
    assert slugs == sorted(slugify(n) for n in LONDON_BOROUGHS.values())
    assert len(slugs) == 33
    for slug in slugs:
        assert (out / "areas" / slug / "indicator_values.parquet").stat().st_size > 0
        csv = (out / "areas" / slug / "indicator_values_SYNTHETIC.csv").read_bytes()
        assert csv.startswith("\ufeffsource,".encode())  # BOM for Excel; synthetic: the source column first
    for name in ("london/indicator_values.parquet", "data_dictionary_SYNTHETIC.csv", "manifest.json"):
        assert (out / name).exists()
    assert not list(out.rglob("indicator_values.csv"))  # no CSV of synthetic data without the mark


def test_every_published_value_equals_the_served_value(published):
    out, served = published
    served = served.astype({"indicator_id": "int64"}).set_index(KEY)
    checked = 0
    for path in sorted((out / "areas").glob("*/indicator_values.parquet")):
        table = pd.read_parquet(path)
        assert list(table.columns) == list(COLUMN_NAMES)
        joined = table.set_index(KEY).join(served[list(SERVED_NUMBERS)].add_suffix("_served"), how="left")
        assert len(joined) == len(table)
        for column in SERVED_NUMBERS:
            text = joined[f"{column}_served"]
            assert text.notna().all(), f"{path}: a published row was not served"
            expected = pd.to_numeric(text.replace("", None)).astype("float64")
            got = joined[column]
            same = (got.isna() & expected.isna()) | (got == expected)
            assert same.all(), f"{path}: {column} differs from the served value"
            checked += int(got.notna().sum())
    assert checked > 10_000


def test_csv_numbers_match_parquet_to_the_last_digit(published):
    out, _ = published
    folder = out / "areas" / "southwark"
    parquet = pd.read_parquet(folder / "indicator_values.parquet")
    csv = pd.read_csv(
        folder / "indicator_values_SYNTHETIC.csv",
        encoding="utf-8-sig",
        keep_default_na=False,
        na_values=[""],
    )
    for column in SERVED_NUMBERS:
        assert ((parquet[column] == csv[column]) | (parquet[column].isna() & csv[column].isna())).all()


def test_suppressed_values_stay_empty_with_their_note(published):
    out, _ = published
    city = pd.read_parquet(out / "areas" / "city-of-london" / "indicator_values.parquet")
    suppressed = city[city["value_note"].str.contains("suppressed")]
    assert len(suppressed) > 0
    assert suppressed["value"].isna().all()


def test_comparators_and_labels(published):
    out, _ = published
    london = pd.read_parquet(out / "london" / "indicator_values.parquet")
    southwark = london[(london["area_code"] == "E09000028") & (london["indicator_id"] == 848)]
    england = london[
        (london["area_code"] == "E92000001") & (london["indicator_id"] == 848) & (london["category"] == "")
    ]
    row = southwark.iloc[0]
    match = england[
        (england["period"] == row["period"]) & (england["sex"] == row["sex"]) & (england["age"] == row["age"])
    ]
    assert row["england_value"] == match.iloc[0]["value"]
    assert (london["source"] == "synthetic sample").all()
    assert set(london["area_code"]) == set(LONDON_BOROUGHS) | {"E12000007", "E92000001"}


def test_manifest_describes_files_on_disk_and_says_synthetic(published):
    out, _ = published
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["synthetic"] is True
    assert "SYNTHETIC" in manifest["dataset"]
    assert manifest["catalogue_version"] == load_catalogue().version
    assert manifest["api_base_url"].startswith("http://127.0.0.1:")
    assert OutputRoot(out).verify() == []
    assert manifest["files"]["areas/southwark/indicator_values.parquet"]["rows"] > 0
    meta = pq.read_schema(out / "areas" / "southwark" / "indicator_values.parquet").metadata
    assert meta[b"jsna:synthetic"] == b"True"


def test_data_dictionary_lists_every_column_and_indicator(published):
    out, _ = published
    dictionary = pd.read_csv(
        out / "data_dictionary_SYNTHETIC.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    columns = dictionary[(dictionary["section"] == "column") & (dictionary["table"] == "indicator_values")]
    assert list(columns["name"]) == list(COLUMN_NAMES)
    indicators = dictionary[dictionary["section"] == "indicator"]
    assert set(indicators["name"].astype(int)) == set(load_catalogue().all_ids)
    assert indicators.loc[indicators["name"] == "93496", "has_data"].item() == "no"
    assert (indicators["domain"] != "").all()


def test_outputs_read_with_duckdb(published):
    duckdb = pytest.importorskip("duckdb")
    out, _ = published
    n = duckdb.sql(
        f"select count(*) from read_parquet('{out}/areas/*/indicator_values.parquet') where indicator_id = 848"
    ).fetchall()[0][0]
    assert n > 0


def test_bad_breakdown_row_is_quarantined_and_not_published(tmp_path, on_fault_suite_catalogue):
    decile = "Most deprived decile (IMD2019)"
    with running_sample_api(SampleApiState()) as server:
        server.state.faults.append(
            Fault(
                "set_value",
                column="Value",
                value="140",
                indicator_id=848,
                area_code="E92000001",
                category=decile,
                times=None,
            )
        )
        # One borough: the quarantined rows are England's, and the London table holds every borough.
        assert refresh(server.base_url, tmp_path, "--borough", "southwark") == 0
        # A quiet night recomputes nothing, and its check still reports the quarantine as published.
        defs = build_definitions(api_url=server.base_url, output_dir=str(tmp_path), areas=("southwark",))
        quiet = defs.resolve_job_def("refresh_all").execute_in_process()
    (check,) = [c for c in quiet.get_asset_check_evaluations() if c.check_name == "rows_valid"]
    assert not check.passed and check.metadata["quarantined_rows"].value == 5
    (core,) = quiet.asset_materializations_for_node("core_jsna__indicator_values")
    assert core.metadata["recomputed"].value == "nothing"
    quarantine = pd.read_csv(
        tmp_path / "quarantine" / "indicator_values_quarantine_SYNTHETIC.csv", encoding="utf-8-sig", dtype=str
    )
    assert len(quarantine) == 5  # one per period
    assert quarantine["reason"].str.contains("proportion").all()
    london = pd.read_parquet(tmp_path / "london" / "indicator_values.parquet")
    assert london[(london["indicator_id"] == 848) & (london["category"] == decile)].empty


@pytest.fixture(scope="module")
def two_boroughs(server, tmp_path_factory):
    """One good publication of Southwark and Lewisham (with its state folder), copied by each
    test that starts from a good publication."""
    return good_publication(server, tmp_path_factory, "--borough", "southwark", "lewisham")


def test_bad_headline_row_fails_the_run_and_keeps_previous_outputs(server, two_boroughs, tmp_path, capsys):
    out = copy_publication(two_boroughs, tmp_path / "out", server)
    before = snapshot(out)
    server.state.revisions = {848: 1}  # an upstream update, so the outputs would change
    server.state.faults.append(
        Fault(
            "set_value",
            column="Value",
            value="not a number",
            indicator_id=848,
            area_code="E09000028",
            category="",
            times=None,
        )
    )
    assert refresh(server.base_url, out, "--borough", "southwark", "lewisham") == 1
    err = capsys.readouterr().err
    assert "headline row(s) failed validation" in err
    assert "Traceback" not in err
    assert snapshot(out) == before


def test_api_failure_keeps_previous_outputs(server, two_boroughs, tmp_path, capsys):
    out = copy_publication(two_boroughs, tmp_path / "out", server)
    before = snapshot(out)
    server.state.faults.append(Fault("html", match="/api/", times=None))
    assert refresh(server.base_url, out, "--borough", "southwark", "lewisham") == 1
    assert "HTML page" in capsys.readouterr().err
    assert snapshot(out) == before


def test_selected_boroughs_only_and_no_table_outlives_its_step(tmp_path, monkeypatch, on_fault_suite_catalogue):
    """The refresh of a few areas writes only theirs. And a run holds the tables its steps
    hand on only as its IO manager reads them back: Dagster's ``execute_in_process`` kept
    every step's output until the run ended, so a run held every table it made at once."""
    handed: list[weakref.ref] = []
    alive_at_a_later_read: list[int] = []
    handle, load = ParquetIOManager.handle_output, ParquetIOManager.load_input

    def handle_output(self, context, obj):  # noqa: ANN001, ANN202
        handle(self, context, obj)
        if isinstance(obj, pd.DataFrame):
            handed.append(weakref.ref(obj))

    def load_input(self, context):  # noqa: ANN001, ANN202
        if any(ref() is not None for ref in handed):  # a full collection costs 0.3 s in a worker: only when needed
            gc.collect()
        alive_at_a_later_read.append(sum(ref() is not None for ref in handed))
        return load(self, context)

    monkeypatch.setattr(ParquetIOManager, "handle_output", handle_output)
    monkeypatch.setattr(ParquetIOManager, "load_input", load_input)
    with running_sample_api(SampleApiState()) as server:
        assert refresh(server.base_url, tmp_path, "--borough", "southwark", "lewisham", "lambeth") == 0
    written = sorted(p.name for p in (tmp_path / "areas").iterdir())
    assert written == ["lambeth", "lewisham", "southwark"]
    assert len(handed) >= 5 and alive_at_a_later_read and max(alive_at_a_later_read) == 0


def test_unknown_area_slug_is_a_clear_error(tmp_path, capsys):
    with running_sample_api(SampleApiState()) as server:
        assert refresh(server.base_url, tmp_path, "--area", "../etc") == 1
    err = capsys.readouterr().err
    assert "unknown area slug(s): ../etc; expected one of: city-of-london, barking-and-dagenham" in err
    assert not (tmp_path / "areas").exists()


def test_synthetic_data_is_never_written_where_real_outputs_live(tmp_path, monkeypatch, capsys):
    real = tmp_path / "real"
    monkeypatch.setenv("JSNA_REAL_OUTPUT_DIR", str(real))
    with running_sample_api(SampleApiState()) as server:
        assert refresh(server.base_url, real) == 1
    assert "where real outputs live" in capsys.readouterr().err
    assert not (real / "areas").exists()
    assert not (real / "manifest.json").exists()


def test_mixing_real_and_synthetic_in_one_root_is_refused(tmp_path, capsys):
    (tmp_path / "manifest.json").write_text(json.dumps({"synthetic": False, "files": {}}))
    with running_sample_api(SampleApiState()) as server:
        assert refresh(server.base_url, tmp_path) == 1
    assert "holds real Fingertips outputs" in capsys.readouterr().err
    assert not (tmp_path / "areas").exists()


def test_row_key_is_unique_in_published_tables(published):
    out, _ = published
    london = pd.read_parquet(out / "london" / "indicator_values.parquet")
    assert not london.duplicated(list(ROW_KEY)).any()
