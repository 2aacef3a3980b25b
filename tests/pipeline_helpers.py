"""Helpers to run the whole pipeline in-process against the sample API."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

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
