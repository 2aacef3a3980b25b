"""Load and validate the indicator catalogue (``indicators.yaml``).

The catalogue decides what every run fetches, so a mistake in it must stop the
pipeline at start-up with the entry named, not surface as a silently missing
indicator in a commissioner's table weeks later.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from jsna.yaml_file import read_yaml

DEFAULT_CATALOGUE = Path(__file__).with_name("indicators.yaml")
TOP_KEYS = {"version", "domains", "indicators", "neighbourhoods"}
DOMAIN_KEYS = {"key", "name"}
ENTRY_KEYS = {"id", "label", "domain", "why"}
# the summary's age band; a key indicator gets a trend chart; a neighbourhood measure that
# ranks MSOAs by deprivation names the words its served name must hold (checked each run)
OPTIONAL_KEYS = {"standard_age", "key", "ranks_deprivation"}


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message names the entry."""


@dataclass(frozen=True)
class Indicator:
    """One catalogue entry."""

    id: int
    label: str
    domain_key: str
    domain: str
    why: str
    standard_age: str | None = None
    key: bool = False
    ranks_deprivation: str | None = None  # words the served name must hold to rank MSOAs by it


@dataclass(frozen=True)
class Catalogue:
    """The validated catalogue: a version, its domains and its indicators in order."""

    version: str
    domains: dict[str, str]
    indicators: tuple[Indicator, ...]
    path: str
    sha256: str
    # Indicators served at MSOA level (area type 3), for each council's neighbourhood table.
    neighbourhoods: tuple[Indicator, ...] = ()

    @property
    def ids(self) -> list[int]:
        """The council indicators (also fetched for ICBs)."""
        return [i.id for i in self.indicators]

    @property
    def neighbourhood_ids(self) -> list[int]:
        return [i.id for i in self.neighbourhoods]

    @property
    def all_ids(self) -> list[int]:
        """Every id the catalogue names, once: what metadata and change dates are asked for."""
        return list(dict.fromkeys([*self.ids, *self.neighbourhood_ids]))

    @property
    def deprivation_measure(self) -> Indicator | None:
        """The neighbourhood measure MSOAs are ranked by for the neighbourhood gradient."""
        return next((i for i in self.neighbourhoods if i.ranks_deprivation), None)

    def label_of(self, iid: int) -> str:
        found = next((i for i in (*self.indicators, *self.neighbourhoods) if i.id == iid), None)
        return found.label if found else ""

    def by_id(self) -> dict[int, Indicator]:
        return {i.id: i for i in self.indicators}


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and validate a catalogue file; raise ``CatalogueError`` naming the bad entry."""
    file = Path(path) if path else DEFAULT_CATALOGUE
    doc, raw_bytes = read_yaml(file, CatalogueError, "the catalogue")
    if not isinstance(doc, dict):
        raise CatalogueError(f"{file}: expected a mapping with {sorted(TOP_KEYS)}")
    _no_unknown(doc, TOP_KEYS, f"{file}: top level")
    version = doc.get("version")
    if not isinstance(version, str | int | float) or not str(version).strip():
        raise CatalogueError(f"{file}: 'version' is missing")

    domains: dict[str, str] = {}
    for n, entry in enumerate(doc.get("domains") or [], start=1):
        where = f"{file}: domain #{n}"
        if not isinstance(entry, dict):
            raise CatalogueError(f"{where}: expected a mapping with key and name")
        _no_unknown(entry, DOMAIN_KEYS, where)
        key, name = entry.get("key"), entry.get("name")
        if not isinstance(key, str) or not isinstance(name, str) or not key or not name:
            raise CatalogueError(f"{where}: both 'key' and 'name' are required")
        if key in domains:
            raise CatalogueError(f"{where}: duplicate domain key {key!r}")
        domains[key] = name.strip()
    if not domains:
        raise CatalogueError(f"{file}: no domains defined")

    entries = doc.get("indicators")
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{file}: 'indicators' must be a non-empty list")
    indicators = _entries(file, entries, domains, "indicator")
    neighbourhood_entries = doc.get("neighbourhoods") or []
    if not isinstance(neighbourhood_entries, list):
        raise CatalogueError(f"{file}: 'neighbourhoods' must be a list of indicators served at MSOA level")
    neighbourhoods = _entries(file, neighbourhood_entries, domains, "neighbourhood indicator")
    return Catalogue(
        version=str(version),
        domains=domains,
        indicators=tuple(indicators),
        path=str(file),
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        neighbourhoods=tuple(neighbourhoods),
    )


def _entries(file: Path, entries: list, domains: dict[str, str], kind: str) -> list[Indicator]:
    """One section's indicators, validated (ids unique within the section)."""
    seen: dict[int, int] = {}
    indicators: list[Indicator] = []
    for n, entry in enumerate(entries, start=1):
        where = f"{file}: {kind} #{n}"
        if not isinstance(entry, dict):
            raise CatalogueError(f"{where}: expected a mapping with {sorted(ENTRY_KEYS)}")
        if "id" in entry:
            where += f" (id {entry['id']})"
        _no_unknown(entry, ENTRY_KEYS | OPTIONAL_KEYS, where)
        missing = sorted(k for k in ENTRY_KEYS if entry.get(k) in (None, ""))
        if missing:
            raise CatalogueError(f"{where}: missing {', '.join(missing)}")
        iid = entry["id"]
        if isinstance(iid, bool) or not isinstance(iid, int) or iid <= 0:
            raise CatalogueError(f"{where}: 'id' must be a positive whole number")
        if iid in seen:
            raise CatalogueError(f"{where}: duplicate id {iid} (first at {kind} #{seen[iid]})")
        seen[iid] = n
        domain_key = str(entry["domain"])
        if domain_key not in domains:
            raise CatalogueError(f"{where}: unknown domain {domain_key!r}; expected one of {', '.join(domains)}")
        indicators.append(
            Indicator(
                id=iid,
                label=str(entry["label"]).strip(),
                domain_key=domain_key,
                domain=domains[domain_key],
                why=str(entry["why"]).strip(),
                standard_age=str(entry["standard_age"]) if entry.get("standard_age") else None,
                key=bool(entry.get("key", False)),
                ranks_deprivation=str(entry["ranks_deprivation"]) if entry.get("ranks_deprivation") else None,
            )
        )
    return indicators


def _no_unknown(entry: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(str(k) for k in entry if k not in allowed)
    if unknown:
        raise CatalogueError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
