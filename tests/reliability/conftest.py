"""Helpers for the fault suite: clean baselines, published-state snapshots, subprocess runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.server import running_sample_api
from tests.pipeline_helpers import fault_catalogue, made_once, refresh

BOROUGHS = ("southwark", "lewisham", "lambeth")


@pytest.fixture(autouse=True)
def _fast_client(monkeypatch):
    """Short, configured bounds so that faults resolve quickly and deterministically."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("JSNA_BACKOFF_BASE_SECONDS", "0.05")
    monkeypatch.setenv("JSNA_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("JSNA_READ_TIMEOUT", "10")


@pytest.fixture(autouse=True, scope="module")
def _fault_suite_catalogue(fault_suite_catalogue: Path) -> None:
    """Every refresh of a fault module, its module fixtures' too, on the fault suite's
    catalogue (``tests/conftest.py``)."""


def published_tables(root: Path) -> dict[str, pd.DataFrame]:
    """Every published Parquet table, less the retrieval time (which differs run to run)."""
    return {
        str(p.relative_to(root)): pd.read_parquet(p).drop(columns=["retrieved_at"], errors="ignore")
        for p in sorted(root.glob("*/**/*.parquet"))
        if not any(part.startswith(".") for part in p.relative_to(root).parts)
    }


def assert_same_tables(left: Path, right: Path) -> None:
    a, b = published_tables(left), published_tables(right)
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], check_exact=True, obj=name)


@pytest.fixture(scope="session")
def clean_run(tmp_path_factory) -> Path:
    """Outputs of a fault-free refresh of a few boroughs, to compare faulty runs with (made
    once for every worker: the tests only read it)."""
    return made_once(tmp_path_factory, "clean", _clean_refresh) / "out"


def _clean_refresh(folder: Path) -> None:
    mp = pytest.MonkeyPatch()
    mp.delenv("DAGSTER_HOME", raising=False)
    mp.setenv("JSNA_CATALOGUE", str(fault_catalogue(folder)))  # as the tests it is compared with
    try:
        with running_sample_api(SampleApiState()) as server:
            assert refresh(server.base_url, folder / "out", "--borough", *BOROUGHS) == 0
    finally:
        mp.undo()


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """``jsna`` in a separate process (timeout is a safety net, never an assertion)."""
    full_env = {**os.environ, "CI": "true", **(env or {})}
    full_env.pop("DAGSTER_HOME", None)
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args], capture_output=True, text=True, env=full_env, timeout=timeout
    )
