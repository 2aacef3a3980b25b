"""7. Two refreshes at once on one output root: the second, started while the first holds
the lease, is refused with a clear message; the first publishes, and the outputs agree
with the manifest."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from jsna.publication import OutputRoot
from jsna.publication.lease import RefreshLease
from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.server import running_sample_api


def test_two_refreshes_at_once(tmp_path):
    env = {**os.environ, "CI": "true"}
    env.pop("DAGSTER_HOME", None)
    root = OutputRoot(tmp_path)
    lease = RefreshLease(root.state_dir, root.root)
    # A slow answer keeps the first refresh busy, holding the lease, while the second starts.
    with running_sample_api(SampleApiState(faults=[Fault("delay", seconds=6, times=1)])) as server:
        command = [sys.executable, "-m", "pipelines.cli", "refresh", "--api-url", server.base_url,
                   "--output", str(tmp_path), "--borough", "southwark", "lewisham"]  # fmt: skip
        first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(1200):  # polling for the lease, not a timing assertion
            if lease.holder() or first.poll() is not None:
                break
            time.sleep(0.05)
        assert lease.holder(), "the first refresh never took the lease"
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        first_out, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert second.returncode == 1
    assert "another refresh (pid" in second.stderr and "is running on" in second.stderr
    assert root.verify() == []
    assert (tmp_path / "areas" / "southwark" / "indicator_values.parquet").exists()
