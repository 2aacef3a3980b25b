"""Driving the Dagster UI the way its buttons do: ``dagster dev`` on a free port and the
webserver's own GraphQL API (the requests the UI sends)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from pipelines.ui import default_signals
from tests.pipeline_helpers import free_port

ROOT = Path(__file__).resolve().parents[1]
DONE_RUN = {"SUCCESS", "FAILURE", "CANCELED"}

LAUNCH_RUN = """
mutation($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}"""
RUN_STATUS = """query($id: ID!) { runOrError(runId: $id) { __typename ... on Run { status } } }"""
RUNS = """{ runsOrError { ... on Runs { results { runId status } } } }"""
REPOSITORIES = """{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }"""
ASSET_KEYS = """{ assetNodes { assetKey { path } } }"""
RUN_ERRORS = """
query($id: ID!) {
  logsForRun(runId: $id) {
    ... on EventConnection { events { __typename ... on ExecutionStepFailureEvent { error { message } } } }
  }
}"""


def _wait(status: Callable[[], str], done: set[str], timeout: float, what: str) -> str:
    """Poll until a status is final (the timeout is a safety net, never an assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = status()
        if current in done:
            return current
        time.sleep(1)
    raise TimeoutError(f"{what} did not finish")


class DagsterUI:
    """A running ``dagster dev`` (webserver and daemon) and its GraphQL endpoint."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"

    def gql(self, query: str, variables: dict | None = None) -> dict:
        answer = requests.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=60)
        answer.raise_for_status()
        body = answer.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def repository(self) -> tuple[str, str]:
        node = self.gql(REPOSITORIES)["repositoriesOrError"]["nodes"][0]
        return node["location"]["name"], node["name"]

    def asset_keys(self) -> list[list[str]]:
        return [n["assetKey"]["path"] for n in self.gql(ASSET_KEYS)["assetNodes"]]

    def materialize_all(self) -> str:
        """What "Materialize all" sends for assets without partitions: one run of the
        asset job with every asset selected (their checks with them)."""
        return self.launch_job("__ASSET_JOB", asset_selection=self.asset_keys())

    def runs(self) -> list[dict]:
        return self.gql(RUNS)["runsOrError"]["results"]

    def launch_job(
        self,
        job: str,
        run_config: dict | None = None,
        tags: list[dict] | None = None,
        asset_selection: list[list[str]] | None = None,
    ) -> str:
        """What the launchpad (or, with ``__ASSET_JOB`` and a selection, an asset's
        "Materialize" button) sends."""
        location, repository = self.repository()
        selector: dict = {"repositoryLocationName": location, "repositoryName": repository, "jobName": job}
        if asset_selection:
            selector["assetSelection"] = [{"path": p} for p in asset_selection]
        params = {
            "selector": selector,
            "runConfigData": run_config or {},
            "executionMetadata": {"tags": tags or []},
        }
        answer = self.gql(LAUNCH_RUN, {"params": params})["launchRun"]
        assert answer["__typename"] == "LaunchRunSuccess", answer
        return answer["run"]["runId"]

    def wait_run(self, run_id: str, timeout: float = 600) -> str:
        query = {"id": run_id}
        return _wait(lambda: self.gql(RUN_STATUS, query)["runOrError"]["status"], DONE_RUN, timeout, f"run {run_id}")

    def step_errors(self, run_id: str) -> list[str]:
        events = self.gql(RUN_ERRORS, {"id": run_id})["logsForRun"]["events"]
        return [e["error"]["message"] for e in events if e["__typename"] == "ExecutionStepFailureEvent"]


@contextmanager
def running_dagster_ui(home: Path, env: dict[str, str]) -> Iterator[DagsterUI]:
    """``dagster dev`` (webserver + daemon) on a free port with its own ``DAGSTER_HOME``."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "pipelines" / "instance" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    full_env = {**os.environ, **env, "DAGSTER_HOME": str(home), "CI": "true"}
    log = (home / "dagster-dev.log").open("wb")
    dagster = Path(sys.executable).with_name("dagster")
    proc = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=default_signals,  # a pytest-xdist worker ignores SIGINT: dagster dev would not stop
    )  # fmt: skip
    ui = DagsterUI(port)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"dagster dev exited: {(home / 'dagster-dev.log').read_text()[-2000:]}")
            try:
                if ui.asset_keys():
                    break
            except (requests.RequestException, AssertionError, KeyError, TypeError):
                pass
            time.sleep(1)
        else:
            raise TimeoutError("dagster dev did not start")
        yield ui
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()
