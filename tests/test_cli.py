"""The ``jsna`` command as a user runs it: separate processes, real sockets."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.pipeline_helpers import free_port
from tests.reliability.conftest import run_cli

JSNA = [sys.executable, "-m", "pipelines.cli"]


def test_sample_api_command_answers():
    port = free_port()
    proc = subprocess.Popen([*JSNA, "sample-api", "--port", str(port)], stdout=subprocess.PIPE, text=True)
    try:
        banner = proc.stdout.readline()
        assert "SYNTHETIC DATA" in banner
        for _ in range(50):
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/api/areas/by_area_type?area_type_id=6", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert answer.status_code == 200
        assert answer.headers["X-Data-Synthetic"] == "true"
        assert "E12000007" in {a["Code"] for a in answer.json()}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_unreachable_api_fails_with_a_short_message_and_a_hint(tmp_path):
    # As `make run` runs it: with the project's DAGSTER_HOME settings (request logs at INFO).
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "pipelines" / "instance" / "dagster.yaml", home)
    env = {**os.environ, "FINGERTIPS_API_URL": f"http://127.0.0.1:{free_port()}/api", "DAGSTER_HOME": str(home)}
    done = subprocess.run(
        [*JSNA, "refresh", "--output", str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 1
    assert "could not be reached" in done.stderr
    assert "make sample" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert len(done.stderr.strip().splitlines()) == 2, done.stderr  # the reason and the hint
    # The first request is the area list (before the run); a long id list would be shortened.
    assert "/api/areas/by_area_type?area_type_id=6" in done.stderr
    assert not (tmp_path / "out" / "areas").exists()


def test_a_malformed_api_url_is_refused_before_any_request(tmp_path):
    port = free_port()
    with socket.socket() as listener:  # anything connecting here would be a request
        listener.bind(("127.0.0.1", port))
        listener.listen()
        listener.settimeout(0.1)
        for url in (
            "not-a-url",
            f"ftp://127.0.0.1:{port}/api",
            f"http://127.0.0.1:{port}/",
            f"http://127.0.0.1:{port}",
        ):
            done = run_cli("refresh", "--api-url", url, "--output", str(tmp_path / "out"))
            assert done.returncode == 1, url
            assert done.stderr.startswith("error: the API URL") and len(done.stderr.strip().splitlines()) == 1
            try:
                listener.accept()
                raise AssertionError(f"{url}: a request was made")
            except TimeoutError:
                pass
    assert not (tmp_path / "out").exists()


def test_output_that_is_a_file_or_empty_is_a_one_line_error(tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    for output, expected in ((str(a_file), "is a file, not a folder"), ("", "the output folder is empty")):
        done = run_cli("refresh", "--api-url", "http://127.0.0.1:9/api", "--output", output)
        assert done.returncode == 1 and expected in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert a_file.read_text() == "x"


def test_the_readme_duckdb_example_runs_in_the_runtime_environment(published):
    """duckdb is a runtime dependency: the README's query works where `make run` installs."""
    import duckdb

    out, _ = published
    rows = duckdb.sql(
        f"""select area_name, period, value, region_value, england_value
        from read_parquet('{out}/areas/*/indicator_values.parquet')
        where indicator_id = 41001 and sex = 'Persons' and category = ''
        order by period_sortable desc, value desc"""
    ).fetchall()
    assert len(rows) > 33
    import tomllib

    deps = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"][
        "dependencies"
    ]
    assert any(d.startswith("duckdb") for d in deps)


def test_the_sample_ui_banner_leads_every_asset_description(monkeypatch):
    from pipelines.definitions import build_definitions

    monkeypatch.setenv("JSNA_UI_BANNER", "SYNTHETIC SAMPLE DATA - not real statistics.")
    graph = build_definitions().resolve_asset_graph()
    descriptions = [graph.get(k).description for k in graph.get_all_asset_keys()]
    assert descriptions and all(d.startswith("SYNTHETIC SAMPLE DATA - not real") for d in descriptions)
    assert not any("**" in d for d in descriptions)  # the catalogue shows the text as it is
    monkeypatch.delenv("JSNA_UI_BANNER")
    graph = build_definitions().resolve_asset_graph()
    assert not any("SYNTHETIC" in graph.get(k).description for k in graph.get_all_asset_keys())
    # The paths in descriptions are code, so Markdown keeps <slug> instead of eating it as HTML.
    assert (
        "`areas/<slug>/indicator_values.parquet`"
        in graph.get(
            next(k for k in graph.get_all_asset_keys() if k.path == ["out_jsna__area_indicator_values"])
        ).description
    )


def test_the_command_freezes_what_a_refresh_imported_and_a_python_caller_keeps_its_own(
    tmp_path, sample_api, on_fault_suite_catalogue, monkeypatch
):
    """``jsna refresh`` as a command (``command``: its own process) freezes the graph's
    modules before the run (``pipelines.refresh._freeze_imports``); ``main`` called from
    Python leaves the caller's collector as it found it. ``gc.freeze`` is watched, not run."""
    import gc

    from pipelines.cli import command, main

    frozen: list[str] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append("pipelines.definitions" in sys.modules))
    args = ["refresh", "--api-url", sample_api.base_url, "--borough", "southwark"]
    assert main([*args, "--output", str(tmp_path / "here")]) == 0
    assert frozen == []
    monkeypatch.setattr(sys, "argv", ["jsna", *args, "--output", str(tmp_path / "own")])
    assert command() == 0
    assert frozen == [True]  # once, with the graph's modules imported
