"""Shared fixtures: a real sample API on 127.0.0.1 and a fast-retrying client."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from jsna.fingertips import FingertipsClient
from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.server import SampleApiServer, running_sample_api
from resources import FingertipsResource

SHARED = Path(__file__).resolve().parents[2] / "shared"
GENUINE_CSV = SHARED / "fingertips-samples" / "all_data_by_indicator_93356_county_ua_26col.csv"


def _default_sigterm() -> None:
    """After an in-process run Dagster maps SIGTERM to the SIGINT handler, which in a
    pytest-xdist worker is "ignore"; child processes (the sample API, ``dagster dev``)
    would inherit that and ignore ``terminate()``. Each test starts with the default."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.fixture(autouse=True, scope="module")
def _default_sigterm_for_module_fixtures() -> None:
    _default_sigterm()


@pytest.fixture(autouse=True)
def _default_sigterm_for_each_test() -> None:
    _default_sigterm()


# ICB packs (10 in the smaller England below) cost a few seconds a refresh, which the suite's
# hundred refreshes of council tables do not need: they are off unless a test turns them on
# (the ICB tests in test_geographies, and those that count every extract's requests, do).
os.environ.setdefault("JSNA_ICBS", "no")

# The sample API serves a smaller England to the suite: London's 33 boroughs and the 12 named
# areas elsewhere, every region still there (45 councils, not 153). Every council's rows are
# fetched England-wide, so this makes each of the suite's refreshes about a fifth cheaper;
# the tests of England's scale ask for the full England (``SampleApiState(fill=True)``).
os.environ.setdefault("JSNA_SAMPLE_ENGLAND", "named")

# The suite's refreshes render their areas in their own process, not on a pool of workers:
# the suite's three processes keep both cores busy already, and a pool would only add its
# start-up and the rows pickled there and back (its workers took 65 of the suite's 573
# core-seconds). The pool is tested where it is the subject (tests/test_workers.py) and used
# where a refresh is large and other workers wait for it: the London publication the suite
# shares (``published``).
os.environ.setdefault("JSNA_WORKERS", "1")


def pytest_configure(config: pytest.Config) -> None:
    """One cache folder for the whole session (the xdist workers inherit it): charts drawn
    for the Word chapter by one refresh are found by the next, as on an analyst's machine
    night after night, and nothing is written to the home folder's cache."""
    import tempfile

    if hasattr(config, "workerinput") or "JSNA_CACHE_DIR" in os.environ:
        return
    config._jsna_cache = tempfile.TemporaryDirectory(prefix="jsna-test-cache-")  # noqa: SLF001
    os.environ["JSNA_CACHE_DIR"] = config._jsna_cache.name  # noqa: SLF001


def pytest_collection_finish(session: pytest.Session) -> None:
    """Each worker's cycle collector kept out of the way of the suite. The modules every
    refresh uses are imported once and frozen (their objects live as long as the worker
    anyway, and a full collection walked them all again each time), and a collection
    starts after 10,000 allocations rather than 700 (the frames a refresh makes are freed by
    their reference counts, not by the collector). The collector's time fell from 55 to 21
    of the suite's 620 core-seconds; two fault files in one process took 8% less CPU. The
    processes the tests start (the CLI, ``dagster dev``) keep Python's defaults."""
    import gc
    import importlib

    from jsna.workers import PRELOAD

    for module in ("pipelines.definitions", "pipelines.refresh", *PRELOAD):
        importlib.import_module(module)
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


def pytest_unconfigure(config: pytest.Config) -> None:
    cache = getattr(config, "_jsna_cache", None)
    if cache is not None:
        cache.cleanup()
        del os.environ["JSNA_CACHE_DIR"]


@pytest.fixture(scope="session")
def fault_suite_catalogue_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fault suite's catalogue (``tests.pipeline_helpers.FAULT_SUITE_IDS``), written once
    per worker for the two fixtures below."""
    from tests.pipeline_helpers import fault_catalogue

    return fault_catalogue(tmp_path_factory.mktemp("catalogue"))


@pytest.fixture(scope="module")
def fault_suite_catalogue(fault_suite_catalogue_file: Path) -> Iterator[Path]:
    """Every refresh of the module, its module fixtures' too, on the fault suite's catalogue:
    the fault modules (``tests/reliability``, where it is the default), the operations tests
    and the scope tests, whose subject is how a refresh meets a fault, a night or a scope,
    not each indicator's values."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JSNA_CATALOGUE", str(fault_suite_catalogue_file))
        yield fault_suite_catalogue_file


@pytest.fixture
def on_fault_suite_catalogue(monkeypatch: pytest.MonkeyPatch, fault_suite_catalogue_file: Path) -> Path:
    """This test's refreshes on the fault suite's catalogue: a fault test in a module of
    exact-value tests, which keep the shipped one."""
    monkeypatch.setenv("JSNA_CATALOGUE", str(fault_suite_catalogue_file))
    return fault_suite_catalogue_file


@pytest.fixture
def with_icbs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The refreshes of this test fetch and publish the ICBs, as by default outside tests."""
    monkeypatch.setenv("JSNA_ICBS", "yes")


@pytest.fixture
def ephemeral_dagster(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs in a throw-away Dagster instance, whatever DAGSTER_HOME the shell has."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)


@pytest.fixture
def sample_api() -> Iterator[SampleApiServer]:
    with running_sample_api(SampleApiState()) as server:
        yield server


@pytest.fixture(scope="module")
def server() -> Iterator[SampleApiServer]:
    """One sample API for a module whose tests share a good publication (``good_publication``)."""
    with running_sample_api(SampleApiState()) as running:
        yield running


@pytest.fixture
def sleeps() -> list[float]:
    """Backoff waits the client asked for (recorded instead of slept: tests stay fast)."""
    return []


@pytest.fixture
def client(sample_api: SampleApiServer, sleeps: list[float]) -> FingertipsClient:
    return FingertipsResource(
        base_url=sample_api.base_url,
        connect_timeout=2,
        read_timeout=5,
        max_attempts=4,
        backoff_base_seconds=0.01,
        backoff_max_seconds=0.05,
        retry_budget_seconds=30,
        max_concurrency=1,  # one request per chunk of up to 100 ids: request counts are exact
    ).client(sleep=sleeps.append)


def add_faults(server: SampleApiServer, *faults: Fault) -> None:
    server.state.faults.extend(faults)


def data_requests(server: SampleApiServer) -> list[dict]:
    return [r for r in server.state.requests if r["path"].endswith("all_data/csv/by_indicator_id")]


def requested_ids(server: SampleApiServer, area_type: int | None = None) -> list[list[int]]:
    """The indicator ids of each data request, in order (only those at ``area_type``, the
    ``child_area_type_id`` asked for, when given)."""
    out = []
    for request in data_requests(server):
        if area_type is not None and f"child_area_type_id={area_type}&" not in f"{request['query']}&":
            continue
        ids = re.search(r"indicator_ids=([0-9,%C]+)", request["query"]).group(1).replace("%2C", ",")
        out.append([int(i) for i in ids.split(",")])
    return out


# The footprint the shared London publication holds: two neighbouring boroughs of South East London.
LAMBETH_AND_SOUTHWARK = """
footprints:
  - slug: lambeth-and-southwark
    name: Lambeth and Southwark
    members: [E09000022, E09000028]
"""


@pytest.fixture(scope="session")
def published(tmp_path_factory):
    """The suite's London publication (all 33 boroughs, with ICBs and a footprint; see
    ``_publish_london``), shared by the read-only tests of every worker, and the CSV the
    sample API served for London's councils (to compare values with)."""
    from jsna.fingertips.data_csv import parse_data_csv

    folder = _london(tmp_path_factory)
    return folder / "out", parse_data_csv((folder / "served.csv").read_bytes()).frame


@pytest.fixture(scope="session")
def published_geographies(tmp_path_factory):
    """The same publication, with what the sample API served at MSOA level (councils as
    parents) and at ICB level, and its second refresh with nothing new upstream (its
    requests, and the published files before and after)."""
    import json

    from jsna.fingertips.data_csv import parse_data_csv

    folder = _london(tmp_path_factory)
    msoa, icb = (parse_data_csv((folder / name).read_bytes()).frame for name in ("msoa.csv", "icb.csv"))
    return folder / "out", msoa, icb, json.loads((folder / "quiet.json").read_text())


def _london(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.pipeline_helpers import made_once

    return made_once(tmp_path_factory, "published", _publish_london)


def _publish_london(folder: Path) -> None:
    """London on the shipped catalogue with its ICBs and a footprint of two boroughs, as an
    analyst's night publishes it, then a quiet night (nothing new upstream): one publication
    for every test that reads councils, neighbourhoods, ICBs or footprints."""
    import json

    import requests

    from jsna import workers
    from jsna.catalogue import load_catalogue
    from tests.pipeline_helpers import refresh, snapshot

    footprints = folder / "footprints.yaml"
    footprints.write_text(LAMBETH_AND_SOUTHWARK)
    out = folder / "out"
    mp = pytest.MonkeyPatch()
    mp.delenv("DAGSTER_HOME", raising=False)
    mp.delenv("JSNA_CATALOGUE", raising=False)  # the shipped catalogue, whichever module asks first
    mp.setenv("JSNA_ICBS", "yes")
    mp.setenv("JSNA_WORKERS", "2")  # on the pool: the other workers may be waiting for it
    try:
        with running_sample_api(SampleApiState()) as server:
            assert refresh(server.base_url, out, "--footprints", str(footprints)) == 0
            before, asked = snapshot(out), len(server.state.requests)
            assert refresh(server.base_url, out, "--footprints", str(footprints)) == 0
            quiet = {"before": before, "after": snapshot(out), "requests": server.state.requests[asked:]}
            catalogue = load_catalogue()
            ids = ",".join(str(i) for i in catalogue.ids)
            neighbourhood_ids = ",".join(str(i) for i in catalogue.neighbourhood_ids)
            asks = {
                "served.csv": {"indicator_ids": ids, "child_area_type_id": 502, "parent_area_type_id": 6,
                               "parent_area_code": "E12000007"},
                "msoa.csv": {"indicator_ids": neighbourhood_ids, "child_area_type_id": 3, "parent_area_type_id": 502},
                "icb.csv": {"indicator_ids": "848,91243", "child_area_type_id": 221, "parent_area_type_id": 15},
            }  # fmt: skip
            url = f"{server.base_url}/all_data/csv/by_indicator_id"
            for name, params in asks.items():
                (folder / name).write_bytes(requests.get(url, params=params, timeout=30).content)
    finally:
        mp.undo()
        workers.shutdown()
    (folder / "quiet.json").write_text(json.dumps(quiet, default=str))


# Integration tests start the sample API, a refresh, the CLI, the UI or another process (in the
# test or in a fixture it uses); the rest are unit tests. ``pytest -m unit`` runs the fast ones
# alone; ``make test`` runs both.
_SERVED = (
    "running_sample_api", "refresh(", "run_cli(", "execute_in_process", "materialize(", "running_dagster_ui",
    "subprocess.", "Popen(", "good_publication(", "made_once(", "_london(",
)  # fmt: skip


def _source(function: object) -> str:
    import inspect

    try:
        return inspect.getsource(function)  # type: ignore[arg-type]
    except (OSError, TypeError):
        return ""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Files marked ``long`` first: xdist hands out whole files in this order
    # (``--no-loadscope-reorder``), so the longest start at once and the others fill the gaps,
    # rather than one worker starting a five-minute file when the rest are nearly done.
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
    for item in items:
        sources = [_source(getattr(item, "function", None))]
        info = getattr(item, "_fixtureinfo", None)
        for name in getattr(item, "fixturenames", ()):
            for definition in info.name2fixturedefs.get(name, ()) if info else ():
                sources.append(_source(definition.func))
        served = any(marker in source for source in sources for marker in _SERVED)
        item.add_marker(pytest.mark.integration if served else pytest.mark.unit)
