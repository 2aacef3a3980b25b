"""One refresh with Dagster's run and event storage on a real PostgreSQL server.

CI installs Debian's postgresql (see .ci/run); where no server can be started the test
skips and says why.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.server import running_sample_api

TEMPLATE = Path(__file__).resolve().parents[1] / "pipelines" / "instance" / "dagster.postgres.yaml"


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    return found[-1] if found and found[-1] else None


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the 'postgres' user."""
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@pytest.fixture
def postgres():
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql); skipping the Postgres storage test")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("no 'postgres' user to run the server as")
    # Outside pytest's private (0700) tmp folders, so the 'postgres' user can reach it.
    base = Path(tempfile.mkdtemp(prefix="jsna-pg-"))
    data = base / "data"
    os.chmod(base, 0o755)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    init = subprocess.run(_as_postgres([initdb, "-D", str(data), "-U", "postgres", "--auth=trust"]),
                          capture_output=True, text=True)  # fmt: skip
    if init.returncode != 0:
        pytest.skip(f"could not initialise a PostgreSQL cluster: {init.stderr.strip()[:200]}")
    options = f"-h 127.0.0.1 -p {port} -k {base}"
    command = [pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"]
    start = subprocess.run(_as_postgres(command), capture_output=True, text=True)
    if start.returncode != 0:
        pytest.skip(f"could not start PostgreSQL: {start.stderr.strip()[:200]}")
    try:
        psql = _bin("psql")
        subprocess.run([psql, "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c", "create database dagster"],
                       check=True, capture_output=True)  # fmt: skip
        yield port
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"]), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def test_one_refresh_on_postgres_run_storage(postgres, tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(TEMPLATE, home / "dagster.yaml")
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_USERNAME": "postgres",
        "DAGSTER_PG_PASSWORD": "trust-auth-unused",
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_DB": "dagster",
        "DAGSTER_PG_PORT": str(postgres),
        "CI": "true",
    }
    with running_sample_api(SampleApiState()) as server:
        done = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "refresh", "--api-url", server.base_url,
             "--output", str(tmp_path / "out"), "--borough", "southwark"],
            capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    count = subprocess.run(
        [_bin("psql"), "-h", "127.0.0.1", "-p", str(postgres), "-U", "postgres", "-d", "dagster", "-tAc",
         "select count(*) from runs where status = 'SUCCESS'"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert int(count.stdout.strip()) == 1
    assert (tmp_path / "out" / "areas" / "southwark" / "indicator_values.parquet").exists()
    assert not (home / "history").exists()  # nothing fell back to SQLite
