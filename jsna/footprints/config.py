"""The custom footprints file (``--footprints FILE`` or ``JSNA_FOOTPRINTS``), validated
at start-up like the catalogue: a mistake stops the run with the entry named.

A footprint is a named group of areas of one type, given by code: councils (a
partnership such as South London Listens) or MSOAs (a neighbourhood network)."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from jsna.extracts import COUNCILS, MSOA_AREA_TYPE, NEIGHBOURHOODS
from jsna.yaml_file import read_yaml

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
CODE = re.compile(r"^E\d{8}$")
MSOA_PREFIX = "E02"
ENTRY_KEYS = {"slug", "name", "members"}


class FootprintsError(ValueError):
    """The footprints file is malformed; the message names the entry."""


@dataclass(frozen=True)
class Footprint:
    """One footprint: its slug (folder name), its name and its members' codes."""

    slug: str
    name: str
    members: tuple[str, ...]

    @property
    def kind(self) -> str:
        """``councils`` or ``neighbourhoods`` (all members MSOAs)."""
        return NEIGHBOURHOODS if self.members[0].startswith(MSOA_PREFIX) else COUNCILS


@dataclass(frozen=True)
class Footprints:
    """Every footprint of the file, in order, and the file's sha256 (in the fingerprint)."""

    footprints: tuple[Footprint, ...] = ()
    sha256: str = ""

    @property
    def slugs(self) -> list[str]:
        return [f.slug for f in self.footprints]


def load_footprints(path: str | Path | None) -> Footprints:
    """Read and validate a footprints file; none given, no footprints."""
    if not path:
        return Footprints()
    file = Path(path)
    doc, raw = read_yaml(file, FootprintsError, "the footprints file")
    if not isinstance(doc, dict) or set(doc) != {"footprints"} or not isinstance(doc["footprints"], list):
        raise FootprintsError(f"{file}: expected a mapping with one key, 'footprints', holding a list")
    found: list[Footprint] = []
    for n, entry in enumerate(doc["footprints"], start=1):
        found.append(_footprint(entry, f"{file}: footprint #{n}"))
    seen: set[str] = set()
    for footprint in found:
        if footprint.slug in seen:
            raise FootprintsError(f"{file}: duplicate slug {footprint.slug!r}")
        seen.add(footprint.slug)
    return Footprints(tuple(found), hashlib.sha256(raw).hexdigest())


def _footprint(entry: object, where: str) -> Footprint:
    if not isinstance(entry, dict):
        raise FootprintsError(f"{where}: expected a mapping with {', '.join(sorted(ENTRY_KEYS))}")
    if "slug" in entry:
        where += f" ({entry['slug']})"
    unknown = sorted(str(k) for k in entry if k not in ENTRY_KEYS)
    if unknown:
        raise FootprintsError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(ENTRY_KEYS))}")
    slug, name, members = entry.get("slug"), entry.get("name"), entry.get("members")
    if not isinstance(slug, str) or not SLUG.match(slug):
        raise FootprintsError(f"{where}: 'slug' must be lower-case letters, digits and hyphens (e.g. south-london)")
    if not isinstance(name, str) or not name.strip():
        raise FootprintsError(f"{where}: 'name' is required")
    if not isinstance(members, list) or len(members) < 2:
        raise FootprintsError(f"{where}: 'members' must list at least two area codes")
    codes = [str(m).strip() for m in members]
    bad = [c for c in codes if not CODE.match(c)]
    if bad:
        raise FootprintsError(f"{where}: not area codes: {', '.join(bad)}")
    twice = sorted(c for c, n in Counter(codes).items() if n > 1)  # one pass: 200,000 members stay fast
    if twice:
        raise FootprintsError(f"{where}: listed twice: {', '.join(twice)}")
    msoas = [c for c in codes if c.startswith(MSOA_PREFIX)]
    if msoas and len(msoas) != len(codes):
        raise FootprintsError(f"{where}: members must be all councils or all MSOAs (E02...), not a mix")
    return Footprint(slug, name.strip(), tuple(codes))


class _AreaLister(Protocol):
    def fetch_areas(self, area_type_id: int) -> list[dict[str, object]]: ...


def msoa_codes(client: _AreaLister) -> set[str]:
    """The codes of every MSOA the API lists (one request)."""
    return {str(row.get("Code", "")).strip() for row in client.fetch_areas(MSOA_AREA_TYPE)}


def check_members(
    footprints: Footprints, council_codes: Iterable[str], msoa_codes: Callable[[], Iterable[str]], area_type_id: int
) -> None:
    """Every member is an area the API lists (a council of the area type, or an MSOA), so a
    typo (``E09000092``) stops the run before anything is fetched, naming the entry, and a
    good footprint pack is never replaced by one of "not compared".

    ``msoa_codes`` is called (one request) only when a footprint has MSOA members."""
    councils = set(council_codes)
    msoas: set[str] | None = None
    for footprint in footprints.footprints:
        if footprint.kind == NEIGHBOURHOODS:
            msoas = set(msoa_codes()) if msoas is None else msoas
            known, what = msoas, "MSOAs"
        else:
            known, what = councils, f"areas of type {area_type_id}"
        unknown = [code for code in footprint.members if code not in known]
        if unknown:
            raise FootprintsError(
                f"the footprints file: footprint {footprint.slug!r} names {', '.join(unknown)}, which the API does "
                f"not list among its {what}; correct the member code(s) (nothing was fetched or published)"
            )
