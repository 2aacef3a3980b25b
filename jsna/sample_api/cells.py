"""Synthetic cells: one value with its interval, count and denominator, seeded by what it
is about, and the breakdowns of an area's value as Fingertips serves them (England's
deprivation deciles, a council's within-area deprivation quintiles and ethnic groups)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from jsna.sample_api.areas import ENGLAND_CODE
from jsna.sample_api.indicators import SampleIndicator

AGGREGATED_NOTE = "Aggregated from all known lower geography values"
DEPRIVATION_TYPE = "County & UA deprivation deciles in England (IMD2019)"
DECILES = (
    "Most deprived decile (IMD2019)", "Second most deprived decile (IMD2019)",
    "Third more deprived decile (IMD2019)", "Fourth more deprived decile (IMD2019)",
    "Fifth more deprived decile (IMD2019)", "Fifth less deprived decile (IMD2019)",
    "Fourth less deprived decile (IMD2019)", "Third less deprived decile (IMD2019)",
    "Second least deprived decile (IMD2019)", "Least deprived decile (IMD2019)",
)  # fmt: skip
# Breakdowns of a council's own value (``SampleIndicator.groups``), in Fingertips' shapes.
LOCAL_DEPRIVATION_TYPE = "LSOA11 deprivation quintiles within area (IMD2019)"
QUINTILES = (
    "Most deprived quintile (IMD2019)", "Second most deprived quintile (IMD2019)",
    "Third more deprived quintile (IMD2019)", "Second least deprived quintile (IMD2019)",
    "Least deprived quintile (IMD2019)",
)  # fmt: skip
ETHNIC_TYPE = "Ethnic groups"
ETHNIC_GROUPS = ("Asian", "Black", "Mixed", "Other", "White")
N_PERIODS = 5
LATEST_YEAR = 2023


@dataclass(frozen=True)
class Period:
    label: str
    sortable: int
    range: str


def rng(*parts: object) -> random.Random:
    return random.Random("|".join(str(p) for p in parts))


@cache
def _centre(indicator_id: int, area: str, low: float, high: float) -> float:
    """An area's level for an indicator, the same in every period and breakdown (seeding a
    generator from text is most of the cost of a cell: done once per area here)."""
    return rng(indicator_id, area, "level").uniform(low, high)


@cache
def _drift(indicator_id: int, area: str) -> float:
    """An area's yearly drift for an indicator."""
    return rng(indicator_id, area, "drift").uniform(-0.02, 0.02)


@dataclass(frozen=True)
class Cell:
    value: float | None
    lower95: float | None
    upper95: float | None
    lower998: float | None
    upper998: float | None
    count: float | None
    denominator: float | None
    note: str


def make_cell(
    ind: SampleIndicator, area: str, period: Period, sex: str, age: str, category: str, revision: int
) -> Cell:
    """One synthetic value with CIs, count and denominator, consistent with each other."""
    r = rng(ind.id, area, period.sortable, sex, age, category, revision)
    centre = _centre(ind.id, area, ind.low, ind.high)
    drift = (period.sortable // 10000 - LATEST_YEAR) * _drift(ind.id, area)
    level = max(ind.low * 0.5, centre * (1 + drift) * r.uniform(0.97, 1.03))
    if ind.unit in ("score", "years") or ind.value_type == "Percentage point":
        spread = level * r.uniform(0.01, 0.04)
        missing_ci = ind.unit == "score"
        return Cell(
            value=level,
            lower95=None if missing_ci else level - spread,
            upper95=None if missing_ci else level + spread,
            lower998=None if missing_ci else level - spread * 1.58,
            upper998=None if missing_ci else level + spread * 1.58,
            count=None,
            denominator=None,
            note="",
        )
    scale = 100.0 if ind.unit == "%" else float(ind.unit.split()[-1].replace(",", ""))
    if ind.value_type == "Indirectly standardised ratio":
        scale = 100.0
    if area == ENGLAND_CODE:
        denominator = r.randint(40_000_000, 56_000_000)
    elif area.startswith("E02"):  # an MSOA: about 8,000 people
        denominator = r.randint(1_500, 9_000)
    else:
        denominator = r.randint(20_000, 400_000)
    count = max(1, round(level / scale * denominator))
    value = count / denominator * scale
    se = (max(count, 1) ** 0.5) / denominator * scale
    lower95, upper95 = max(0.0, value - 1.959963984540054 * se), value + 1.959963984540054 * se
    lower998, upper998 = max(0.0, value - 3.090232306167813 * se), value + 3.090232306167813 * se
    if ind.value_type == "Proportion":
        upper95, upper998 = min(upper95, 100.0), min(upper998, 100.0)
    drop_998 = r.random() < 0.05
    return Cell(
        value=value,
        lower95=lower95,
        upper95=upper95,
        lower998=None if drop_998 else lower998,
        upper998=None if drop_998 else upper998,
        count=count,
        denominator=denominator,
        note="",
    )


def aggregated(cell: Cell, factor: float) -> Cell:
    """An England deprivation-decile cell as Fingertips serves one: scaled along the
    gradient, with its count and denominator, no interval, and the aggregation note."""
    count = None if cell.count is None else max(1, round(cell.count * factor))
    value = cell.value * factor if count is None or not cell.denominator else cell.value * count / cell.count  # type: ignore[operator]
    return Cell(value, None, None, None, None, count, cell.denominator, AGGREGATED_NOTE)


def local_groups(
    ind: SampleIndicator, area: str, slot: tuple[Period, str, str], revision: int
) -> list[tuple[str, str, Cell]]:
    """A council's within-area deprivation quintiles (higher where more deprived) and
    ethnic groups, each with its own interval, count and denominator."""
    period, sex, age = slot
    out = []
    for n, quintile in enumerate(QUINTILES):
        cell = make_cell(ind, area, period, sex, age, quintile, revision)
        out.append((LOCAL_DEPRIVATION_TYPE, quintile, scaled(cell, 1.25 - n * 0.1)))
    for group in ETHNIC_GROUPS:
        out.append((ETHNIC_TYPE, group, make_cell(ind, area, period, sex, age, group, revision)))
    return out


def scaled(cell: Cell, factor: float) -> Cell:
    """A cell moved along a gradient, its interval with it."""

    def times(x: float | None) -> float | None:
        return None if x is None else x * factor

    return Cell(times(cell.value), times(cell.lower95), times(cell.upper95), times(cell.lower998),
                times(cell.upper998), cell.count, cell.denominator, cell.note)  # fmt: skip
