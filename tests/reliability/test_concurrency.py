"""7. Two refreshes at once on one output root: the second is refused with a clear
message (or both finish), and the outputs agree with the manifest."""

from __future__ import annotations

import os
import subprocess
import sys

from jsna.publication import OutputRoot
from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.server import running_sample_api


def test_two_refreshes_at_once(tmp_path):
    env = {**os.environ, "CI": "true"}
    env.pop("DAGSTER_HOME", None)
    # A slow answer keeps the first refresh busy while the second starts.
    with running_sample_api(SampleApiState(faults=[Fault("delay", seconds=2, times=1)])) as server:
        command = [sys.executable, "-m", "pipelines.cli", "refresh", "--api-url", server.base_url,
                   "--output", str(tmp_path), "--borough", "southwark", "lewisham"]  # fmt: skip
        procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]  # fmt: skip
        results = [(p.wait(timeout=300), *p.communicate()) for p in procs]
    codes = sorted(code for code, _, _ in results)
    assert codes in ([0, 0], [0, 1])
    for code, _, err in results:
        if code == 1:
            assert "another refresh (pid" in err and "is running on" in err
    assert OutputRoot(tmp_path).verify() == []
    assert (tmp_path / "areas" / "southwark" / "indicator_values.parquet").exists()
