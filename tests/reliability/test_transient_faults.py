"""1. Transient faults: the refresh succeeds and its outputs equal a clean run's."""

from __future__ import annotations

import pytest

from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.server import running_sample_api
from tests.conftest import data_requests
from tests.pipeline_helpers import refresh
from tests.reliability.conftest import BOROUGHS, assert_same_tables

TRANSIENT = {
    "503": [Fault("status", status=503, times=2)],
    "429 with Retry-After": [Fault("status", status=429, retry_after="1", times=1)],
    "connection reset": [Fault("reset", times=2)],
    "slow answer within the timeout": [Fault("delay", seconds=1.5, times=1)],
    "metadata 502 then data 504": [Fault("status", match="indicator_metadata", status=502, times=1),
                                   Fault("status", status=504, times=1)],
}  # fmt: skip


@pytest.mark.parametrize("name", list(TRANSIENT))
def test_transient_fault_recovers_with_identical_outputs(name, tmp_path, clean_run):
    with running_sample_api(SampleApiState(faults=[f for f in TRANSIENT[name]])) as server:
        assert refresh(server.base_url, tmp_path, "--borough", *BOROUGHS) == 0
        statuses = [r["status"] for r in data_requests(server)]
    assert statuses[-1] == 200
    assert_same_tables(tmp_path, clean_run)
