"""Publishing the output root so that a run publishes everything or nothing.

Every step of a run *stages* its files in ``<root>/.staging/<publication id>/`` (one
folder per run, or per backfill when a UI backfill spans several runs). Nothing the
users read changes until the last step commits the whole publication at once: it
writes the new manifest and a journal (the commit point) into the staging folder,
renames each staged file into place (``os.replace`` is atomic on one filesystem) and
renames the manifest last. A run that fails or dies before the journal leaves the
previous publication exactly as it was (its staging is discarded); one killed after
the journal is rolled forward by the next run or ``jsna verify``, so every file is
old or new, never half, and the manifest ends up describing the files on disk.

The publisher never follows a symbolic link inside the root, checks the published
files against the manifest (size and mtime; sha256 when they moved) so a damaged file
is rewritten by the next publication, and rebuilds a damaged manifest from the files.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
import pyarrow as pa

from jsna import environment
from jsna.publication.csv_export import csv_bytes
from jsna.publication.files import (
    fsync_dir,
    fsync_file,
    locked_file,
    parquet_bytes,
    write_atomic,
    write_durable,
)
from jsna.publication.paths import inside_root, refuse_links, safe_relpath
from jsna.publication.repair import MANIFEST, ManifestChecks

STAGING = ".staging"
CONTROL = ".control"  # inside a staging folder: records of staged files, the journal, the new manifest
JOURNAL = "COMMIT.json"
LOCK = "publish.lock"


log = logging.getLogger("jsna.publish")


def failpoint(name: str) -> None:
    """Kill the process here if ``JSNA_FAILPOINT`` names this point (reliability tests).

    The reliability suite uses it to SIGKILL a refresh at exact moments of a publication
    and prove that nothing published is lost or half-written.
    """
    if environment.read("JSNA_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


class RefreshLockedError(RuntimeError):
    """Another refresh holds the output root."""


class ProvenanceError(RuntimeError):
    """Synthetic data about to be written where real outputs live (or the reverse)."""


@dataclass
class StagedFile:
    relpath: str
    rows: int | None
    sha256: str
    bytes: int
    mtime_ns: int


class Publication:
    """The files one run has staged so far (read back by later steps of the same run)."""

    def __init__(self, root: Path, staging: Path) -> None:
        self.root = root
        self.staging = staging

    def _stage_path(self, relpath: str) -> Path:
        target = refuse_links(self.staging, safe_relpath(relpath))
        target.parent.mkdir(parents=True, exist_ok=True)
        refuse_links(self.staging, relpath)  # a link planted between the check and mkdir
        return target

    def _record(self, relpath: str, path: Path, rows: int | None, data: bytes) -> StagedFile:
        """What later steps and the commit know of a staged file (its hash from the bytes
        written, not read back). Staged files and their records are not synced here: a
        crash before the commit discards the staging folder, and the commit syncs the files
        it publishes before its journal names them (``OutputRoot._commit_point``)."""
        info = path.stat()
        staged = StagedFile(relpath, rows, hashlib.sha256(data).hexdigest(), info.st_size, info.st_mtime_ns)
        records = self.staging / CONTROL / "records"
        records.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(relpath.encode()).hexdigest()[:24] + ".json"
        write_atomic(records / name, json.dumps(asdict(staged)).encode(), sync=False)
        return staged

    def write_bytes(self, relpath: str, data: bytes, rows: int | None = None) -> StagedFile:
        path = self._stage_path(relpath)
        write_durable(path, data, sync=False)
        failpoint("publish:staging")
        return self._record(relpath, path, rows, data)

    def write_parquet(
        self,
        relpath: str,
        frame: pd.DataFrame,
        metadata: dict[str, str] | None = None,
        schema: pa.Schema | None = None,
    ) -> StagedFile:
        """Parquet with the table's declared Arrow schema (``schema``, from its table spec)
        and file-level key/value metadata (e.g. the data's provenance)."""
        path = self._stage_path(relpath)
        data = parquet_bytes(frame, metadata, schema)
        write_durable(path, data, sync=False)
        return self._record(relpath, path, len(frame), data)

    def write_csv(self, relpath: str, frame: pd.DataFrame) -> StagedFile:
        """CSV for Excel (``csv_bytes``)."""
        return self.write_bytes(relpath, csv_bytes(frame), rows=len(frame))

    def path(self, relpath: str) -> Path:
        """Where a later step of this run reads a file: staged by this run, else published."""
        staged = self.staging / safe_relpath(relpath)
        return staged if staged.exists() else refuse_links(self.root, relpath)

    def files(self) -> list[StagedFile]:
        records = self.staging / CONTROL / "records"
        if not records.exists():
            return []
        staged = [StagedFile(**json.loads(p.read_text())) for p in records.glob("*.json")]
        return sorted(staged, key=lambda f: f.relpath)


class OutputRoot(ManifestChecks):
    """The published output folder, its manifest, and the run's internal state beside it."""

    def __init__(self, root: str | Path, state_dir: str | Path | None = None) -> None:
        self.root = Path(root).resolve()
        self.state_dir = Path(state_dir).resolve() if state_dir else default_state_dir(self.root)
        self.last_committed: list[str] = []  # the files the last commit replaced
        self.last_removed: list[str] = []  # and those it removed

    def check_provenance(self, synthetic: bool, real_output_dir: str | Path | None = None) -> None:
        """Refuse to mix synthetic and real data in one output root."""
        if synthetic and real_output_dir is not None and self.root == Path(real_output_dir).resolve():
            raise ProvenanceError(
                f"the API serves synthetic data, and {self.root} is where real outputs live; "
                "write sample outputs elsewhere (make sample writes to data/sample/)"
            )
        manifest = self.read_manifest()
        if "synthetic" in manifest and bool(manifest["synthetic"]) != synthetic:
            held = "synthetic sample" if manifest.get("synthetic") else "real Fingertips"
            new = "synthetic sample" if synthetic else "real Fingertips"
            raise ProvenanceError(
                f"{self.root} holds {held} outputs; refusing to add {new} data to it. Use another output folder."
            )

    # -- locking -----------------------------------------------------------------------
    @contextmanager
    def lock(self) -> Iterator[None]:
        """An exclusive lock on the root while the manifest and files change."""
        with locked_file(self.state_dir / LOCK, blocking=True):
            yield

    # -- staging and committing --------------------------------------------------------
    def stage(self, publication_id: str) -> Publication:
        """The staging folder of one publication (created on first use, shared by the
        steps of a run)."""
        name = safe_relpath(publication_id.replace("/", "_"))
        self.root.mkdir(parents=True, exist_ok=True)
        staging = refuse_links(self.root, f"{STAGING}/{name}")
        staging.mkdir(parents=True, exist_ok=True)
        refuse_links(self.root, f"{STAGING}/{name}")
        return Publication(self.root, staging)

    def discard(self, publication_id: str) -> None:
        shutil.rmtree(self.root / STAGING / publication_id.replace("/", "_"), ignore_errors=True)

    def commit(
        self,
        publication_id: str,
        manifest_fields: dict[str, Any],
        *,
        data_fingerprint: str | None = None,
        retire: Callable[[str], bool] | None = None,
    ) -> dict[str, Any]:
        """Publish everything staged under ``publication_id`` in one atomic step.

        Files whose bytes equal the published (and intact) file are left untouched; their
        manifest entry only learns the data fingerprint they were rebuilt from. Published
        files this publication did not stage and ``retire`` names (an area gone upstream,
        an old layout) are removed in the same step: the journal lists them, so a commit
        interrupted half way removes them when it is rolled forward.
        """
        staging = self.root / STAGING / publication_id.replace("/", "_")
        publication = Publication(self.root, staging)
        with self.lock():
            self.recover(keep={staging.name})
            manifest = self.read_manifest()
            # An entry naming a path outside the root (an edited manifest) is dropped, never
            # acted on: removing it would reach outside, and refusing it would block every night.
            files = {k: v for k, v in manifest.get("files", {}).items() if inside_root(k)}
            if len(files) != len(manifest.get("files", {})):
                manifest = {**manifest, "rebuilt_from_files": True}
            now = datetime.now(UTC).isoformat(timespec="seconds")
            changed = self._entries(publication, files, data_fingerprint, now)
            staged_paths = {f.relpath for f in publication.files()}
            removed = sorted(r for r in files if retire is not None and r not in staged_paths and retire(r))
            for relpath in removed:
                del files[relpath]
            top = {k: v for k, v in manifest.items() if k not in ("updated_at", "files", "rebuilt_from_files")}
            unchanged = (
                not changed
                and not manifest.get("rebuilt_from_files")
                and all(manifest.get(k) == v for k, v in manifest_fields.items())
                and files == manifest.get("files", {})
            )
            if unchanged:
                shutil.rmtree(staging, ignore_errors=True)
                return manifest
            top.update(manifest_fields)
            new_manifest = {**top, "updated_at": now, "files": dict(sorted(files.items()))}
            self._commit_point(staging, new_manifest, changed, removed)
            self._roll_forward(staging)
            return new_manifest

    def _entries(
        self, publication: Publication, files: dict[str, Any], data_fingerprint: str | None, now: str
    ) -> list[StagedFile]:
        """Update ``files`` (the manifest's entries) with what is staged; returns the staged
        files that differ from the published ones. A file whose bytes equal the published
        (and intact) file is left as it is; its entry only learns the data it was rebuilt from."""
        changed: list[StagedFile] = []
        since = self._committed_ns()
        for staged in publication.files():
            entry = files.get(staged.relpath)
            intact = entry and not self._file_problem(staged.relpath, entry, since=since)
            if entry and entry.get("sha256") == staged.sha256 and intact:
                if data_fingerprint:
                    files[staged.relpath] = {**entry, "data": data_fingerprint}
                continue
            changed.append(staged)
            files[staged.relpath] = {
                "rows": staged.rows,
                "sha256": staged.sha256,
                "bytes": staged.bytes,
                "mtime_ns": staged.mtime_ns,
                "written_at": now,
                "data": data_fingerprint,
            }
        return changed

    def _commit_point(
        self, staging: Path, new_manifest: dict[str, Any], changed: list[StagedFile], removed: list[str]
    ) -> None:
        """Write the new manifest and then the journal (the commit point) into the staging
        folder, every path checked first: refused before the commit point, never half way."""
        control = staging / CONTROL
        control.mkdir(parents=True, exist_ok=True)
        for staged in changed:  # on disk, and found in their folders, before the journal names them
            fsync_file(staging / staged.relpath)
        folders = {staging / parent for f in changed for parent in PurePosixPath(f.relpath).parents}
        for folder in sorted(folders):
            fsync_dir(folder)
        write_durable(control / MANIFEST, (json.dumps(new_manifest, indent=2) + "\n").encode("utf-8"))
        for staged in changed:
            refuse_links(self.root, staged.relpath)
        for relpath in removed:
            refuse_links(self.root, safe_relpath(relpath))
        journal = {"files": [f.relpath for f in changed], "removed": removed}
        self.last_committed = list(journal["files"])
        self.last_removed = list(removed)
        failpoint("publish:before-journal")
        write_atomic(control / JOURNAL, json.dumps(journal).encode())
        failpoint("publish:after-journal")

    def recover(self, keep: set[str] = frozenset(), *, discard: bool = True) -> None:  # type: ignore[assignment]
        """Roll forward committed publications and discard uncommitted ones (runs that
        failed or died), except the folders in ``keep``. A commit calls it holding the
        refresh lease, so no other run's staging is alive; ``jsna verify`` only rolls
        forward (``discard=False``), since a refresh may be staging as it runs."""
        staging_root = self.root / STAGING
        if not staging_root.exists():
            return
        refuse_links(self.root, STAGING)
        for staging in sorted(staging_root.iterdir()):
            if not staging.is_dir() or staging.is_symlink():
                continue  # the lease's copy (jsna.lease), not a publication
            if (staging / CONTROL / JOURNAL).exists():
                self._roll_forward(staging)
            elif discard and staging.name not in keep:
                shutil.rmtree(staging, ignore_errors=True)

    def pending(self) -> bool:
        """A committed publication not yet rolled forward (a run died during its commit)."""
        staging_root = self.root / STAGING
        return staging_root.exists() and any((s / CONTROL / JOURNAL).exists() for s in staging_root.iterdir())

    def _roll_forward(self, staging: Path) -> None:
        control = staging / CONTROL
        journal = json.loads((control / JOURNAL).read_text())
        for relpath in journal["files"]:
            source = staging / relpath
            if source.exists():
                target = refuse_links(self.root, safe_relpath(relpath))
                target.parent.mkdir(parents=True, exist_ok=True)
                refuse_links(self.root, relpath)
                os.replace(source, target)
                failpoint("publish:mid-rename")
        for relpath in journal.get("removed", []):
            target = refuse_links(self.root, safe_relpath(relpath))
            target.unlink(missing_ok=True)
            folder = target.parent
            while folder != self.root and folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()  # the folder of an area that went, once empty
                folder = folder.parent
        for relpath in {PurePosixPath(r).parent.as_posix() for r in journal["files"]} | {"."}:
            fsync_dir(self.root / relpath)
        manifest = control / MANIFEST
        if manifest.exists():
            if self.manifest_path.is_dir() and not self.manifest_path.is_symlink():
                shutil.rmtree(self.manifest_path)  # a folder in the manifest's place (see read_manifest)
            os.replace(manifest, self.manifest_path)
            fsync_dir(self.root)
        shutil.rmtree(staging, ignore_errors=True)


def default_state_dir(root: Path) -> Path:
    """Internal state (raw store, locks, Dagster's storage) beside the published tree,
    never inside it: nothing in the output root is ever loaded as code or state."""
    configured = environment.read("JSNA_STATE_DIR")
    if configured:
        return Path(configured).resolve() / hashlib.sha256(str(root).encode()).hexdigest()[:12]
    return root.parent / f".{root.name}.jsna-state"
