"""10. Security posture: TLS verification on, the UI on loopback, no secrets in logs,
pinned dependencies."""

from __future__ import annotations

import http.server
import logging
import re
import shutil
import ssl
import subprocess
import threading
import tomllib
from pathlib import Path

import pytest

from jsna.fingertips import FingertipsUnavailable
from jsna.sample_api.faults import SampleApiState
from jsna.sample_api.server import running_sample_api
from resources import FingertipsResource

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def self_signed_https(tmp_path):
    if not shutil.which("openssl"):
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True)  # fmt: skip
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/api"
    server.shutdown()
    server.server_close()


def test_self_signed_https_endpoint_is_refused(self_signed_https):
    client = FingertipsResource(base_url=self_signed_https, max_attempts=3, backoff_base_seconds=0.01).client()
    with pytest.raises(FingertipsUnavailable, match="TLS certificate verification failed"):
        client.fetch_metadata([848])


def test_ui_binds_to_loopback_unless_configured():
    makefile = (ROOT / "Makefile").read_text()
    ui = re.search(r"^ui:.*?\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "--host 127.0.0.1" in ui  # jsna ui, which runs dagster dev with it
    unit = (ROOT / "deploy" / "systemd" / "jsna-dagster-webserver.service").read_text()
    assert "-h 127.0.0.1" in unit


def test_no_credentials_in_logs_or_errors(caplog, monkeypatch):
    caplog.set_level(logging.INFO)
    with running_sample_api(SampleApiState()) as server:
        host = server.base_url.split("//", 1)[1]
        client = FingertipsResource(base_url=f"http://analyst:hunter2@{host}").client()
        client.fetch_metadata([848])
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "GET http://***@127.0.0.1" in logged and "hunter2" not in logged

    monkeypatch.setenv("HTTP_PROXY", "http://proxyuser:s3cr3t@127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    client = FingertipsResource(
        base_url="http://fingertips.invalid/api", max_attempts=2, backoff_base_seconds=0.01
    ).client()
    with pytest.raises(FingertipsUnavailable) as caught:
        client.fetch_metadata([848])
    text = str(caught.value) + "\n".join(r.getMessage() for r in caplog.records)
    assert "s3cr3t" not in text and "proxyuser" not in text


def test_dependencies_are_pinned_for_reproducible_installs():
    constraints = {
        line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = project["dependencies"] + project["optional-dependencies"]["dev"]
    for dep in deps:
        name = re.split(r"[<>=\[ ]", dep, maxsplit=1)[0].lower()
        assert name in constraints, f"{name} is not pinned in constraints.txt"
    makefile = (ROOT / "Makefile").read_text()
    assert makefile.count("-c constraints.txt") >= 2
