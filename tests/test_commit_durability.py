"""A publication's durability: staged files are written without a sync of their own, and
the commit syncs every file it publishes, and the folders that hold them, before its
journal (the commit point) names them. A kill cannot show this (the page cache survives
a killed process), so the order of the syncs is checked directly."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from jsna.publication import OutputRoot, files, transaction

JOURNAL = transaction.JOURNAL


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each path fsynced, in order, and "journal written" when the commit point is reached."""
    events: list[str] = []
    real_fsync, real_atomic = os.fsync, transaction.write_atomic

    def fsync(fd: int) -> None:
        events.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    def write_atomic(path: Path, data: bytes, **kwargs: object) -> None:
        if path.name == JOURNAL:
            events.append("journal written")
        real_atomic(path, data, **kwargs)

    monkeypatch.setattr(files.os, "fsync", fsync)
    monkeypatch.setattr(transaction, "write_atomic", write_atomic)
    return events


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads fds' paths from /proc")
def test_every_published_file_is_synced_before_the_journal_names_it(tmp_path: Path, synced: list[str]) -> None:
    root = OutputRoot(tmp_path / "out")
    publication = root.stage("run-1")
    publication.write_bytes("areas/southwark/report.html", b"<p>Southwark</p>")
    publication.write_parquet("areas/southwark/indicator_values.parquet", pd.DataFrame({"value": [6.0, 5.9]}))
    publication.write_csv("london/indicator_values.csv", pd.DataFrame({"value": [7.2]}))
    assert synced == []  # staging syncs nothing: a crash before the commit discards it
    staging = publication.staging
    root.commit("run-1", {"synthetic": True})
    journal = synced.index("journal written")
    before = synced[:journal]
    for relpath in ("areas/southwark/report.html", "areas/southwark/indicator_values.parquet",
                    "london/indicator_values.csv"):  # fmt: skip
        assert str(staging / relpath) in before, relpath
    for folder in ("areas/southwark", "areas", "london", "."):
        assert str((staging / folder).resolve()) in before, folder
    assert (root.root / "areas" / "southwark" / "report.html").read_bytes() == b"<p>Southwark</p>"
    assert root.verify() == []


def test_a_file_published_unchanged_is_not_synced_again(tmp_path: Path, synced: list[str]) -> None:
    root = OutputRoot(tmp_path / "out")
    root.stage("run-1").write_bytes("areas/southwark/report.html", b"<p>Southwark</p>")
    root.commit("run-1", {"synthetic": True})
    synced.clear()
    second = root.stage("run-2")
    second.write_bytes("areas/southwark/report.html", b"<p>Southwark</p>")
    second.write_bytes("areas/lambeth/report.html", b"<p>Lambeth</p>")
    root.commit("run-2", {"synthetic": True})
    before = synced[: synced.index("journal written")]
    assert str(second.staging / "areas/lambeth/report.html") in before
    assert str(second.staging / "areas/southwark/report.html") not in before
