"""The ``jsna`` command as a user runs it: separate processes, real sockets."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

JSNA = [sys.executable, "-m", "pipelines.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sample_api_command_answers():
    port = free_port()
    proc = subprocess.Popen([*JSNA, "sample-api", "--port", str(port)], stdout=subprocess.PIPE, text=True)
    try:
        banner = proc.stdout.readline()
        assert "SYNTHETIC DATA" in banner
        for _ in range(50):
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/api/areas/by_area_type?area_type_id=6", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert answer.status_code == 200
        assert answer.headers["X-Data-Synthetic"] == "true"
        assert "E12000007" in {a["Code"] for a in answer.json()}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_unreachable_api_fails_with_a_short_message_and_a_hint(tmp_path):
    # As `make run` runs it: with the project's DAGSTER_HOME settings (request logs at INFO).
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(Path(__file__).resolve().parents[1] / "pipelines" / "instance" / "dagster.yaml", home)
    env = {**os.environ, "FINGERTIPS_API_URL": f"http://127.0.0.1:{free_port()}/api", "DAGSTER_HOME": str(home)}
    done = subprocess.run(
        [*JSNA, "refresh", "--output", str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 1
    assert "could not be reached" in done.stderr
    assert "make sample" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert len(done.stderr.strip().splitlines()) == 2, done.stderr  # the reason and the hint
    assert "indicator_ids=..." in done.stderr
    assert not (tmp_path / "out" / "boroughs").exists()
