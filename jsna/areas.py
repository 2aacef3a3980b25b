"""Areas and scopes: which councils a refresh publishes, learnt from the API.

The areas of an area type (upper tier, 502, by default), their regions and which region
each belongs to come from the API (``areas/by_area_type`` and ``parent_to_child_areas``)
and are cached in the state folder beside the raw data, so a new unitary authority
appears without a code change. A *scope* is one region's areas or all of England's.

Area slugs become Dagster partition keys, folder names and URLs, so they are derived
once here from the official names (lower case, ``&`` spelt out, hyphens).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from jsna.publication import write_atomic

ENGLAND_CODE = "E92000001"
LONDON_CODE = "E12000007"
ENGLAND_SCOPE = "england"
DEFAULT_SCOPE = "london"
UPPER_TIER_AREA_TYPE = 502
REGION_AREA_TYPE = 6
# The area types whose parents are regions (type 6): councils, as published from April 2023.
AREA_TYPES: dict[int, str] = {
    502: "upper tier local authorities (counties and unitary authorities)",
    501: "lower tier local authorities (districts and unitary authorities)",
}
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
AREA_LIST_VERSION = 1
# England's real counts (2024) of the area types the list is fetched for, and regions.
# An answer listing more than a few times as many is not a reorganisation but a fault:
# refused at once, before 200,000 partitions or folders are made of it.
ENGLAND_COUNTS: dict[int, int] = {502: 153, 501: 296, REGION_AREA_TYPE: 9}
MAX_TIMES_ENGLAND = 3
# A list that loses more areas than this share (and more than two) is refused as a
# fault; a merger of one or two councils goes through, with its changes-table rows.
MAX_AREAS_LOST = 0.05


class ImplausibleAreaListError(ValueError):
    """The API's area list looks like a fault (an outage, a runaway answer), not a change."""


def area_bound(area_type_id: int) -> int:
    """The most areas of a type an answer may list before it is refused."""
    return MAX_TIMES_ENGLAND * ENGLAND_COUNTS.get(area_type_id, max(ENGLAND_COUNTS.values()))


def _bounded(rows: list[dict[str, object]], area_type_id: int) -> list[dict[str, object]]:
    bound = area_bound(area_type_id)
    if len(rows) > bound:
        raise ImplausibleAreaListError(
            f"the API listed {len(rows):,} areas of type {area_type_id}, more than {bound:,} "
            f"({MAX_TIMES_ENGLAND} times England's {ENGLAND_COUNTS.get(area_type_id, '?')}): refused as a fault; "
            "the cached area list and the published outputs are unchanged"
        )
    return rows


def slugify(name: str) -> str:
    """``Hammersmith and Fulham`` -> ``hammersmith-and-fulham``."""
    text = name.lower().replace("&", " and ")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if not SLUG_PATTERN.match(slug):
        raise ValueError(f"cannot make a slug from area name {name!r}")
    return slug


def region_slug(name: str) -> str:
    """``North West region`` -> ``north-west``."""
    return slugify(re.sub(r"\s+region$", "", name.strip(), flags=re.IGNORECASE))


@dataclass(frozen=True)
class Area:
    """One area: code, official name, and (for a council) the region it belongs to."""

    code: str
    name: str
    region_code: str = ""
    region_name: str = ""

    @property
    def slug(self) -> str:
        return slugify(self.name)

    @property
    def with_comparators(self) -> tuple[str, str, str]:
        """Its code, its region's and England's: the rows its pages read beside its own."""
        return (self.code, self.region_code, ENGLAND_CODE)


class AreaSource(Protocol):
    """What fetching an area list needs from a client (``FingertipsClient``)."""

    def fetch_areas(self, area_type_id: int) -> list[dict[str, object]]: ...

    def fetch_parent_to_child(self, child_area_type_id: int, parent_area_type_id: int) -> dict[str, list[str]]: ...


@dataclass(frozen=True)
class AreaList:
    """Every area of one type in England with its region, as the API lists them."""

    area_type_id: int
    regions: tuple[Area, ...]
    areas: tuple[Area, ...]
    api_base_url: str = ""
    retrieved_at: str = ""

    @classmethod
    def fetch(
        cls, client: AreaSource, area_type_id: int, *, api_base_url: str = "", retrieved_at: str = ""
    ) -> AreaList:
        """Three small JSON requests: the regions, the areas of the type, and which region holds which."""
        regions = [_area(r, "region") for r in _bounded(client.fetch_areas(REGION_AREA_TYPE), REGION_AREA_TYPE)]
        listed = _bounded(client.fetch_areas(area_type_id), area_type_id)
        names = {a.code: a.name for a in (_area(r, "area") for r in listed)}
        children = client.fetch_parent_to_child(area_type_id, REGION_AREA_TYPE)
        region_names = {r.code: r.name for r in regions}
        areas: list[Area] = []
        for region in regions:
            for code in children.get(region.code, []):
                if code in names:  # an area without a name in the list is not one of the type
                    areas.append(Area(str(code), names[str(code)], region.code, region_names[region.code]))
        if not areas:
            raise ValueError(f"the API lists no areas of type {area_type_id} under any region")
        return cls(area_type_id, tuple(regions), tuple(areas), api_base_url, retrieved_at)

    def to_json(self) -> str:
        """The list with the sha256 of its content, so an edited or damaged cache is
        never trusted (``from_json`` checks it) but fetched again."""
        body = {"version": AREA_LIST_VERSION, **asdict(self)}
        return json.dumps({**body, "sha256": _content_sha(body)}, indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AreaList:
        body = json.loads(text)
        if body.get("version") != AREA_LIST_VERSION:
            raise ValueError("area list of another version")
        if body.pop("sha256", None) != _content_sha(body):
            raise ValueError("the area list fails its checksum")
        return cls(
            int(body["area_type_id"]),
            tuple(Area(**a) for a in body["regions"]),
            tuple(Area(**a) for a in body["areas"]),
            str(body.get("api_base_url", "")),
            str(body.get("retrieved_at", "")),
        )

    def codes(self) -> list[str]:
        return [a.code for a in self.areas]


def _content_sha(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _area(row: dict[str, object], what: str) -> Area:
    code, name = row.get("Code"), row.get("Name")
    if not isinstance(code, str) or not isinstance(name, str) or not code.strip() or not name.strip():
        raise ValueError(f"the API listed a {what} without a code or name: {row!r}")
    return Area(code.strip(), name.strip())


@dataclass(frozen=True)
class Scope:
    """The areas a refresh publishes (one region's, or England's) and their comparators."""

    slug: str  # "london", "north-west", "england"
    name: str  # "London region", "England"
    areas: tuple[Area, ...]
    regions: tuple[Area, ...]  # the regions the areas belong to
    child_area_type_id: int = UPPER_TIER_AREA_TYPE
    parent_area_type_id: int = REGION_AREA_TYPE
    all_areas: tuple[Area, ...] = field(default=(), repr=False)  # every area of the type in England

    @property
    def is_england(self) -> bool:
        return self.slug == ENGLAND_SCOPE

    @property
    def region_code(self) -> str | None:
        """The one region of a regional scope (None for England): sent as ``parent_area_code``."""
        return None if self.is_england else self.regions[0].code

    @property
    def region_name(self) -> str:
        return self.name

    @property
    def slugs(self) -> list[str]:
        return [a.slug for a in self.areas]

    def area_for_slug(self, slug: str) -> Area:
        for area in self.areas:
            if area.slug == slug:
                return area
        raise ValueError(f"unknown area slug {slug!r} for {self.name}; expected one of: {', '.join(self.slugs)}")

    def codes_of(self, slugs: list[str]) -> list[str]:
        """The codes of these areas, in the same order (a run's areas, to split their rows)."""
        return [self.area_for_slug(slug).code for slug in slugs]

    def codes_with_comparators(self, slugs: list[str]) -> set[str]:
        """The codes of these areas, their regions and England: the rows their pages read."""
        return {code for slug in slugs for code in self.area_for_slug(slug).with_comparators}


def check_area_type(area_type_id: int) -> None:
    if area_type_id not in AREA_TYPES:
        valid = "; ".join(f"{k} ({v})" for k, v in AREA_TYPES.items())
        raise ValueError(f"unknown area type {area_type_id}; expected one of: {valid}")


def resolve_scope(value: str, area_list: AreaList) -> Scope:
    """``london``, ``North West``, ``E12000002`` or ``england`` -> the scope's areas.

    Raises ValueError naming every valid value when ``value`` is none of them."""
    check_area_type(area_list.area_type_id)
    wanted = value.strip()
    common = {"child_area_type_id": area_list.area_type_id, "all_areas": area_list.areas}
    if wanted.lower() == ENGLAND_SCOPE:
        scope = Scope(ENGLAND_SCOPE, "England", area_list.areas, area_list.regions, **common)  # type: ignore[arg-type]
    else:
        try:
            key = region_slug(wanted)
        except ValueError:  # nothing a slug can be made of: no region matches by name
            key = ""
        found = [r for r in area_list.regions if r.code.upper() == wanted.upper() or region_slug(r.name) == key]
        if not found:
            valid = ", ".join(f"{region_slug(r.name)} ({r.code})" for r in area_list.regions)
            raise ValueError(f"unknown region {value!r}; expected england or one of: {valid}")
        region = found[0]
        mine = tuple(a for a in area_list.areas if a.region_code == region.code)
        scope = Scope(region_slug(region.name), region.name, mine, (region,), **common)  # type: ignore[arg-type]
    seen: dict[str, str] = {}
    for area in scope.areas:
        if area.slug in seen:
            raise ValueError(f"two areas make the slug {area.slug!r}: {seen[area.slug]} and {area.code}")
        seen[area.slug] = area.code
    return scope


def area_list_path(state_dir: Path, area_type_id: int) -> Path:
    """Where the cached area list of one type lives (beside the raw store)."""
    return Path(state_dir) / "areas" / f"areas-{area_type_id}.json"


def load_area_list(state_dir: Path, area_type_id: int) -> AreaList | None:
    """The cached list, or None when there is none (or it is damaged: fetch it again)."""
    path = area_list_path(state_dir, area_type_id)
    try:
        return AreaList.from_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        logging.getLogger("jsna.areas").warning("%s is not trusted (%s); the areas are fetched again", path, exc)
        return None


def save_area_list(state_dir: Path, area_list: AreaList) -> Path:
    path = area_list_path(state_dir, area_list.area_type_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, area_list.to_json().encode("utf-8"))
    return path


def cached_area_list(
    state_dir: Path, area_type_id: int, api_base_url: str, client: Callable[[], AreaSource]
) -> AreaList:
    """The area list cached in the state folder, fetched (and cached) first when there is
    none or it came from another API. ``client`` makes the client only when it is needed."""
    found = load_area_list(state_dir, area_type_id)
    if found is not None and found.api_base_url == api_base_url:
        return found
    fetched = AreaList.fetch(client(), area_type_id, api_base_url=api_base_url)
    save_area_list(state_dir, fetched)
    return fetched


def check_area_list(old: AreaList | None, new: AreaList, region: str, accept: bool = False) -> None:
    """Refuse a refreshed list that loses more than a small share of the cached one's areas,
    in England or in the scope, or loses a region (``accept`` after checking Fingertips).

    Raises ImplausibleAreaListError before anything is removed."""
    if old is None or accept:
        return
    now = set(new.codes())
    regions_lost = [r.name for r in old.regions if r.code not in {n.code for n in new.regions}]
    scope = resolve_scope(region, old)
    for where, areas in (("England", old.areas), (scope.name, scope.areas)):
        lost = [a for a in areas if a.code not in now]
        if (len(lost) > 2 and len(lost) > MAX_AREAS_LOST * len(areas)) or regions_lost:
            names = ", ".join(a.name for a in lost[:5]) + (f" and {len(lost) - 5} more" if len(lost) > 5 else "")
            what = f"regions {', '.join(regions_lost)}" if regions_lost else f"{len(lost)} of its {len(areas)} areas"
            raise ImplausibleAreaListError(
                f"the API's list of areas of type {new.area_type_id} lost {what} in {where} "
                f"({names or 'none by code'}): refused as a fault, nothing removed; the last good data stays "
                "published; after checking Fingertips, accept with --accept-area-changes"
            )


def area_changes(old: AreaList | None, new: AreaList) -> dict[str, list[dict[str, Any]]]:
    """Areas that appeared or disappeared upstream between two lists."""
    before = {a.code: a for a in old.areas} if old else {}
    after = {a.code: a for a in new.areas}
    return {
        "added": [asdict(after[c]) for c in after if c not in before] if old else [],
        "removed": [asdict(before[c]) for c in before if c not in after],
    }
