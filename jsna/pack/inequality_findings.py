"""Who within an area is worse off, in words and in tables, from its ``inequalities`` and
``inequality_gradients`` rows (the latest period of each breakdown).

Only what the intervals support is said: a gap is "significant" only where the two 95%
intervals do not overlap (the tables' ``difference``), a gradient only where the SII's
interval excludes 0; overlapping intervals are "no significant gap", and a group without
an interval is "not compared". Numbers are shown at the indicator's display precision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from jsna.grouping import records
from jsna.pack import display

Row = Mapping[str, Any]  # one table row as a dict (``DataFrame.to_dict("records")``)
SEX_WORDS = {"Male": "males", "Female": "females"}
SIGNIFICANT = ("Higher", "Lower")
# A breakdown of an area: its rows of each period (``latest`` keeps the newest).
GROUP_KEYS = ["indicator_id", "dimension", "category_type"]
GRADIENT_KEYS = ["indicator_id", "basis", "sex", "age"]
# The columns the sentences and table rows read (``records``): a table's rows made dicts of
# every one of its 31 to 36 columns cost two thirds of an area's Inequalities section.
_LABEL = ("indicator_id", "indicator_name", "unit", "value_type", "period", "sex", "age")
GROUP_FIELDS = (*_LABEL, "dimension", "group", "value", "lower_ci_95", "upper_ci_95", "reference_group",
                "reference_value", "ratio", "difference", "judgement", "not_compared_reason")  # fmt: skip
GRADIENT_FIELDS = (*_LABEL, "basis", "groups", "highest_group", "highest_value", "lowest_group", "lowest_value",
                   "sii", "sii_lower_95", "sii_upper_95", "rii", "gradient", "note")  # fmt: skip


@dataclass(frozen=True)
class Labels:
    """Each indicator's label and display precision (from the catalogue and metadata)."""

    of: dict[int, tuple[str, int]]

    def label(self, row: Row) -> str:
        return self.of.get(int(row["indicator_id"]), (str(row["indicator_name"]).strip(), 1))[0]

    def shown(self, row: Row, column: str, unit: bool = True) -> str:
        decimals = self.of.get(int(row["indicator_id"]), ("", display.DEFAULT_DECIMALS))[1]
        text = display.number(row[column], decimals)
        return display.with_unit(text, str(row["unit"])) if unit else text

    def difference(self, row: Row, column: str) -> str:
        """A difference of two values: percentage points where the values are percentages."""
        if str(row["unit"]) == "%" and str(row["value_type"]) == "Proportion":
            return f"{self.shown(row, column, unit=False)} percentage points"
        return self.shown(row, column)


def latest(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Each breakdown's rows of its latest period (an empty key is a breakdown of its own).

    An area's rows are a few hundred, read about seven times a refresh (its workbook,
    report and chapter): the breakdowns are numbered with one ``factorize`` per key and the
    newest period taken with NumPy, a sixth of what pandas' groupby costs there."""
    if not len(rows):
        return rows
    period = rows["period_sortable"]
    if not (isinstance(period.dtype, np.dtype) and period.dtype.kind in "iu"):  # may be missing: max skips it
        newest = rows.groupby(keys, dropna=False)["period_sortable"].transform("max")
        return rows[period == newest]
    group = np.zeros(len(rows), dtype=np.int64)
    for key in keys:
        codes, uniques = pd.factorize(rows[key], use_na_sentinel=False)
        group, _ = pd.factorize(group * (len(uniques) + 1) + codes)
    values = period.to_numpy()
    newest = np.full(int(group.max()) + 1, np.iinfo(values.dtype).min, dtype=values.dtype)
    np.maximum.at(newest, group, values)
    return rows[values == newest[group]]


def _times(ratio: float) -> str:
    return f"{ratio:.1f} times"


def group_sentences(groups: pd.DataFrame, area: str, name: str, labels: Labels) -> list[str]:
    """One sentence per significant gap of the area's latest breakdowns, then how many
    were compared with no significant gap and how many could not be compared."""
    return _group_sentences(
        records(latest(groups[groups["area_code"] == area], GROUP_KEYS), GROUP_FIELDS), name, labels
    )


def _group_sentences(rows: list[Row], name: str, labels: Labels) -> list[str]:
    """``group_sentences`` of an area's latest rows, as records: an area's few dozen rows
    are read as dicts once, not filtered by pandas again for each kind of sentence."""
    compared = [row for row in rows if row["difference"] != "Reference group"]
    out = []
    for row in compared:
        if row["difference"] not in SIGNIFICANT:
            continue
        if row["dimension"] == "Sex" and row["difference"] != "Higher":
            continue  # each pair once, from the higher side
        if row["dimension"] == "Deprivation" and not str(row["group"]).lower().startswith("most deprived"):
            continue  # the most deprived group against the least; the gradient speaks for the rest
        out.append(_sentence(row, name, labels))
    similar = sum(row["difference"] == "Similar" for row in compared)
    unmatched = sum(row["difference"] == "Not compared" for row in compared)
    if similar or unmatched:
        out.append(
            f"{similar} other group comparison(s) show no significant gap (overlapping 95% intervals); "
            f"{unmatched} could not be compared (no interval or no reference served)."
        )
    return out


def _sentence(row: Row, name: str, labels: Labels) -> str:
    what = f"{labels.label(row)} ({row['period']}"
    what += f", {row['age']})" if row["dimension"] != "Age" else f", {row['sex']})"
    value, reference = labels.shown(row, "value"), labels.shown(row, "reference_value")
    worse = " (worse)" if row["judgement"] == "Worse" else " (better)" if row["judgement"] == "Better" else ""
    direction = str(row["difference"]).lower()
    if row["dimension"] == "Sex":
        group, other = SEX_WORDS[str(row["group"])], SEX_WORDS[str(row["reference_group"])]
        return f"{what}: {group} {value}, {_times(row['ratio'])} {other} ({reference}); the gap is significant{worse}."
    if row["dimension"] == "Deprivation":
        return (f"{what}: {value} in the {row['group']}, {_times(row['ratio'])} the {row['reference_group']} "
                f"({reference}); the gap is significant{worse}.")  # fmt: skip
    if row["dimension"] == "Age":
        return f"{what}: ages {row['group']} {value}, {direction} than ages {row['reference_group']} ({reference}); " \
               f"significant{worse}."  # fmt: skip
    return f"{what}: {row['group']} {value}, {direction} than {name} overall ({reference}); significant{worse}."


def gradient_sentences(gradients: pd.DataFrame, area: str, name: str, labels: Labels) -> list[str]:
    """One sentence per gradient of the area's latest breakdowns and neighbourhoods."""
    mine = latest(gradients[gradients["area_code"] == area], GRADIENT_KEYS)
    return _gradient_sentences(records(mine, GRADIENT_FIELDS), name, labels)


def _gradient_sentences(rows: list[Row], name: str, labels: Labels) -> list[str]:
    """``gradient_sentences`` of an area's latest rows, as records."""
    out = []
    for row in rows:
        if pd.isna(row["sii"]):
            continue
        across = (f"across {name}'s {int(row['groups'])} neighbourhoods" if row["basis"].startswith("neighbourhoods")
                  else f"across {name}'s deprivation groups")  # fmt: skip
        sii = labels.difference(row, "sii")
        if pd.notna(row["sii_lower_95"]):
            sii += f", 95% CI {labels.shown(row, 'sii_lower_95', unit=False)} to "
            sii += labels.shown(row, "sii_upper_95", unit=False)
        else:
            sii += ", no interval"
        verdict = {
            "Higher where more deprived": "higher where people are more deprived",
            "Lower where more deprived": "lower where people are more deprived",
            "No significant gradient": "no significant gradient",
        }.get(str(row["gradient"]), "not compared (no interval)")
        high, low = labels.shown(row, "highest_value"), labels.shown(row, "lowest_value")
        out.append(
            f"{labels.label(row)} ({row['period']}) {across}: {verdict} (SII {sii}); highest "
            f"{row['highest_group']} ({high}), lowest {row['lowest_group']} ({low})."
        )
    return out


def inequality_findings(groups: pd.DataFrame, gradients: pd.DataFrame, area: str, name: str,
                        labels: Labels) -> list[str]:  # fmt: skip
    """Every inequality sentence of an area: the gaps between groups, then the gradients."""
    return group_sentences(groups, area, name, labels) + gradient_sentences(gradients, area, name, labels)


@dataclass(frozen=True)
class AreaInequalities:
    """An area's ``inequalities`` and ``inequality_gradients`` rows (its own first), and
    what its report shows of them."""

    groups: pd.DataFrame
    gradients: pd.DataFrame
    findings: tuple[str, ...] = ()  # its sentences, where already made (``inequality_findings``)

    def section(self, area: str, name: str, labels: Labels) -> dict[str, object]:
        """The report's Inequalities section: the sentences, then the latest groups and
        gradients of the area as table rows (text at display precision)."""
        groups = records(latest(self.groups[self.groups["area_code"] == area], GROUP_KEYS), GROUP_FIELDS)
        gradients = records(latest(self.gradients[self.gradients["area_code"] == area], GRADIENT_KEYS), GRADIENT_FIELDS)
        return {
            "findings": _group_sentences(groups, name, labels) + _gradient_sentences(gradients, name, labels),
            "groups": [_group_row(r, labels) for r in groups],
            "gradients": [_gradient_row(r, labels) for r in gradients],
        }


def _interval(row: Row, labels: Labels, lower: str, upper: str) -> str:
    if pd.isna(row[lower]) or pd.isna(row[upper]):
        return ""
    return f"{labels.shown(row, lower, unit=False)} to {labels.shown(row, upper, unit=False)}"


def _group_row(row: Row, labels: Labels) -> dict[str, str]:
    reference = f"{row['reference_group']}: {labels.shown(row, 'reference_value')}" if row["reference_group"] else ""
    return {
        "indicator": labels.label(row),
        "period": str(row["period"]),
        "dimension": str(row["dimension"]),
        "group": str(row["group"]),
        "value": labels.shown(row, "value"),
        "ci": _interval(row, labels, "lower_ci_95", "upper_ci_95"),
        "reference": reference,
        "ratio": "" if pd.isna(row["ratio"]) else f"{row['ratio']:.2f}",
        "difference": str(row["difference"]) + (f" ({row['judgement'].lower()})" if row["judgement"] else ""),
        "why": str(row["not_compared_reason"]),
    }


def _gradient_row(row: Row, labels: Labels) -> dict[str, str]:
    return {
        "indicator": labels.label(row),
        "period": str(row["period"]),
        "basis": str(row["basis"]),
        "groups": str(int(row["groups"])),
        "highest": f"{row['highest_group']}: {labels.shown(row, 'highest_value')}" if row["highest_group"] else "",
        "lowest": f"{row['lowest_group']}: {labels.shown(row, 'lowest_value')}" if row["lowest_group"] else "",
        "sii": "" if pd.isna(row["sii"]) else labels.difference(row, "sii"),
        "sii_ci": _interval(row, labels, "sii_lower_95", "sii_upper_95"),
        "rii": "" if pd.isna(row["rii"]) else f"{row['rii']:.2f}",
        "gradient": str(row["gradient"]),
        "note": str(row["note"]),
    }
