"""Deterministic synthetic data in the shape Fingertips serves it.

Every number is made up, but the shape is real: England first in each period, then the
regions, then the child areas; period labels such as ``2023/24``, ``2021 - 23`` and
``2024 Q3``; Persons/Male/Female and age bands; deprivation-decile rows for England (count
and denominator, no interval, as Fingertips aggregates them); within-area deprivation
quintiles and ethnic groups for some councils' indicators;
suppressed City of London values with a value note; missing confidence intervals;
comparisons with England and the region; full-precision values. The same request always
gets the same answer (seeded per cell), unless an indicator's ``revision`` is bumped to
simulate an upstream update.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from jsna.sample_api.areas import ENGLAND_CODE, REGIONS, SampleArea, neighbourhoods_of, upper_tier_areas
from jsna.sample_api.cells import (
    DECILES,
    DEPRIVATION_TYPE,
    LATEST_YEAR,
    N_PERIODS,
    Cell,
    Period,
    aggregated,
    local_groups,
    make_cell,
    rng,
)
from jsna.sample_api.indicators import SampleIndicator

CHILD_AREA_TYPE_NAME = "Counties & UAs (from Apr 2023)"
# The area types served under regions, with their Area Type text. The sample's lower tier
# (501) serves the same synthetic areas as its upper tier: the shape, not the geography.
AREA_TYPE_NAMES = {502: CHILD_AREA_TYPE_NAME, 501: "Districts & UAs (from Apr 2023)"}
SERVED_HEADER: tuple[str, ...] = (
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name",
    "Area Type", "Sex", "Age", "Category Type", "Category", "Time period", "Value",
    "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit",
    "Count", "Denominator", "Value note", "Recent Trend", "Compared to England value or percentiles",
    "Compared to Region value or percentiles", "Time period Sortable", "New data",
    "Compared to goal", "Time period range",
)  # fmt: skip

SUPPRESSED_AREAS = {"E09000001", "E06000053"}  # City of London, Isles of Scilly
SUPPRESSION_NOTE = "Value suppressed for disclosure control due to small count"
DIRECTIONS = ("Increasing", "Increasing", "Decreasing", "Decreasing", "No significant change", "Cannot be calculated")


def _trend(direction: str, polarity: str) -> str:
    """Fingertips' trend words: the direction, and whether that is better or worse by the
    indicator's polarity (no better or worse where it has none)."""
    if direction not in ("Increasing", "Decreasing"):
        return direction
    if polarity == "RAG - Low is good":
        return f"{direction} and getting {'worse' if direction == 'Increasing' else 'better'}"
    if polarity == "RAG - High is good":
        return f"{direction} and getting {'better' if direction == 'Increasing' else 'worse'}"
    return direction


@dataclass(frozen=True)
class PlaceArea:
    code: str
    name: str
    area_type: str
    parent_code: str
    parent_name: str


def children_of(
    region_code: str | None, areas: tuple[SampleArea, ...] | None = None, area_type: int = 502
) -> list[PlaceArea]:
    """Areas of the type, all of England or one region's (``areas``: what upstream serves)."""
    served = upper_tier_areas() if areas is None else areas
    return [
        PlaceArea(a.code, a.name, AREA_TYPE_NAMES[area_type], a.region_code, REGIONS[a.region_code])
        for a in served
        if region_code is None or a.region_code == region_code
    ]


def parent_to_child(areas: tuple[SampleArea, ...] | None = None) -> dict[str, list[str]]:
    """Region code -> child codes, as ``parent_to_child_areas`` serves it."""
    out: dict[str, list[str]] = {code: [] for code in REGIONS}
    for area in children_of(None, areas):
        out[area.parent_code].append(area.code)
    return out


def periods(shape: str) -> list[Period]:
    """The last ``N_PERIODS`` periods of a shape, oldest first, with real label forms."""
    years = range(LATEST_YEAR - N_PERIODS + 1, LATEST_YEAR + 1)
    if shape == "calendar":
        return [Period(f"{y}", y * 10000, "1y") for y in years]
    if shape == "financial":
        return [Period(f"{y}/{(y + 1) % 100:02d}", y * 10000, "1y") for y in years]
    if shape == "pooled3":
        return [Period(f"{y - 2} - {y % 100:02d}", (y - 2) * 10000, "3y") for y in years]
    if shape == "fin_pooled3":
        return [
            Period(f"{y - 2}/{(y - 1) % 100:02d} - {y % 100:02d}/{(y + 1) % 100:02d}", (y - 2) * 10000, "3y")
            for y in years
        ]
    if shape == "quarterly":
        quarters = [(LATEST_YEAR + (q - 3) // 4, (q - 3) % 4 + 1) for q in range(N_PERIODS)]
        return [Period(f"{y} Q{q}", y * 10000 + q * 100, "3m") for y, q in quarters]
    if shape == "rolling12":
        return [Period(f"Mar {y} - Feb {y + 1}", y * 10000 + 300, "1y") for y in years]
    raise ValueError(f"unknown period shape {shape!r}")


def _num(x: float | int | None) -> str:
    """Serve a number at full precision (shortest round-trip repr), empty for missing."""
    if x is None:
        return ""
    if isinstance(x, int):
        return str(x)
    return repr(float(x))


def _compare(value: float, lo: float, hi: float, reference: float, polarity: str) -> str:
    if lo > reference:
        side = "higher"
    elif hi < reference:
        side = "lower"
    else:
        return "Similar"
    if polarity.startswith("RAG - Low"):
        return "Worse" if side == "higher" else "Better"
    if polarity.startswith("RAG - High"):
        return "Better" if side == "higher" else "Worse"
    return "Higher" if side == "higher" else "Lower"


def _served_row(
    ind: SampleIndicator, place: PlaceArea, period: Period, sex: str, age: str, cell: Cell, latest: int, **columns: str
) -> tuple[str, ...]:
    """One row as the server writes it, in ``SERVED_HEADER`` order; ``columns``: its
    ``category_type``, ``category``, ``trend``, ``vs_england`` and ``vs_region`` where not
    the defaults (none, none, none, "Not compared", "Not compared")."""
    given = {"category_type": "", "category": "", "trend": "", "vs_england": "Not compared",
             "vs_region": "Not compared"} | columns  # fmt: skip
    return (
        str(ind.id), ind.name, place.parent_code, place.parent_name, place.code, place.name, place.area_type,
        sex, age, given["category_type"], given["category"], period.label, _num(cell.value), _num(cell.lower95),
        _num(cell.upper95), _num(cell.lower998), _num(cell.upper998), _num(cell.count), _num(cell.denominator),
        cell.note, given["trend"], given["vs_england"], given["vs_region"], str(period.sortable),
        "New data" if period.sortable == latest else "", "", period.range,
    )  # fmt: skip


def _council_columns(
    ind: SampleIndicator, area: SampleArea, slot: tuple[Period, str, str], revision: int, england: Cell, parent: Cell
) -> tuple[Cell, dict[str, str]]:
    """A council's cell in one period, sex and age, and its trend and comparisons with
    England's cell and its region's (``parent``)."""
    period, sex, age = slot
    cell = make_cell(ind, area.code, period, sex, age, "", revision)
    trend = ""
    if period.sortable == periods(ind.periods)[-1].sortable:
        trend = _trend(rng(ind.id, area.code, "trend", revision).choice(DIRECTIONS), ind.polarity)
    if area.code in SUPPRESSED_AREAS and ind.unit not in ("score",):
        none = Cell(None, None, None, None, None, None, None, SUPPRESSION_NOTE)
        return none, {"trend": "Cannot be calculated" if trend else "", "vs_england": "Not compared",
                      "vs_region": "Not compared"}  # fmt: skip
    lo = cell.lower95 if cell.lower95 is not None else cell.value
    hi = cell.upper95 if cell.upper95 is not None else cell.value
    vs_england = _compare(cell.value, lo, hi, england.value, ind.polarity)  # type: ignore[arg-type]
    vs_region = _compare(cell.value, lo, hi, parent.value, ind.polarity)  # type: ignore[arg-type]
    if not ind.compared:
        vs_england = vs_region = ""
    return cell, {"trend": trend, "vs_england": vs_england, "vs_region": vs_region}


@lru_cache(maxsize=512)
def indicator_rows(
    ind: SampleIndicator,
    region_code: str | None,
    revision: int = 0,
    areas: tuple[SampleArea, ...] | None = None,
    area_type: int = 502,
) -> tuple[tuple[str, ...], ...]:
    """All served rows of one indicator at an area type (502, 501) under parent type 6."""
    if not ind.at_502:
        return ()
    children = children_of(region_code, areas, area_type)
    england_place = PlaceArea(ENGLAND_CODE, "England", "England", "", "")
    regions = [
        PlaceArea(code, REGIONS[code], "Region", ENGLAND_CODE, "England")
        for code in (REGIONS if region_code is None else [region_code])
    ]
    rows: list[tuple[str, ...]] = []
    all_periods = periods(ind.periods)
    latest = all_periods[-1].sortable

    def row(place: PlaceArea, period: Period, sex: str, age: str, cell: Cell, **columns: str) -> tuple[str, ...]:
        return _served_row(ind, place, period, sex, age, cell, latest, **columns)

    for period in all_periods:
        for sex in ind.sexes:
            for age in ind.ages:
                england = make_cell(ind, ENGLAND_CODE, period, sex, age, "", revision)
                region_cells = {r.code: make_cell(ind, r.code, period, sex, age, "", revision) for r in regions}
                rows.append(row(england_place, period, sex, age, england))
                if ind.deprivation:
                    for n, decile in enumerate(DECILES):
                        cell = make_cell(ind, ENGLAND_CODE, period, sex, age, decile, revision)
                        cell = aggregated(cell, 1.3 - n * 0.06)
                        rows.append(row(england_place, period, sex, age, cell, category_type=DEPRIVATION_TYPE,
                                        category=decile))  # fmt: skip
                for place in regions:
                    cell = region_cells[place.code]
                    lo, hi = cell.lower95 or cell.value, cell.upper95 or cell.value
                    vs_england = _compare(cell.value, lo, hi, england.value, ind.polarity)  # type: ignore[arg-type]
                    rows.append(row(place, period, sex, age, cell, vs_england=vs_england))
                for area in children:
                    parent = region_cells.get(area.parent_code) or make_cell(
                        ind, area.parent_code, period, sex, age, "", revision
                    )
                    cell, columns = _council_columns(ind, area, (period, sex, age), revision, england, parent)
                    rows.append(row(area, period, sex, age, cell, **columns))
                    if ind.groups and sex == ind.sexes[0] and area.code not in SUPPRESSED_AREAS:  # headline sex
                        groups = local_groups(ind, area.code, (period, sex, age), revision)
                        rows += [row(area, period, sex, age, c, category_type=t, category=g) for t, g, c in groups]
    return tuple(rows)


MSOA_AREA_TYPE, ICB_AREA_TYPE = 3, 221
AREA_TYPE_TEXT = {MSOA_AREA_TYPE: "MSOA", ICB_AREA_TYPE: "ICBs"}


def neighbourhood_places(
    parent_code: str | None = None, areas: tuple[SampleArea, ...] | None = None, parent_type: int = 502
) -> tuple[list[PlaceArea], list[PlaceArea]]:
    """(the councils as parents, their MSOAs), for all of England or one council."""
    served = upper_tier_areas() if areas is None else areas
    # An area's MSOAs are numbered by its place in England's full list, not in the list
    # served now: a council gone from one answer must not renumber every later one's MSOAs.
    places = {a.code: n for n, a in enumerate(upper_tier_areas())}
    parents, children = [], []
    for position, area in enumerate(served):
        if parent_code is not None and area.code != parent_code:
            continue
        index = places.get(area.code, len(places) + position)
        parent = PlaceArea(area.code, area.name, AREA_TYPE_NAMES[parent_type], ENGLAND_CODE, "England")
        parents.append(parent)
        children += [PlaceArea(c, n, "MSOA", area.code, area.name) for c, n in neighbourhoods_of(area, index)]
    return parents, children


def icb_places(served: tuple[tuple[str, str], ...]) -> list[PlaceArea]:
    return [PlaceArea(code, name, "ICBs", ENGLAND_CODE, "England") for code, name in served]


@cache
def _suppressed(indicator_id: int, code: str, sortable: int) -> bool:
    """Whether an MSOA's value is suppressed in a period (about 3% are), whatever the revision."""
    return rng(indicator_id, code, sortable, "suppressed").random() < 0.03


@lru_cache(maxsize=512)
def child_rows(
    ind: SampleIndicator,
    child_type: int,
    parent_code: str | None,
    revision: int = 0,
    areas: tuple[SampleArea, ...] | None = None,
    parent_type: int = 502,
    *,
    served_icbs: tuple[tuple[str, str], ...],
) -> tuple[tuple[str, ...], ...]:
    """All served rows of an indicator at MSOA (under the councils) or ICB level (under
    England; ``served_icbs``: the ICBs served, ``SampleApiState.icbs()``): England first in each
    period, then the parents, then the children, each compared with England and its
    parent. MSOA values are suppressed now and then."""
    if child_type == MSOA_AREA_TYPE and ind.at_msoa:
        parents, children = neighbourhood_places(parent_code, areas, parent_type)
    elif child_type == ICB_AREA_TYPE and ind.at_icb:
        parents, children = [], icb_places(served_icbs)
    else:
        return ()
    all_periods = periods(ind.periods)
    latest = all_periods[-1].sortable
    england_place = PlaceArea(ENGLAND_CODE, "England", "England", "", "")
    rows: list[tuple[str, ...]] = []
    for period in all_periods:
        for sex in ind.sexes:
            for age in ind.ages:
                england = make_cell(ind, ENGLAND_CODE, period, sex, age, "", revision)
                rows.append(_served_row(ind, england_place, period, sex, age, england, latest))
                cells = {p.code: make_cell(ind, p.code, period, sex, age, "", revision) for p in parents}
                for place in parents:
                    cell = cells[place.code]
                    vs_england = _compare(cell.value, cell.lower95, cell.upper95, england.value, ind.polarity)  # type: ignore[arg-type]
                    rows.append(_served_row(ind, place, period, sex, age, cell, latest, vs_england=vs_england))
                for place in children:
                    cell = make_cell(ind, place.code, period, sex, age, "", revision)
                    if _suppressed(ind.id, place.code, period.sortable):
                        rows.append(_served_row(ind, place, period, sex, age,
                                                Cell(None, None, None, None, None, None, None, SUPPRESSION_NOTE),
                                                latest))  # fmt: skip
                        continue
                    parent = cells.get(place.parent_code, england)
                    vs_england = _compare(cell.value, cell.lower95, cell.upper95, england.value, ind.polarity)  # type: ignore[arg-type]
                    vs_parent = _compare(cell.value, cell.lower95, cell.upper95, parent.value, ind.polarity)  # type: ignore[arg-type]
                    rows.append(_served_row(ind, place, period, sex, age, cell, latest, vs_england=vs_england,
                                            vs_region=vs_parent))  # fmt: skip
    return tuple(rows)
