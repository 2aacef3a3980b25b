"""Helpers to run the whole pipeline in-process against the sample API."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import pytest

from pipelines.cli import main


def refresh(api_url: str, output: Path, *extra: str) -> int:
    """``jsna refresh`` in-process; returns its exit code."""
    return main(["refresh", "--api-url", api_url, "--output", str(output), *extra])


def snapshot(root: Path) -> dict[str, str]:
    """sha256 of every published file (hidden working folders excluded)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    }


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def good_publication(server, tmp_path_factory, *args: str, env: dict[str, str] | None = None) -> Path:
    """One good publication (and its state folder) from a module's server, for the tests
    of that module to copy (``copy_publication``) instead of refreshing from nothing;
    ``env``: settings of that refresh (e.g. ``JSNA_ICBS``)."""
    mp = pytest.MonkeyPatch()
    mp.delenv("DAGSTER_HOME", raising=False)
    for name, value in (env or {}).items():
        mp.setenv(name, value)
    out = tmp_path_factory.mktemp("good") / "out"
    try:
        server.state.configure({"faults": [], "revisions": {}})
        assert refresh(server.base_url, out, *args) == 0
    finally:
        mp.undo()
    return out


def copy_publication(good: Path, dest: Path, server=None) -> Path:  # noqa: ANN001 - a SampleApiServer
    """A copy of a publication with its state folder, modification times kept; ``server``
    (the one it was published from) is put back to no faults, no revisions, no requests."""
    import shutil

    from jsna.publication import default_state_dir

    if server is not None:
        server.state.configure({"faults": [], "revisions": {}, "reset_requests": True})
    shutil.copytree(good, dest, symlinks=True)
    shutil.copytree(default_state_dir(good), default_state_dir(dest), symlinks=True)
    return dest
