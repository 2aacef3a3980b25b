"""File helpers of a publication: durable and atomic writes, locks that follow no link,
and the bytes of a published table (Parquet, and CSV with formulas defused for Excel)."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jsna.publication.paths import UnsafePathError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SCAN_ROWS = 2000  # below this many rows a column is scanned value by value first


def defuse_text(text: str) -> str:
    """The text a spreadsheet shows for ``text``: prefixed with ``'`` where it would run
    as a formula (OWASP), unchanged otherwise."""
    return "'" + text if text.startswith(FORMULA_START) else text


def defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell as ``defuse_text`` gives it, for CSV exports (the workbook's rows
    apply ``defuse_text`` as they are written). Parquet keeps text exactly; numbers stay
    numbers. Columns with nothing to defuse are not copied."""
    defused = {}
    for column in frame.columns:
        series = frame[column]
        if not pd.api.types.is_string_dtype(series) or pd.api.types.is_numeric_dtype(series):
            continue
        # An area's table is a few hundred rows: a plain scan of its values costs a fifth of
        # pandas' string methods there (most columns hold nothing to defuse).
        if len(series) < _SCAN_ROWS and not any(
            isinstance(v, str) and v.startswith(FORMULA_START) for v in series.to_numpy(dtype=object)
        ):
            continue
        text = series.astype("string")
        risky = text.str.startswith(FORMULA_START).fillna(False)
        if risky.any():
            defused[column] = text.where(~risky, "'" + text)
    return frame.assign(**defused) if defused else frame


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


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for Excel: UTF-8 with BOM, formulas defused, numbers at full precision."""
    buffer = io.StringIO()
    _times_as_text(defuse_formulas(frame)).to_csv(buffer, index=False, lineterminator="\r\n")
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _times_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Each date-time column as the text ``to_csv`` writes for it, each distinct time
    formatted once. pandas formats a date-time column value by value (a quarter of a
    table's CSV time, though a run's rows share one retrieval time); its format depends
    only on whether every value is a midnight, which the distinct values answer alike, so
    ``to_csv`` of the distinct values gives each value's text exactly."""
    texts = {}
    for column in frame.columns:
        series = frame[column]
        if series.dtype.kind != "M" or series.empty:  # datetime64, with or without a time zone
            continue
        codes, distinct = pd.factorize(series)  # NaT: code -1, which takes the last text ("")
        shown = distinct.to_frame(index=False).to_csv(index=False, header=False, lineterminator="\n")
        shown = [*shown.split("\n")[:-1], ""]  # and last, what to_csv writes for NaT (na_rep "")
        texts[column] = np.array(shown, dtype=object)[codes]
    return frame.assign(**texts) if texts else frame


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
