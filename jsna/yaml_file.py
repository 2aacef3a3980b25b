"""Reading a YAML file a person wrote (the catalogue, the footprints file): what is wrong
with it is said in one line, naming the file and, for bad YAML, where.

Such a file is small and plain, so two things are refused before it is built into
objects: more than ``MAX_BYTES``, and aliases (``*name``), with which 631 bytes of
nested aliases expand to gigabytes (a "billion laughs").

The file is read with libyaml's parser where PyYAML was built with it (about a tenth of
the pure-Python parser's time: the catalogue is read at the start of every refresh), and
the objects are built by the same safe constructor either way. A file that does not parse
is read again by the pure-Python parser, whose messages are the ones this module reports."""

from __future__ import annotations

from pathlib import Path

import yaml

MAX_BYTES = 1 << 20  # England's 7,264 MSOAs as members fit in a tenth of this
_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(file: Path, error: type[ValueError], what: str) -> tuple[object, bytes]:
    """(the parsed document, the file's bytes); ``error`` raised with ``what`` the file is."""
    try:
        with file.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise error(f"cannot read {what} {file}: {exc.strerror}") from exc
    if len(raw) > MAX_BYTES:
        raise error(f"{file}: {what} is larger than {MAX_BYTES:,} bytes; it is a short list written by a person")
    try:
        return _parsed(raw, _FAST, file, error, what), raw
    except yaml.YAMLError:
        pass  # said below, in the pure-Python parser's words
    try:
        return _parsed(raw, yaml.SafeLoader, file, error, what), raw
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{file}: not valid YAML{where}: {problem}") from exc


def _parsed(raw: bytes, loader: type, file: Path, error: type[ValueError], what: str) -> object:
    """The document, once no event of it is an alias (``loader``: libyaml's or PyYAML's)."""
    for event in yaml.parse(raw, Loader=loader):
        if isinstance(event, yaml.AliasEvent):
            mark = event.start_mark
            raise error(
                f"{file}: YAML aliases (*{event.anchor}) are not allowed in {what} "
                f"(line {mark.line + 1}); write each value out"
            )
    return yaml.load(raw, Loader=loader)  # noqa: S506 - a safe loader (SafeLoader or CSafeLoader)
