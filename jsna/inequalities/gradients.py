"""The gap across deprivation: highest and lowest group, their ratio and spread, and the
SII and RII (``jsna.inequalities.slope_index``) of

- each served deprivation breakdown (England's deciles, a council's own quintiles), its
  latest period, the groups weighted by their served denominators; and
- each council's neighbourhoods (MSOAs): every neighbourhood indicator's latest period,
  the MSOAs ranked by the catalogue's deprivation measure (its latest period) from most
  to least deprived and weighted by that measure's denominator (the MSOA's population).

Nothing is filled in: where the groups have no population, or too few groups have a
value, the SII is empty and the note says why; where they have no intervals, the SII
has none either.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jsna.inequalities.deprivation import deprivation_ranks, is_deprivation
from jsna.inequalities.slope_index import (
    MIN_GROUPS,
    NORMAL,
    PROPORTION,
    RATE,
    REPETITIONS,
    Gradient,
    seed_for,
    slope_index,
)
from schemas.inequalities import INEQUALITY_GRADIENTS

SLOT = ["indicator_id", "area_code", "period", "sex", "age"]
METHOD = (
    f"phe_sii: weighted least squares on the midpoints of cumulative population shares, most deprived at 0; "
    f"95% limits from {REPETITIONS:,} draws of each group's value (seeded)"
)
_RATES = ("Crude rate", "Directly standardised rate", "Indirectly standardised ratio", "Indirectly standardised rate")


def value_scale(value_type: str, unit: str) -> tuple[str, float]:
    """How a value's interval is drawn in the simulation (as ``phe_sii``'s value types)."""
    if value_type == "Proportion" and unit == "%":
        return PROPORTION, 100.0
    if value_type in _RATES:
        return RATE, 1.0
    return NORMAL, 1.0


def decile_gradients(core: pd.DataFrame) -> pd.DataFrame:
    """A gradient per served deprivation breakdown of the council table, its latest period."""
    deprivation = core["category_type"].map(is_deprivation).astype(bool)  # bool even for no rows
    rows = core[(core["category"] != "") & deprivation]
    if not len(rows):
        return INEQUALITY_GRADIENTS.empty()
    keys = [*SLOT, "category_type"]
    newest = rows.groupby(["indicator_id", "area_code", "category_type"])["period_sortable"].transform("max")
    rows = rows[rows["period_sortable"] == newest].copy()
    rows["rank"] = deprivation_ranks(rows, keys).astype("float64")
    rows = rows.sort_values([*keys, "rank"], kind="stable").reset_index(drop=True)
    columns = _columns(rows, "category", "denominator")
    out = []
    for positions in rows.groupby(keys, sort=False, dropna=False).indices.values():
        first = rows.iloc[positions[0]]
        ranked = not np.isnan(columns["rank"][positions]).any()
        out.append(_gradient(first, _take(columns, positions), first["category_type"], ranked))
    return _frame(out)


def _columns(rows: pd.DataFrame, label: str, population: str) -> dict[str, np.ndarray]:
    """The columns a gradient reads, as arrays (one conversion, not one per group)."""
    return {
        "label": rows[label].astype(object).to_numpy(),
        "value": rows["value"].to_numpy(float),
        "lower": rows["lower_ci_95"].to_numpy(float),
        "upper": rows["upper_ci_95"].to_numpy(float),
        "population": rows[population].to_numpy(float),
        "rank": rows["rank"].to_numpy(float) if "rank" in rows else np.zeros(len(rows)),
    }


def _take(columns: dict[str, np.ndarray], positions: np.ndarray) -> dict[str, np.ndarray]:
    return {name: array[positions] for name, array in columns.items()}


def neighbourhood_gradients(neighbourhoods: pd.DataFrame, measure_id: int | None, measure_words: str) -> pd.DataFrame:
    """A gradient per council and neighbourhood indicator (its latest period) across the
    council's MSOAs, ranked by the deprivation measure ``measure_id``."""
    rows = neighbourhoods[neighbourhoods["category"] == ""]
    if measure_id is None or not len(rows):
        return INEQUALITY_GRADIENTS.empty()
    measure = rows[(rows["indicator_id"] == measure_id) & (rows["sex"] == "Persons")]
    named = measure["indicator_name"].iloc[0] if len(measure) else ""
    why = ""
    if not len(measure):
        why = f"the deprivation measure (indicator {measure_id}) was not served at MSOA level"
    elif measure_words.lower() not in named.lower():
        why = f"indicator {measure_id} is served as {named!r}, not as {measure_words!r}: MSOAs are not ranked by it"
    latest = measure[measure["period_sortable"] == measure["period_sortable"].max()]
    ranking = latest.set_index("area_code")[["value", "denominator", "period"]].rename(
        columns={"value": "deprivation", "denominator": "population", "period": "deprivation_period"}
    )
    outcomes = rows[rows["indicator_id"] != measure_id]
    latest_of = outcomes.groupby("indicator_id")["period_sortable"].transform("max")
    outcomes = outcomes[outcomes["period_sortable"] == latest_of]
    basis = f"neighbourhoods (MSOAs) ranked by {named or f'indicator {measure_id}'}"
    ranked = outcomes.join(ranking, on="area_code")
    ranked = ranked.assign(rank=-ranked["deprivation"])  # the most deprived first
    keys = ["indicator_id", "council_code", "sex", "age"]
    ranked = ranked.sort_values([*keys, "rank", "area_code"], kind="stable").reset_index(drop=True)
    columns = _columns(ranked, "area_name", "population")
    period = ranking["deprivation_period"].dropna()
    extra = f"; MSOAs ranked by deprivation of {period.iloc[0]}" if len(period) else ""
    out = []
    for positions in ranked.groupby(keys, sort=False).indices.values():
        first = ranked.iloc[positions[0]]
        area = (first["council_code"], first["council_name"])
        if why:
            out.append(_row(first, *area, basis, len(positions), note=why))
            continue
        is_ranked = not np.isnan(columns["rank"][positions]).any()
        out.append(_gradient(first, _take(columns, positions), basis, is_ranked, area=area, extra=extra))
    return _frame(out)


def _gradient(
    first: pd.Series,
    groups: dict[str, np.ndarray],
    basis: str,
    ranked: bool,
    area: tuple[str, str] | None = None,
    extra: str = "",
) -> dict[str, object]:
    """One gradient row from a breakdown's groups in order, most deprived first."""
    code, name = area or (first["area_code"], first["area_name"])
    has_value = ~np.isnan(groups["value"])
    valued = {k: v[has_value] for k, v in groups.items()}
    row = _row(first, code, name, basis, int(has_value.sum()))
    values = valued["value"]
    if len(values):
        high, low = int(np.argmax(values)), int(np.argmin(values))
        row.update(highest_group=valued["label"][high], highest_value=values[high], lowest_group=valued["label"][low],
                   lowest_value=values[low], spread=values[high] - values[low],
                   ratio_highest_to_lowest=values[high] / values[low] if values[low] else np.nan)  # fmt: skip
    left_out = len(has_value) - len(values)
    notes = [f"{left_out} of {len(has_value)} groups have no value and are left out"] if left_out else []
    pops = valued["population"]
    if not ranked:
        notes.append("the groups could not be ordered by deprivation")
    elif len(values) < MIN_GROUPS:
        notes.append(f"fewer than {MIN_GROUPS} groups have a value: no SII")
    elif np.isnan(pops).any() or not (pops > 0).all():
        notes.append("no population (denominator) served for every group: no SII")
    if not ranked or len(values) < MIN_GROUPS or np.isnan(pops).any() or not (pops > 0).all():
        return {**row, "note": "; ".join(notes)}
    kind, per = value_scale(str(first["value_type"]), str(first["unit"]))
    intervals = not (np.isnan(valued["lower"]).any() or np.isnan(valued["upper"]).any())
    result = slope_index(
        values,
        pops,
        valued["lower"] if intervals else None,
        valued["upper"] if intervals else None,
        value_type=kind,
        per=per,
        seed=seed_for(first["indicator_id"], code, first["period"], first["sex"], first["age"], basis),
    )
    if not intervals:
        notes.append("no 95% intervals served for the groups: the SII has no interval")
    elif result.sii_lower is None:
        notes.append("the groups' intervals could not be drawn on the value's scale: the SII has no interval")
    return {**row, **_indices(result), "method": METHOD + extra, "note": "; ".join(notes)}


def _indices(result: Gradient) -> dict[str, object]:
    lower, upper = result.sii_lower, result.sii_upper
    if lower is None or upper is None:
        gradient = "Not compared"
    elif upper < 0:
        gradient = "Higher where more deprived"
    elif lower > 0:
        gradient = "Lower where more deprived"
    else:
        gradient = "No significant gradient"
    return {"sii": result.sii, "sii_lower_95": lower, "sii_upper_95": upper, "rii": result.rii,
            "rii_lower_95": result.rii_lower, "rii_upper_95": result.rii_upper, "gradient": gradient}  # fmt: skip


def _row(first: pd.Series, code: str, name: str, basis: str, groups: int, note: str = "") -> dict[str, object]:
    about = {c: first[c] for c in ("indicator_id", "indicator_name", "domain", "period", "period_sortable", "sex",
                                   "age", "unit", "value_type", "polarity", "source", "retrieved_at")}  # fmt: skip
    return {**about, "area_code": code, "area_name": name, "basis": basis, "groups": groups, "highest_group": "",
            "lowest_group": "", "gradient": "Not compared", "method": "", "note": note}  # fmt: skip


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    if not rows:
        return INEQUALITY_GRADIENTS.empty()
    frame = pd.DataFrame(rows).reindex(columns=list(INEQUALITY_GRADIENTS.column_names))
    for name in INEQUALITY_GRADIENTS.names_of("float64"):
        frame[name] = frame[name].astype("float64")
    frame = INEQUALITY_GRADIENTS.conform(frame.fillna({c: "" for c in INEQUALITY_GRADIENTS.names_of("string")}))
    return frame.sort_values(["area_code", "indicator_id", "basis", "sex", "age", "period_sortable"],
                             kind="stable").reset_index(drop=True)  # fmt: skip
