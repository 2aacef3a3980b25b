"""Reading and checking a publication's manifest: whether the files on disk are the ones
it lists (size and mtime, sha256 when they moved or when asked), and rebuilding it from
the files when it is damaged. The repair side of the publication; ``OutputRoot`` has it."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any

import pyarrow.parquet as pq

from jsna.publication.files import (
    read_nofollow,
    sha256_file,
)
from jsna.publication.paths import inside_root, linked_folder

MANIFEST = "manifest.json"
log = logging.getLogger("jsna.publish")


class ManifestDamagedError(RuntimeError):
    """manifest.json cannot be read as a manifest (``verify`` says so; a refresh rebuilds it)."""


class ManifestChecks:
    """The manifest of ``root`` and checks of the files against it."""

    root: Path

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    # -- the manifest ------------------------------------------------------------------
    def read_manifest(self, *, rebuild: bool = True) -> dict[str, Any]:
        """The manifest; a damaged one is rebuilt from the files (with a warning naming it),
        or raises ``ManifestDamagedError`` when ``rebuild`` is false."""
        try:
            text = read_nofollow(self.manifest_path)
        except FileNotFoundError:
            return {}
        except IsADirectoryError:
            text = None  # a folder where the manifest belongs: damaged like a torn file
        try:
            if text is None:
                raise ValueError("a folder, not a file")
            manifest = json.loads(text)
            if not isinstance(manifest, dict) or not isinstance(manifest.get("files", {}), dict):
                raise ValueError("not a JSON object with a files table")
            return manifest
        except (ValueError, UnicodeDecodeError) as exc:
            problem = f"{self.manifest_path} is damaged ({str(exc)[:80]})"
            if not rebuild:
                raise ManifestDamagedError(problem) from exc
            log.warning("%s; rebuilt from the files on disk, the next publication rewrites it", problem)
            return self.rebuild_manifest()

    def rebuild_manifest(self) -> dict[str, Any]:
        """A manifest describing the published files as they are (provenance from Parquet)."""
        files: dict[str, Any] = {}
        top: dict[str, Any] = {}
        for path in sorted(self.root.rglob("*")):
            relpath = path.relative_to(self.root).as_posix()
            parts = PurePosixPath(relpath).parts
            if parts[0] == MANIFEST or any(p.startswith(".") for p in parts):
                continue
            if path.is_symlink() or not path.is_file():
                continue
            info = path.stat()
            files[relpath] = {"rows": None, "sha256": sha256_file(path), "bytes": info.st_size,
                              "mtime_ns": info.st_mtime_ns}  # fmt: skip
            if path.suffix == ".parquet" and "synthetic" not in top:
                meta = pq.read_schema(path).metadata or {}
                if b"jsna:synthetic" in meta:
                    top["synthetic"] = meta[b"jsna:synthetic"].decode() == "True"
        return {**top, "rebuilt_from_files": True, "files": files}

    def damaged(self, manifest: dict[str, Any] | None = None, *, thorough: bool = False) -> list[str]:
        """Published files that differ from the manifest: missing, resized, or moved and
        with another sha256 (an unchanged size and mtime is trusted without hashing,
        unless ``thorough``: then every file is hashed)."""
        manifest = self.read_manifest() if manifest is None else manifest
        problems = []
        since = self._committed_ns()
        for relpath, entry in manifest.get("files", {}).items():
            problem = self._file_problem(relpath, entry, thorough=thorough, since=since)
            if problem:
                problems.append(f"{relpath}: {problem}")
        return problems

    def _committed_ns(self) -> int | None:
        """When the last commit ended: the manifest is renamed into place after every file,
        so its change time is later than any published file's that nobody touched since."""
        try:
            return os.lstat(self.manifest_path).st_ctime_ns
        except FileNotFoundError:
            return None

    def _file_problem(
        self, relpath: str, entry: dict[str, Any], *, thorough: bool = False, since: int | None = None
    ) -> str | None:
        if not inside_root(relpath):
            return "not a path inside the output root (the manifest was edited); the next refresh drops it"
        path = self.root / relpath
        link = linked_folder(self.root, relpath)
        if link is not None:
            return f"reached through the symbolic link {link}, not a folder of the output root"
        try:
            info = os.lstat(path)
        except (FileNotFoundError, NotADirectoryError):
            return "listed in the manifest but missing"
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
            return "not a regular file"
        if not thorough:
            if entry.get("bytes") is not None and info.st_size != entry["bytes"]:
                return f"{info.st_size} bytes where the manifest says {entry['bytes']}"
            # Size and mtime are trusted only for a file unchanged since the commit: an edit
            # in place with its mtime restored (os.utime) still moves its change time.
            untouched = since is not None and info.st_ctime_ns <= since
            if entry.get("mtime_ns") == info.st_mtime_ns and untouched:
                return None
        return None if sha256_file(path) == entry.get("sha256") else "sha256 differs from the manifest"

    def verify(self) -> list[str]:
        """Differences between the manifest and the files on disk, every file hashed
        (empty when they agree); a damaged manifest raises ``ManifestDamagedError``."""
        return self.damaged(self.read_manifest(rebuild=False), thorough=True)
