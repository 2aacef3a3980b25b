"""The areas the offline sample API serves: England's nine regions and their upper-tier
areas (area type 502), each region's areas under it.

London's 33 boroughs and a few areas elsewhere carry their real codes and names, so that
London work looks as it does against the live API; the rest of each region is filled to
about its real number of upper-tier areas with synthetic ones ("North West sample area
03"), so a refresh of all of England has the real scale. This is the only list of area
codes in the project: the pipeline learns its areas from the API.
"""

from __future__ import annotations

from dataclasses import dataclass

ENGLAND_CODE = "E92000001"

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

OTHER_UPPER_TIER: dict[str, tuple[str, str]] = {
    "E06000001": ("Hartlepool", "E12000001"),
    "E08000021": ("Newcastle upon Tyne", "E12000001"),
    "E08000003": ("Manchester", "E12000002"),
    "E08000012": ("Liverpool", "E12000002"),
    "E08000035": ("Leeds", "E12000003"),
    "E06000018": ("Nottingham", "E12000004"),
    "E08000025": ("Birmingham", "E12000005"),
    "E10000015": ("Hertfordshire", "E12000006"),
    "E10000016": ("Kent", "E12000008"),
    "E06000045": ("Southampton", "E12000008"),
    "E06000023": ("Bristol", "E12000009"),
    "E06000053": ("Isles of Scilly", "E12000009"),
}

# About how many upper-tier areas each region has (153 in England from April 2023).
AREAS_PER_REGION: dict[str, int] = {
    "E12000001": 12, "E12000002": 24, "E12000003": 15, "E12000004": 10, "E12000005": 14,
    "E12000006": 11, "E12000007": 33, "E12000008": 19, "E12000009": 15,
}  # fmt: skip


@dataclass(frozen=True)
class SampleArea:
    """One upper-tier area as the sample serves it, with its region."""

    code: str
    name: str
    region_code: str


def _synthetic_code(region_code: str, n: int) -> str:
    """``E069`` + the region's digit + a number: codes no real area has."""
    return f"E069{region_code[-1]}{n:04d}"


def upper_tier_areas(
    added: tuple[SampleArea, ...] = (), removed: frozenset[str] = frozenset(), fill: bool = True
) -> tuple[SampleArea, ...]:
    """Every upper-tier area in England, region by region (London's by code), with any
    areas a test has ``added`` upstream and without those ``removed``; without ``fill``,
    only London's boroughs and the named areas elsewhere (a smaller England: 45 councils)."""
    out: list[SampleArea] = []
    for region in REGIONS:
        mine = [SampleArea(c, n, region) for c, n in LONDON_BOROUGHS.items()] if region == "E12000007" else []
        mine += [SampleArea(c, n, r) for c, (n, r) in OTHER_UPPER_TIER.items() if r == region]
        short = REGIONS[region].removesuffix(" region")
        n = 0
        while fill and len(mine) < AREAS_PER_REGION[region]:
            n += 1
            mine.append(SampleArea(_synthetic_code(region, n), f"{short} sample area {n:02d}", region))
        out += mine
    out += [a for a in added if a.region_code in REGIONS]
    return tuple(a for a in out if a.code not in removed)


def neighbourhoods_of(area: SampleArea, index: int) -> tuple[tuple[str, str], ...]:
    """The MSOAs (area type 3) of one upper-tier area: (code, name), named as Fingertips
    names them (``Southwark 001``). Five to nine per area, so a borough's chart has several
    bars; the codes (``E029`` + the area's place in the list) are codes no real MSOA has."""
    n = 5 + sum(ord(c) for c in area.code) % 5
    return tuple((f"E029{index:03d}{k:02d}", f"{area.name} {k:03d}") for k in range(1, n + 1))


# Integrated Care Boards (area type 221). Their codes and names come from the API (ICBs
# merge), so these are the sample's own: London's five by name, the rest synthetic, every
# code one no real ICB has. No council membership is served, as the live API serves none.
# The smaller England serves London's five and five others: ranks among more ICBs than
# London's, and about a quarter of the 42 packs a refresh with ICBs renders.
ICB_COUNT, NAMED_ICB_COUNT = 42, 10
LONDON_ICBS = (
    "NHS North Central London ICB", "NHS North East London ICB", "NHS North West London ICB",
    "NHS South East London ICB", "NHS South West London ICB",
)  # fmt: skip


def icbs(fill: bool = True) -> tuple[tuple[str, str], ...]:
    """Every ICB the sample serves: (code, name); without ``fill``, the smaller England's
    (the first of the full list, with the same codes)."""
    count = ICB_COUNT if fill else NAMED_ICB_COUNT
    names = [*LONDON_ICBS, *(f"ICB sample area {n:02d}" for n in range(1, count - len(LONDON_ICBS) + 1))]
    return tuple((f"E549{n:05d}", name) for n, name in enumerate(names, start=1))
