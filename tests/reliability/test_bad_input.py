"""8. Bad input: a clear error, and no file written outside the output root."""

from __future__ import annotations

import pandas as pd
import pytest
from dagster import DagsterInstance

from jsna.publication import OutputRoot, UnsafePathError
from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.server import running_sample_api
from pipelines.definitions import build_definitions
from tests.pipeline_helpers import refresh
from tests.reliability.conftest import run_cli


def test_malformed_catalogue_yaml(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "catalogue.yaml"
    bad.write_text("version: 1\ndomains: [{key: a, name: A}]\nindicators:\n  - {id: 848, label: x, domain: a\n")
    monkeypatch.setenv("JSNA_CATALOGUE", str(bad))
    with running_sample_api(SampleApiState()) as server:
        assert refresh(server.base_url, tmp_path / "out") == 1
    err = capsys.readouterr().err
    assert "catalogue.yaml: not valid YAML" in err and "Traceback" not in err
    assert not (tmp_path / "out" / "areas").exists()


def test_unknown_indicator_id_is_listed_not_fatal(tmp_path, monkeypatch):
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text(
        "version: t\ndomains: [{key: a, name: A}]\nindicators:\n"
        "  - {id: 848, label: Depression, domain: a, why: x}\n"
        "  - {id: 987654, label: Not a real indicator, domain: a, why: x}\n"
    )
    monkeypatch.setenv("JSNA_CATALOGUE", str(catalogue))
    with running_sample_api(SampleApiState()) as server:
        defs = build_definitions(api_url=server.base_url, output_dir=str(tmp_path / "out"), areas=("southwark",))
        result = defs.resolve_job_def("refresh_all").execute_in_process()
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not checks["catalogue_ids_known"].passed
    assert checks["catalogue_ids_known"].metadata["unknown_ids"].value == [987654]
    assert not checks["catalogue_complete"].passed
    dictionary = pd.read_csv(tmp_path / "out" / "data_dictionary_SYNTHETIC.csv", encoding="utf-8-sig", dtype=str)
    assert dictionary.loc[dictionary["name"] == "987654", "has_data"].item() == "no"


def test_unknown_borough_slug(tmp_path):
    with running_sample_api(SampleApiState()) as server:
        done = run_cli("refresh", "--api-url", server.base_url, "--output", str(tmp_path), "--borough", "gotham")
    assert done.returncode == 1 and "unknown area slug(s): gotham" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_unknown_region_and_area_type_name_the_valid_ones(tmp_path):
    with running_sample_api(SampleApiState()) as server:
        region = run_cli("refresh", "--api-url", server.base_url, "--output", str(tmp_path), "--region", "narnia")
        area_type = run_cli("refresh", "--api-url", server.base_url, "--output", str(tmp_path), "--area-type", "7")
    assert region.returncode == 1 and len(region.stderr.strip().splitlines()) == 1
    assert "unknown region 'narnia'; expected england or one of: north-east (E12000001)" in region.stderr
    assert "north-west (E12000002)" in region.stderr and "london (E12000007)" in region.stderr
    assert area_type.returncode == 1 and "unknown area type 7; expected one of: 502" in area_type.stderr
    assert list(tmp_path.iterdir()) == []


LEAVING = ("../../etc", "southwark/../../x", "/tmp/evil", "Southwark ")


def test_an_area_leaving_the_root_is_refused(tmp_path):
    """An area named in a launch's configuration (the UI's launchpad, a test) that is not a
    slug of the scope reaches no path: it is said and published by no one."""
    with running_sample_api(SampleApiState()) as server:
        out = str(tmp_path / "out")
        defs = build_definitions(api_url=server.base_url, output_dir=out, areas=(*LEAVING, "southwark"))
        with DagsterInstance.ephemeral() as instance:
            result = defs.resolve_job_def("refresh_all").execute_in_process(instance=instance)
            logged = [entry.user_message for entry in instance.all_logs(result.run_id)]
    assert result.success
    assert sorted(p.name for p in (tmp_path / "out" / "areas").iterdir()) == ["southwark"]
    assert not (tmp_path / "etc").exists() and not (tmp_path / "x").exists() and not (tmp_path / "evil").exists()
    for key in LEAVING:
        assert any("not published" in m and key in m for m in logged), key


@pytest.mark.parametrize("relpath", ["../outside.csv", "a/../../outside.csv", "/tmp/outside.csv", "..\\x.csv"])
def test_output_path_leaving_the_root_is_refused(relpath, tmp_path):
    root = OutputRoot(tmp_path / "root")
    pub = root.stage("run")
    with pytest.raises(UnsafePathError):
        pub.write_bytes(relpath, b"x")
    assert not (tmp_path / "outside.csv").exists()
    assert not any(p.is_file() for p in (tmp_path / "root").rglob("*"))
