"""15. One lock for every launch path: a Dagster run (as the UI or the schedule starts it)
and a CLI refresh on the same output root never publish over one another."""

from __future__ import annotations

import threading
import time

from jsna.publication import OutputRoot
from jsna.publication.lease import RefreshLease
from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.server import running_sample_api
from pipelines.definitions import build_definitions
from tests.reliability.conftest import run_cli


def test_a_cli_refresh_is_refused_while_a_dagster_run_holds_the_root(tmp_path):
    root = OutputRoot(tmp_path)
    lease = RefreshLease(root.state_dir, root.root)
    # The data request is slow, so the Dagster run is mid-refresh when the CLI starts.
    with running_sample_api(SampleApiState(faults=[Fault("delay", seconds=4, times=1)])) as server:
        # One borough's packs: what is tested is the lease, not London's 33 packs.
        defs = build_definitions(api_url=server.base_url, output_dir=str(tmp_path), areas=("southwark",))
        outcome: dict = {}

        def dagster_run() -> None:
            job = defs.resolve_job_def("refresh_all")
            outcome["result"] = job.execute_in_process(raise_on_error=False)

        thread = threading.Thread(target=dagster_run)
        thread.start()
        for _ in range(600):  # waiting for the run to take the lease (polling, not a timing assertion)
            if lease.holder():
                break
            time.sleep(0.05)
        assert lease.holder(), "the Dagster run never took the lease"
        cli = run_cli("refresh", "--api-url", server.base_url, "--output", str(tmp_path), "--borough", "southwark")
        thread.join(timeout=300)
    assert cli.returncode == 1
    assert "another refresh (pid" in cli.stderr and "is running on" in cli.stderr
    assert outcome["result"].success
    assert root.verify() == []
    assert lease.holder() is None  # released by the commit
    manifest = root.read_manifest()
    assert {v["data"] for k, v in manifest["files"].items() if k.startswith("areas/")} == {manifest["data_fingerprint"]}


def test_a_cli_without_dagster_home_is_refused_while_a_run_of_the_ui_is_between_steps(tmp_path):
    """A multiprocess run between two steps has no process of it alive: the lease names
    its instance, and a CLI with a throw-away instance asks that one about the run."""
    import json
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    from dagster import DagsterInstance, DagsterRunStatus
    from dagster._core.storage.dagster_run import DagsterRun

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(Path(__file__).resolve().parents[2] / "pipelines" / "instance" / "dagster.yaml", home)
    with DagsterInstance.from_config(str(home)) as instance:
        instance.add_run(DagsterRun(job_name="refresh_all", run_id="a" * 36, status=DagsterRunStatus.STARTED))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()  # the step process that wrote the lease has ended
    root = OutputRoot(tmp_path / "out")
    root.state_dir.mkdir(parents=True)
    (root.state_dir / "refresh.lease").write_text(json.dumps({
        "publication": "ui-run", "run_id": "a" * 36, "pid": dead.pid, "host": os.uname().nodename,
        "dagster_home": str(home),
    }))  # fmt: skip
    with running_sample_api(SampleApiState()) as server:
        cli = run_cli("refresh", "--api-url", server.base_url, "--output", str(root.root), "--borough", "southwark")
    assert cli.returncode == 1 and "another refresh (pid" in cli.stderr
    assert not (root.root / "manifest.json").exists()


def test_two_refreshes_with_different_state_folders_on_one_output_root(tmp_path):
    """Each state folder has its own lease; the copy inside the output root is seen by both."""
    import os
    import subprocess
    import sys

    out = tmp_path / "out"
    with running_sample_api(SampleApiState(faults=[Fault("delay", seconds=6, times=1)])) as server:
        env = {**os.environ, "CI": "true", "JSNA_STATE_DIR": str(tmp_path / "state-a")}
        env.pop("DAGSTER_HOME", None)
        args = ["refresh", "--api-url", server.base_url, "--output", str(out), "--borough", "southwark"]
        first = subprocess.Popen([sys.executable, "-m", "pipelines.cli", *args], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)  # fmt: skip
        lease = out / ".staging" / "lease.json"
        for _ in range(1200):  # polling, not a timing assertion
            if lease.exists() or first.poll() is not None:
                break
            time.sleep(0.05)
        assert lease.exists(), "the first refresh never took the lease"
        second = run_cli(*args, env={"JSNA_STATE_DIR": str(tmp_path / "state-b")})
        _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err
    assert second.returncode == 1 and "with the state folder" in second.stderr
    assert OutputRoot(out).verify() == []
    assert not lease.exists()  # released by the commit
