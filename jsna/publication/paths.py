"""Paths inside an output root: relative, inside it, never through a symbolic link.

A manifest or a journal is data that may have been edited; every path read from one
is checked here before anything is written or removed."""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath


class UnsafePathError(ValueError):
    """A path that would leave the output root, or pass through a symbolic link."""


def safe_relpath(relpath: str) -> str:
    """A relative POSIX path that stays inside the root and out of its hidden folders."""
    path = PurePosixPath(relpath)
    if (
        not relpath
        or path.is_absolute()
        or ".." in path.parts
        or "\\" in relpath
        or relpath.startswith("~")
        or any(part.startswith(".") for part in path.parts)
    ):
        raise UnsafePathError(f"refusing to write {relpath!r}: outputs must stay inside the output root")
    return str(path)


def inside_root(relpath: str) -> bool:
    """Whether a manifest entry names a path inside the root (``safe_relpath`` holds)."""
    try:
        safe_relpath(relpath)
    except UnsafePathError:
        return False
    return True


def linked_folder(base: Path, relpath: str) -> Path | None:
    """The first folder on the way to ``base / relpath`` that is a symbolic link, if any."""
    current = base
    for part in PurePosixPath(relpath).parts[:-1]:
        current = current / part
        try:
            if stat.S_ISLNK(os.lstat(current).st_mode):
                return current
        except FileNotFoundError:
            return None
    return None


def refuse_links(base: Path, relpath: str) -> Path:
    """``base / relpath``, refusing if ``base`` or any folder or file below it on the way
    is a symbolic link: a planted link must not redirect a write outside the root."""
    current = base
    for part in ("", *PurePosixPath(relpath).parts):
        current = current / part if part else current
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            break
        if stat.S_ISLNK(mode):
            raise UnsafePathError(f"{current} is a symbolic link; refusing to publish through it")
    return base / relpath
