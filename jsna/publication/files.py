"""File helpers of a publication: durable and atomic writes, locks that follow no link,
and a published table's Parquet bytes (its CSV bytes: ``jsna.publication.csv_export``)."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jsna.publication.paths import UnsafePathError


def parquet_bytes(
    frame: pd.DataFrame, metadata: dict[str, str] | None = None, schema: pa.Schema | None = None
) -> bytes:
    """A frame as Parquet (zstd) with ``schema`` and file-level key/value ``metadata``."""
    if frame.attrs:  # pandas would store attrs (internal bookkeeping) in the file
        frame = frame.copy(deep=False)
        frame.attrs = {}
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
    if metadata:
        merged = dict(table.schema.metadata or {})
        merged.update({k.encode(): v.encode() for k, v in metadata.items()})
        table = table.replace_schema_metadata(merged)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def locked_file(path: Path, *, blocking: bool) -> Iterator[int]:
    """An flock'd file opened without following a symbolic link (a planted link to
    another file must not be truncated or written)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafePathError(f"{path} is a symbolic link; refusing to open it") from exc
        raise
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        try:
            yield fd
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def read_nofollow(path: Path) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise UnsafePathError(f"{path} is a symbolic link or cannot be read ({exc.strerror})") from exc
    with os.fdopen(fd, "rb") as handle:
        return handle.read().decode("utf-8")


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    """Make a file already written durable (a staged file, synced by the commit)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durable(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Write and fsync (``sync=False``: written only; its writer syncs it later, as a commit
    syncs the staged files it publishes before its journal names them)."""
    with path.open("wb") as handle:
        handle.write(data)
        if sync:
            handle.flush()
            os.fsync(handle.fileno())


def write_atomic(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Write to a temporary name, fsync, rename: readers see the old or the new file,
    and concurrent writers never share a temporary name. ``sync=False`` keeps the rename
    and leaves out both fsyncs, for a file that no crash needs (a staging record)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    write_durable(tmp, data, sync=sync)
    os.replace(tmp, path)
    if sync:
        fsync_dir(path.parent)


def file_identity(path: Path) -> tuple[int, int, int]:
    """A file's identity now (inode, size, modification time): a reader that keeps what it
    read of a file reads it again once another writer has replaced or changed it."""
    info = path.stat()
    return info.st_ino, info.st_size, info.st_mtime_ns
