"""Area codes and slugs: England, the nine regions and London's 33 boroughs.

Borough slugs become Dagster partition keys, folder names and URLs, so they are
derived once here from the official names (lower case, ``&`` spelt out, hyphens) and
never from free text at run time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ENGLAND_CODE = "E92000001"
LONDON_CODE = "E12000007"
UPPER_TIER_AREA_TYPE = 502
REGION_AREA_TYPE = 6

REGIONS: dict[str, str] = {
    "E12000001": "North East region",
    "E12000002": "North West region",
    "E12000003": "Yorkshire and the Humber region",
    "E12000004": "East Midlands region",
    "E12000005": "West Midlands region",
    "E12000006": "East of England region",
    "E12000007": "London region",
    "E12000008": "South East region",
    "E12000009": "South West region",
}

LONDON_BOROUGHS: dict[str, str] = {
    "E09000001": "City of London",
    "E09000002": "Barking and Dagenham",
    "E09000003": "Barnet",
    "E09000004": "Bexley",
    "E09000005": "Brent",
    "E09000006": "Bromley",
    "E09000007": "Camden",
    "E09000008": "Croydon",
    "E09000009": "Ealing",
    "E09000010": "Enfield",
    "E09000011": "Greenwich",
    "E09000012": "Hackney",
    "E09000013": "Hammersmith and Fulham",
    "E09000014": "Haringey",
    "E09000015": "Harrow",
    "E09000016": "Havering",
    "E09000017": "Hillingdon",
    "E09000018": "Hounslow",
    "E09000019": "Islington",
    "E09000020": "Kensington and Chelsea",
    "E09000021": "Kingston upon Thames",
    "E09000022": "Lambeth",
    "E09000023": "Lewisham",
    "E09000024": "Merton",
    "E09000025": "Newham",
    "E09000026": "Redbridge",
    "E09000027": "Richmond upon Thames",
    "E09000028": "Southwark",
    "E09000029": "Sutton",
    "E09000030": "Tower Hamlets",
    "E09000031": "Waltham Forest",
    "E09000032": "Wandsworth",
    "E09000033": "Westminster",
}

# Child areas of each region known to this project by name, for partitioning. Only
# London ships today; another region's list is added here (codes from
# ``parent_to_child_areas``) and everything else follows from configuration.
REGION_CHILDREN: dict[str, dict[str, str]] = {LONDON_CODE: LONDON_BOROUGHS}

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(name: str) -> str:
    """``Hammersmith and Fulham`` -> ``hammersmith-and-fulham``."""
    text = name.lower().replace("&", " and ")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if not SLUG_PATTERN.match(slug):
        raise ValueError(f"cannot make a slug from area name {name!r}")
    return slug


@dataclass(frozen=True)
class Area:
    """One child area of the region: code, official name and its slug."""

    code: str
    name: str

    @property
    def slug(self) -> str:
        return slugify(self.name)


@dataclass(frozen=True)
class RegionConfig:
    """Which region's areas to publish, and the comparators beside them."""

    region_code: str = LONDON_CODE
    child_area_type_id: int = UPPER_TIER_AREA_TYPE
    parent_area_type_id: int = REGION_AREA_TYPE

    def __post_init__(self) -> None:
        if self.region_code not in REGIONS:
            raise ValueError(f"unknown region code {self.region_code!r}; expected one of {', '.join(REGIONS)}")
        if self.region_code not in REGION_CHILDREN:
            raise ValueError(
                f"no list of child areas for {REGIONS[self.region_code]} ({self.region_code}) "
                "in jsna/areas.py REGION_CHILDREN: add it to publish that region"
            )

    @property
    def region_name(self) -> str:
        return REGIONS[self.region_code]

    @property
    def areas(self) -> list[Area]:
        return [Area(code, name) for code, name in REGION_CHILDREN[self.region_code].items()]

    @property
    def slugs(self) -> list[str]:
        return [a.slug for a in self.areas]

    def area_for_slug(self, slug: str) -> Area:
        for area in self.areas:
            if area.slug == slug:
                return area
        raise ValueError(f"unknown area slug {slug!r} for {self.region_name}; expected one of: {', '.join(self.slugs)}")
