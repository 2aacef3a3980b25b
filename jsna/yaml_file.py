"""Reading a YAML file a person wrote (the catalogue, the footprints file): what is wrong
with it is said in one line, naming the file and, for bad YAML, where."""

from __future__ import annotations

from pathlib import Path

import yaml


def read_yaml(file: Path, error: type[ValueError], what: str) -> tuple[object, bytes]:
    """(the parsed document, the file's bytes); ``error`` raised with ``what`` the file is."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise error(f"cannot read {what} {file}: {exc.strerror}") from exc
    try:
        return yaml.safe_load(raw), raw
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{file}: not valid YAML{where}: {problem}") from exc
