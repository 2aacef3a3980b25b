"""What the raw step asks the API for: one extract per kind of area.

The councils' extract is the one every table is built from (every council in England,
under their regions). The neighbourhoods' extract asks for the catalogue's MSOA
indicators (area type 3) with the councils' area type as parent, so every row carries
its council as ``Parent Code``; the ICBs' extract asks for the council catalogue at ICB
level (area type 221) under England. Each extract has its own raw store (keyed by its
request parameters), its own plan and its own plausibility checks; a publication is
built from all of them, so its fingerprint is theirs together.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd

from jsna.areas import ENGLAND_CODE, REGION_AREA_TYPE, slugify
from jsna.catalogue import Catalogue

COUNCILS, NEIGHBOURHOODS, ICBS = "councils", "neighbourhoods", "icbs"
MSOA_AREA_TYPE, ICB_AREA_TYPE, ENGLAND_AREA_TYPE = 3, 221, 15
EXTRACT_COLUMN = "extract"  # which extract a raw row came from


@dataclass(frozen=True)
class Extract:
    """One kind of request: which ids, at which area type, under which parent type."""

    name: str
    ids: tuple[int, ...]
    child_area_type_id: int
    parent_area_type_id: int
    # Ids that may come back with no rows without surprise: Fingertips publishes many
    # indicators for councils only, and the ICB extract asks for the whole catalogue.
    gaps_expected: bool = False

    @property
    def params(self) -> dict[str, int]:
        return {"child_area_type_id": self.child_area_type_id, "parent_area_type_id": self.parent_area_type_id}


def extracts(catalogue: Catalogue, area_type_id: int, icbs: bool = True) -> tuple[Extract, ...]:
    """The extracts a refresh fetches, the councils' first (the neighbourhoods' only when
    the catalogue lists MSOA indicators, the ICBs' unless turned off)."""
    found = [Extract(COUNCILS, tuple(catalogue.ids), area_type_id, REGION_AREA_TYPE)]
    if catalogue.neighbourhood_ids:
        found.append(Extract(NEIGHBOURHOODS, tuple(catalogue.neighbourhood_ids), MSOA_AREA_TYPE, area_type_id))
    if icbs:
        found.append(Extract(ICBS, tuple(catalogue.ids), ICB_AREA_TYPE, ENGLAND_AREA_TYPE, gaps_expected=True))
    return tuple(found)


def combined_digest(digests: dict[str, str]) -> str:
    """One fingerprint of every extract's raw store (the councils' alone stays its own)."""
    if list(digests) == [COUNCILS]:
        return digests[COUNCILS]
    text = "|".join(f"{name}={digest}" for name, digest in sorted(digests.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def served_areas(rows: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(code, name, slug) of every area an extract's rows serve, England aside, by name:
    the ICBs, whose codes and names come only from the API."""
    served = rows[rows["area_code"] != ENGLAND_CODE].drop_duplicates("area_code")
    pairs = sorted(
        zip(served["area_code"].astype(str), served["area_name"].astype(str), strict=True), key=lambda p: p[1]
    )
    return [(code, name, slugify(name)) for code, name in pairs]
