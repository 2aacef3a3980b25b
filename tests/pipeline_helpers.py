"""Helpers to run the whole pipeline in-process against the sample API."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from jsna.catalogue import Catalogue, load_catalogue
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


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder made once for the whole session however many xdist workers run it: the first
    worker to ask calls ``make(folder)`` while the others wait on a lock, then every worker
    reads the same folder. Only for what tests read and never change (a session fixture of
    each worker would make it once per worker: three London refreshes instead of one)."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the session's folder, above each worker's own
    folder, made = base / name, base / f"{name}.made"
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not made.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            made.touch()
    return folder


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


def good_fixture(*args: str, env: dict[str, str] | None = None):  # noqa: ANN201 - a pytest fixture
    """A module's ``good`` fixture: one ``good_publication`` of ``args`` (and ``env``) from the
    module's ``server``, made once per module for its tests to copy."""

    @pytest.fixture(scope="module")
    def good(server, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: ANN001 - a SampleApiServer
        return good_publication(server, tmp_path_factory, *args, env=env)

    return good


@pytest.fixture
def copied_publication(server, good: Path, tmp_path: Path) -> Path:  # noqa: ANN001 - a SampleApiServer
    """An output root holding a copy of the module's ``good`` publication and its state, and
    the module's server without faults (a copy costs milliseconds, a refresh seconds)."""
    return copy_publication(good, tmp_path / "out", server)


def catalogue_file(folder: Path, indicators: list[dict], base: dict | None = None) -> Path:
    """A catalogue YAML of ``indicators`` (``base``'s version and domains, or one domain of
    its own) written into ``folder``, for a test to name in ``JSNA_CATALOGUE``."""
    import yaml

    base = base or {"version": "test", "domains": [{"key": "wider_determinants", "name": "Wider determinants"}]}
    path = folder / "catalogue.yaml"
    path.write_text(yaml.safe_dump({**base, "indicators": indicators}))
    return path


# The fault suite's catalogue: 17 of the 46 indicators and 2 of the 5 neighbourhood ones,
# chosen so that every kind the pipeline handles is still there (each domain; persons only
# and by sex; several ages with a standard one; deprivation deciles and within-area groups;
# ICB rows; no comparison served; no data at the council level; financial, calendar, pooled,
# rolling, quarterly and academic periods; ratios, rates, scores and years; the deprivation
# measure the neighbourhood gap ranks by) and every id a fault test names. The fault suite
# asks how a refresh meets a fault, which does not grow with the catalogue; each of its
# refreshes costs about two thirds of one with every indicator. Every indicator is checked
# at every geography by the exact-value tests, which keep the shipped catalogue.
FAULT_SUITE_IDS = (22301, 93014, 848, 90581, 91096, 41001, 93972, 21001, 90813, 91871, 10101, 92949, 247, 93496,
                   93553, 93735, 90366)  # fmt: skip
FAULT_SUITE_NEIGHBOURHOOD_IDS = (93239, 93275)


def fault_catalogue(folder: Path) -> Path:
    """The fault suite's catalogue (``FAULT_SUITE_IDS``) written into ``folder``: the shipped
    catalogue's entries for those ids, in its order, with its version and domains."""
    import yaml

    from jsna.catalogue.load import DEFAULT_CATALOGUE

    shipped = yaml.safe_load(DEFAULT_CATALOGUE.read_text())
    neighbourhoods = [e for e in shipped["neighbourhoods"] if e["id"] in FAULT_SUITE_NEIGHBOURHOOD_IDS]
    indicators = [e for e in shipped["indicators"] if e["id"] in FAULT_SUITE_IDS]
    assert len(indicators) == len(FAULT_SUITE_IDS) and len(neighbourhoods) == len(FAULT_SUITE_NEIGHBOURHOOD_IDS)
    return catalogue_file(folder, indicators, base={**shipped, "neighbourhoods": neighbourhoods})


def active_catalogue() -> Catalogue:
    """The catalogue this test's refreshes run on (``JSNA_CATALOGUE``, else the shipped one)."""
    return load_catalogue(os.environ.get("JSNA_CATALOGUE"))


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
