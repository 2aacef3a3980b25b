"""Output roots on object storage, addressed by a filesystem URI (``s3://``, ``gs://``, ...).

Object stores have no atomic rename, but each object write is all-or-nothing. So the
pipeline publishes into a local working copy (same guarantees as a local root) and
then uploads the files of each commit, ``manifest.json`` last: a reader of the bucket
never sees half a file, and the manifest never names a file that is not there yet.
``file://`` URIs are plain local folders. Other schemes need their fsspec driver
installed (``pip install s3fs`` for ``s3://``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import fsspec

from jsna import environment
from jsna.publication import MANIFEST, OutputRoot, default_state_dir


def is_uri(location: str) -> bool:
    return bool(urlsplit(location).scheme) and len(urlsplit(location).scheme) > 1


def local_path(location: str) -> Path:
    """A local folder for a plain path or a ``file://`` URI."""
    parts = urlsplit(location)
    return Path(unquote(parts.path)) if parts.scheme == "file" else Path(location)


class MirroredOutputRoot(OutputRoot):
    """A local working copy whose commits are uploaded to an object store."""

    def __init__(self, uri: str, cache_dir: str | Path | None = None) -> None:
        self.uri = uri.rstrip("/")
        super().__init__(working_copy(self.uri, cache_dir))
        self.fs, self.remote = fsspec.core.url_to_fs(self.uri)
        self.root.mkdir(parents=True, exist_ok=True)
        remote_manifest = f"{self.remote}/{MANIFEST}"
        if not self.manifest_path.exists() and self.fs.exists(remote_manifest):
            self.fs.get_file(remote_manifest, str(self.manifest_path))

    def commit(self, publication_id: str, manifest_fields: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        self.last_committed, self.last_removed = [], []
        manifest = super().commit(publication_id, manifest_fields, **kwargs)
        for relpath in self.last_committed:
            target = f"{self.remote}/{relpath}"
            self.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
            self.fs.put_file(str(self.root / relpath), target)
        self.fs.put_file(str(self.manifest_path), f"{self.remote}/{MANIFEST}")
        for relpath in self.last_removed:  # after the manifest: it never names a missing file
            if self.fs.exists(f"{self.remote}/{relpath}"):
                self.fs.rm(f"{self.remote}/{relpath}")
        return manifest


def working_copy(uri: str, cache_dir: str | Path | None = None) -> Path:
    """The local working copy of an object-store root (named without touching the store)."""
    base = Path(cache_dir) if cache_dir else environment.cache_folder()
    return base / hashlib.sha256(uri.rstrip("/").encode()).hexdigest()[:16]


def state_dir_of(location: str) -> Path:
    """The state folder of an output root, worked out without opening the root: loading the
    definitions names it for the IO manager and must reach no network."""
    if is_uri(location) and urlsplit(location).scheme != "file":
        return default_state_dir(working_copy(location).resolve())
    return default_state_dir(local_path(location).resolve())


def open_output_root(location: str) -> OutputRoot:
    """The output root for a path, a ``file://`` URI or an object-store URI."""
    if is_uri(location) and urlsplit(location).scheme != "file":
        return MirroredOutputRoot(location)
    return OutputRoot(local_path(location))
