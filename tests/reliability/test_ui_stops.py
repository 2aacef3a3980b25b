"""The UI's processes stop on SIGTERM: ``jsna ui`` (``make ui``, ``make ui-sample``) passes
it to ``dagster dev``'s whole process group, even when it was started with SIGTERM
ignored (as a parent's signal mask can leave it), and nothing is left running."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import requests

from tests.pipeline_helpers import free_port

ROOT = Path(__file__).resolve().parents[2]


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process from /proc, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` now."""
    parents = {int(p.name): _stat(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit()}
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, st in parents.items() if st and st[1] in frontier} - found
        found |= frontier
    return found


def running(pids: set[int]) -> list[int]:
    return [pid for pid in pids if (st := _stat(pid)) is not None and st[0] != "Z"]


def _ignore_sigterm() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # what the probe found inherited


def test_jsna_ui_stops_its_whole_tree_on_sigterm(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(ROOT / "pipelines" / "instance" / "dagster.yaml", home / "dagster.yaml")
    port, api_port = free_port(), free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "JSNA_OUTPUT_DIR": str(tmp_path / "out"),
        "FINGERTIPS_API_URL": f"http://127.0.0.1:{api_port}/api",
        "CI": "true",
    }
    log = (tmp_path / "ui.log").open("wb")
    launcher = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "ui", "--port", str(port), "--sample-api", str(api_port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_ignore_sigterm,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180  # a safety net for a broken build, never an assertion
        while time.monotonic() < deadline and launcher.poll() is None:
            try:
                if requests.get(f"http://127.0.0.1:{port}/server_info", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            time.sleep(1)
        assert launcher.poll() is None, (tmp_path / "ui.log").read_text()[-2000:]
        assert requests.get(f"http://127.0.0.1:{api_port}/api/profiles", timeout=5).ok  # the sample API too
        tree = descendants(launcher.pid)
        assert len(tree) >= 2  # dagster dev and what it started (webserver, daemon, code server)
        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(timeout=60) == 0
        for _ in range(50):  # the grandchildren are reaped by init a moment later
            if not running(tree):
                break
            time.sleep(0.1)
        assert running(tree) == []
    finally:
        if launcher.poll() is None:
            launcher.kill()
        log.close()


def test_the_service_units_stop_every_process_within_30_seconds():
    for unit in ("jsna-dagster-webserver.service", "jsna-dagster-daemon.service"):
        text = (ROOT / "deploy" / "systemd" / unit).read_text()
        assert "KillMode=control-group" in text and "TimeoutStopSec=30" in text, unit


def test_a_refresh_never_runs_itself_again_when_the_areas_change(tmp_path):
    """It did: when the area list changed, ``jsna refresh`` ran itself again in a new process
    (the definitions' partitions were the old list), which a kill could leave running. One
    refresh is now one run in one process, which publishes the areas of the list it fetched."""
    from jsna.sample_api.faults import Fault, SampleApiState
    from jsna.sample_api.server import running_sample_api
    from tests.pipeline_helpers import refresh

    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"} | {"CI": "true"}
    with running_sample_api(SampleApiState()) as server:
        assert refresh(server.base_url, out, "--borough", "southwark") == 0
        # Lambeth goes upstream, with new data: the refresh fetches the list and publishes it.
        server.state.faults.append(Fault("flap_areas", match="area_type_id=502", area_code="E09000022", times=1))
        server.state.revisions = {848: 1}
        done = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "refresh", "--api-url", server.base_url, "--output", str(out),
             "--borough", "southwark"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Refreshing ") == 1  # a second process would say it again
    assert "Areas changed upstream (removed: Lambeth): published the new list of areas" in done.stdout
    region = pd.read_parquet(out / "london" / "indicator_values.parquet")
    assert "E09000022" not in set(region["area_code"])
