"""Publishing files under the output root so that nothing published is ever half-written.

A ``Publication`` stages every file of one step in ``<root>/.staging/<id>/``, then
commits: it writes a journal (the commit point), renames each staged file into place
(``os.replace`` is atomic on one filesystem) and rewrites ``manifest.json`` last. A
step that fails before the commit leaves every published file exactly as it was; a
process killed after the commit point is rolled forward by the next publication
(``recover``), so the manifest always ends up describing the files on disk.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import shutil
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

MANIFEST = "manifest.json"
STAGING = ".staging"
JOURNAL = "COMMIT.json"
LOCK = ".lock"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def failpoint(name: str) -> None:
    """Kill the process here if ``JSNA_FAILPOINT`` names this point (reliability tests).

    The reliability suite uses it to SIGKILL a refresh at exact moments of a publication
    and prove that nothing published is lost or half-written.
    """
    if os.environ.get("JSNA_FAILPOINT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


class RefreshLockedError(RuntimeError):
    """Another refresh holds the output root."""


class UnsafePathError(ValueError):
    """A path that would leave the output root."""


class ProvenanceError(RuntimeError):
    """Synthetic data about to be written where real outputs live (or the reverse)."""


def safe_relpath(relpath: str) -> str:
    """A relative POSIX path that stays inside the root, or ``UnsafePathError``."""
    path = PurePosixPath(relpath)
    if not relpath or path.is_absolute() or ".." in path.parts or "\\" in relpath or relpath.startswith("~"):
        raise UnsafePathError(f"refusing to write {relpath!r}: outputs must stay inside the output root")
    return str(path)


def defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with ``'`` (OWASP).

    Applied to CSV exports only; Parquet keeps text exactly. Numbers stay numbers.
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_string_dtype(series) and not pd.api.types.is_numeric_dtype(series):
            text = series.astype("string")
            risky = text.str.startswith(FORMULA_START).fillna(False)
            if risky.any():
                out[column] = text.where(~risky, "'" + text)
    return out


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class StagedFile:
    relpath: str
    rows: int | None
    sha256: str
    bytes: int


@dataclass
class Publication:
    """Files staged for one commit; use ``OutputRoot.publication()``."""

    root: Path
    staging: Path
    run_id: str
    files: list[StagedFile] = field(default_factory=list)

    def _stage_path(self, relpath: str) -> Path:
        target = self.staging / safe_relpath(relpath)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def _record(self, relpath: str, path: Path, rows: int | None) -> StagedFile:
        staged = StagedFile(relpath, rows, sha256_file(path), path.stat().st_size)
        self.files = [f for f in self.files if f.relpath != relpath] + [staged]
        return staged

    def write_bytes(self, relpath: str, data: bytes, rows: int | None = None) -> StagedFile:
        path = self._stage_path(relpath)
        path.write_bytes(data)
        failpoint("publish:staging")
        return self._record(relpath, path, rows)

    def write_parquet(self, relpath: str, frame: pd.DataFrame, metadata: dict[str, str] | None = None) -> StagedFile:
        """Parquet with file-level key/value metadata (e.g. the data's provenance)."""
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if metadata:
            merged = dict(table.schema.metadata or {})
            merged.update({k.encode(): v.encode() for k, v in metadata.items()})
            table = table.replace_schema_metadata(merged)
        path = self._stage_path(relpath)
        pq.write_table(table, path, compression="zstd")
        return self._record(relpath, path, len(frame))

    def write_csv(self, relpath: str, frame: pd.DataFrame) -> StagedFile:
        """CSV for Excel: UTF-8 with BOM, formulas defused, numbers at full precision."""
        buffer = io.StringIO()
        defuse_formulas(frame).to_csv(buffer, index=False, lineterminator="\r\n")
        return self.write_bytes(relpath, ("\ufeff" + buffer.getvalue()).encode("utf-8"), rows=len(frame))


class OutputRoot:
    """The published output folder and its manifest."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def read_manifest(self) -> dict[str, Any]:
        try:
            return json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def check_provenance(self, synthetic: bool, real_output_dir: str | Path | None = None) -> None:
        """Refuse to mix synthetic and real data in one output root."""
        if synthetic and real_output_dir is not None and self.root == Path(real_output_dir).resolve():
            raise ProvenanceError(
                f"the API serves synthetic data, and {self.root} is where real outputs live; "
                "write sample outputs elsewhere (make sample writes to data/sample/)"
            )
        manifest = self.read_manifest()
        if manifest and bool(manifest.get("synthetic")) != synthetic:
            held = "synthetic sample" if manifest.get("synthetic") else "real Fingertips"
            new = "synthetic sample" if synthetic else "real Fingertips"
            raise ProvenanceError(
                f"{self.root} holds {held} outputs; refusing to add {new} data to it. Use another output folder."
            )

    @contextmanager
    def lock(self) -> Iterator[None]:
        """An exclusive lock on the root while the manifest and files change."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / LOCK).open("a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def refresh_lock(self) -> Iterator[None]:
        """Held for a whole ``jsna refresh``: a second refresh on this root is refused."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".refresh.lock").open("a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise RefreshLockedError(
                    f"another refresh ({holder}) is running on {self.root}; wait for it to finish"
                ) from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}")
            handle.flush()
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextmanager
    def publication(self, run_id: str | None = None) -> Iterator[Publication]:
        """Stage files; on clean exit commit them; on error throw the staging away."""
        run_id = run_id or uuid.uuid4().hex
        staging = self.root / STAGING / f"{run_id}-{uuid.uuid4().hex[:8]}"
        staging.mkdir(parents=True, exist_ok=True)
        publication = Publication(self.root, staging, run_id)
        try:
            yield publication
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise

    def commit(self, publication: Publication, manifest_fields: dict[str, Any]) -> dict[str, Any]:
        """Journal, rename into place, rewrite the manifest: see the module docstring."""
        with self.lock():
            self.recover()
            manifest = self.read_manifest()
            files = dict(manifest.get("files", {}))
            now = datetime.now(UTC).isoformat(timespec="seconds")
            for staged in publication.files:
                files[staged.relpath] = {
                    "rows": staged.rows,
                    "sha256": staged.sha256,
                    "bytes": staged.bytes,
                    "written_at": now,
                    "run_id": publication.run_id,
                }
            top = {k: v for k, v in manifest.items() if k not in ("updated_at", "files")}
            top.update(manifest_fields)
            manifest = {**top, "updated_at": now, "files": dict(sorted(files.items()))}
            staged_manifest = publication.staging / MANIFEST
            staged_manifest.write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8")
            journal = {"files": [f.relpath for f in publication.files], "manifest": MANIFEST}
            failpoint("publish:before-journal")
            _write_atomic(publication.staging / JOURNAL, json.dumps(journal).encode())
            failpoint("publish:after-journal")
            self._roll_forward(publication.staging)
            return manifest

    def publish(self, publication: Publication, manifest_fields: dict[str, Any]) -> dict[str, Any]:
        """Commit unless nothing changed: identical files are left untouched (byte for byte)."""
        manifest = self.read_manifest()
        current = manifest.get("files", {})
        publication.files = [
            f
            for f in publication.files
            if current.get(f.relpath, {}).get("sha256") != f.sha256 or not (self.root / f.relpath).exists()
        ]
        unchanged = all(manifest.get(k) == v for k, v in manifest_fields.items())
        if not publication.files and unchanged:
            shutil.rmtree(publication.staging, ignore_errors=True)
            return manifest
        return self.commit(publication, manifest_fields)

    def recover(self) -> None:
        """Roll forward committed publications, discard uncommitted ones (after a crash)."""
        staging_root = self.root / STAGING
        if not staging_root.exists():
            return
        for staging in sorted(staging_root.iterdir()):
            if (staging / JOURNAL).exists():
                self._roll_forward(staging)
            elif _stale(staging):
                shutil.rmtree(staging, ignore_errors=True)

    def _roll_forward(self, staging: Path) -> None:
        journal = json.loads((staging / JOURNAL).read_text())
        for relpath in journal["files"]:
            source = staging / relpath
            if source.exists():
                target = self.root / safe_relpath(relpath)
                target.parent.mkdir(parents=True, exist_ok=True)
                _fsync(source)
                os.replace(source, target)
                failpoint("publish:mid-rename")
        manifest = staging / journal["manifest"]
        if manifest.exists():
            _fsync(manifest)
            os.replace(manifest, self.manifest_path)
        shutil.rmtree(staging, ignore_errors=True)

    def verify(self) -> list[str]:
        """Differences between the manifest and the files on disk (empty when they agree)."""
        problems = []
        for relpath, entry in self.read_manifest().get("files", {}).items():
            path = self.root / relpath
            if not path.exists():
                problems.append(f"{relpath}: listed in the manifest but missing")
            elif sha256_file(path) != entry.get("sha256"):
                problems.append(f"{relpath}: sha256 differs from the manifest")
        return problems


def _stale(staging: Path) -> bool:
    """An uncommitted staging folder is another process's work unless it is old."""
    try:
        age = datetime.now().timestamp() - staging.stat().st_mtime
    except FileNotFoundError:
        return False
    return age > 6 * 3600


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
