"""2. Persistent faults: the refresh fails within its configured bound, naming URL and ids,
and the previous outputs stay byte-identical."""

from __future__ import annotations

import pytest

from jsna.sample_api.faults import Fault
from tests.pipeline_helpers import copy_publication, good_fixture, refresh, snapshot
from tests.reliability.conftest import BOROUGHS

good = good_fixture("--borough", *BOROUGHS)


@pytest.mark.parametrize(
    ("fault", "expect"),
    [
        (Fault("status", match="/api/", status=500, times=None), "last HTTP status: 500"),
        (Fault("delay", match="/api/", seconds=3, times=None), "ReadTimeout"),
    ],
    ids=["every request 500", "every request times out"],
)
def test_persistent_fault_fails_bounded_and_keeps_outputs(
    fault, expect, server, good, tmp_path, monkeypatch, capsys
):  # fmt: skip
    out = copy_publication(good, tmp_path / "out", server)
    before = snapshot(out)
    server.state.revisions = {848: 1}  # there is something new to fetch
    server.state.faults.append(fault)
    monkeypatch.setenv("JSNA_READ_TIMEOUT", "0.5")
    monkeypatch.setenv("JSNA_MAX_ATTEMPTS", "3")
    assert refresh(server.base_url, out, "--borough", *BOROUGHS) == 1
    attempts = len(server.state.requests)
    err = capsys.readouterr().err
    assert "could not be reached after 3 attempt(s)" in err  # the configured bound, not more
    assert attempts == 3
    assert "indicator_metadata" in err and "indicator ids: 22301" in err
    assert expect in err
    assert snapshot(out) == before
