"""The Dagster UI, used the way analysts use it: ``dagster dev`` (webserver and daemon) on a
free port against the sample API, driven through the webserver's own GraphQL API (what
its buttons send), and the asset graph page opened in headless Chromium."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jsna.areas import slugify
from jsna.publication import OutputRoot
from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.server import running_sample_api
from tests.browser import headless, needs_chromium
from tests.pipeline_helpers import snapshot
from tests.reliability.conftest import run_cli
from tests.ui_helpers import running_dagster_ui

pytestmark = pytest.mark.long  # handed to a worker first (tests/conftest.py)

NORTH_EAST = {slugify(a.name) for a in SampleApiState().areas() if a.region_code == "E12000001"}
RENDERED = "--virtual-time-budget=20000"  # the UI renders with JavaScript: time for it to run


@pytest.fixture(scope="module")
def ui(tmp_path_factory, fault_suite_catalogue_file):
    """``dagster dev`` on the fault suite's catalogue (``tests/conftest.py``) for the North
    East: these tests ask how a click becomes a run and a publication of every area of the
    scope, not each indicator's values or London's 33 packs, which the exact-value tests
    check on the shipped catalogue (a run of London's 33 was half of this module's time)."""
    base = tmp_path_factory.mktemp("ui")
    with running_sample_api(SampleApiState()) as api:
        env = {
            "FINGERTIPS_API_URL": api.base_url,
            "JSNA_OUTPUT_DIR": str(base / "out"),
            "JSNA_BACKOFF_BASE_SECONDS": "0.05",
            "JSNA_CATALOGUE": str(fault_suite_catalogue_file),
            "JSNA_REGION": "north-east",
        }
        with running_dagster_ui(base / "home", env) as running:
            yield running, base / "out"


def one_publication(out: Path) -> dict:
    manifest = json.loads((out / "manifest.json").read_text())
    areas = {k.split("/")[1] for k in manifest["files"] if k.startswith("areas/")}
    assert areas == NORTH_EAST and len(areas) >= 2  # every council of the scope
    assert {v["data"] for k, v in manifest["files"].items() if not k.startswith("changes/")} == {
        manifest["data_fingerprint"]
    }
    assert run_cli("verify", "--output", str(out)).returncode == 0
    return manifest


def test_materialize_all_is_one_green_run_the_first_time_and_on_a_quiet_night(ui):
    dagster, out = ui
    earlier = {r["runId"] for r in dagster.runs()}
    first = dagster.materialize_all()
    assert dagster.wait_run(first) == "SUCCESS", dagster.step_errors(first)
    assert {r["runId"] for r in dagster.runs()} - earlier == {first}  # one click, one run: no backfill of layers
    one_publication(out)
    before = snapshot(out)
    mtimes = {p: (out / p).stat().st_mtime_ns for p in before}
    # Nothing changed upstream: still green, and not one file rewritten.
    second = dagster.materialize_all()
    assert dagster.wait_run(second) == "SUCCESS", dagster.step_errors(second)
    assert {r["runId"] for r in dagster.runs()} - earlier == {first, second}
    assert snapshot(out) == before
    assert {p: (out / p).stat().st_mtime_ns for p in before} == mtimes


def test_one_asset_alone_publishes_nothing_and_says_why_in_one_line(ui):
    dagster, out = ui
    before = snapshot(out)
    run = dagster.launch_job("__ASSET_JOB", asset_selection=[["out_jsna__area_report"]])
    assert dagster.wait_run(run) == "FAILURE"
    errors = dagster.step_errors(run)
    assert errors and errors[0].splitlines()[0].startswith(
        "dagster._core.definitions.events.Failure: nothing was published"
    )
    assert snapshot(out) == before


def test_refresh_all_from_the_launchpad_covers_every_area(ui):
    dagster, out = ui
    config = {"ops": {"raw_fingertips__indicator_data": {"config": {"full": True}}}}
    run = dagster.launch_job("refresh_all", run_config=config)
    assert dagster.wait_run(run) == "SUCCESS", dagster.step_errors(run)
    one_publication(out)
    assert not OutputRoot(out).pending()


@needs_chromium
def test_the_asset_graph_page_renders_the_assets(ui, tmp_path):
    dagster, _ = ui
    page = f"{dagster.url}/assets?view=lineage"
    # The graph is fitted to the window and drawn without names below a zoom level: a
    # window the size of a large monitor keeps the names of all the assets drawn. One
    # browser both reads the page and photographs it (the app takes seconds to start).
    shot = tmp_path / "asset-graph.png"
    dom = headless("--window-size=2560,1600", RENDERED, f"--screenshot={shot}", "--dump-dom", page, timeout=180)
    for name in ("raw_fingertips__indicator_data", "core_jsna__indicator_values", "out_jsna__publication"):
        assert name in dom.stdout
    assert shot.exists() and shot.stat().st_size > 10_000
