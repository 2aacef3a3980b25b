"""Shared fixtures: a real sample API on 127.0.0.1 and a fast-retrying client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jsna.fingertips import FingertipsClient, RetryPolicy
from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.server import SampleApiServer, running_sample_api

SHARED = Path(__file__).resolve().parents[2] / "shared"
GENUINE_CSV = SHARED / "fingertips-samples" / "all_data_by_indicator_93356_county_ua_26col.csv"


@pytest.fixture
def sample_api() -> Iterator[SampleApiServer]:
    with running_sample_api(SampleApiState()) as server:
        yield server


@pytest.fixture
def sleeps() -> list[float]:
    """Backoff waits the client asked for (recorded instead of slept: tests stay fast)."""
    return []


@pytest.fixture
def client(sample_api: SampleApiServer, sleeps: list[float]) -> FingertipsClient:
    return FingertipsClient(
        sample_api.base_url,
        connect_timeout=2,
        read_timeout=5,
        retry=RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_max=0.05, total_seconds=30),
        sleep=sleeps.append,
    )


def add_faults(server: SampleApiServer, *faults: Fault) -> None:
    server.state.faults.extend(faults)


def data_requests(server: SampleApiServer) -> list[dict]:
    return [r for r in server.state.requests if r["path"].endswith("all_data/csv/by_indicator_id")]
