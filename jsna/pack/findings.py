"""Key findings in plain words, generated from an area's summary.

What a JSNA author or a mental health champion needs first: where the area is
significantly worse than England, what is getting worse, where it is better. Every
sentence says only what the data supports: "Similar" is never called worse, a comparison
computed here (from the 95% CI, where Fingertips gives none) is marked as computed, and
an indicator that could not be compared is said to be not compared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from jsna.pack import display
from schemas.summary import COMPUTED

WORSE, BETTER, SIMILAR = "Worse", "Better", "Similar"
HIGHER, LOWER = "Higher", "Lower"
NOT_COMPARED = ("", "Not compared", "Cannot be calculated")
GETTING_WORSE = ("Increasing and getting worse", "Decreasing and getting worse")
GETTING_BETTER = ("Increasing and getting better", "Decreasing and getting better")


def anchor(indicator_id: int, sex: str) -> str:
    """The id of an indicator's row in the report, for links from the findings."""
    return f"ind-{int(indicator_id)}-{str(sex).lower()}"


def _shown(row: Mapping[str, Any], column: str) -> str:
    return display.with_unit(display.number(row[column], int(row["display_decimals"])), str(row["unit"]))


def _comparison(row: Mapping[str, Any]) -> str:
    word = str(row["compared_to_england"] or "")
    england = _shown(row, "england_value")
    computed = " (computed from the 95% confidence interval)" if row["comparison_source"] == COMPUTED else ""
    if word == WORSE:
        return f"significantly worse than England ({england}){computed}"
    if word == BETTER:
        return f"significantly better than England ({england}){computed}"
    if word == SIMILAR:
        return f"similar to England ({england}){computed}"
    if word in (HIGHER, LOWER):
        neutral = "with no better or worse for this indicator"
        return f"significantly {word.lower()} than England ({england}), {neutral}{computed}"
    if word in NOT_COMPARED:
        return "not compared with England (no value or confidence interval to compare)"
    return f"compared with England: {word}{computed}"


def finding(row: Mapping[str, Any]) -> str:
    """One sentence for one summary row (a dict of its values, or a Series)."""
    who = f"{row['label']} ({row['period']}, {row['sex']}, {row['age']})"
    if pd.isna(row["value"]):
        note = f": {row['value_note']}" if row["value_note"] else ""
        return f"{who}: no value published{note}."
    sentence = f"{who}: {_shown(row, 'value')}, {_comparison(row)}"
    trend = str(row["recent_trend"] or "")
    if trend in GETTING_WORSE or trend in GETTING_BETTER:
        sentence += f"; recent trend: {trend.lower()}"
    return sentence + "."


FINDING_COLUMNS = ["indicator_id", "sex", "age", "label", "finding"]
TOP_COUNT = 5
TOP_RULE = (
    f"at most {TOP_COUNT}: the indicators significantly worse than England that are also getting worse, then the "
    "other significantly worse ones, then those getting worse; within each, the largest gap to England relative to "
    "England's value first"
)


@dataclass(frozen=True)
class KeyFindings:
    """An area's findings, grouped as the report, the workbook and the summary give them."""

    area: str
    total: int
    worse: pd.DataFrame
    better: pd.DataFrame
    getting_worse: pd.DataFrame
    not_compared: pd.DataFrame
    others: pd.DataFrame  # similar to England, or higher/lower with no better or worse
    top: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FINDING_COLUMNS))  # by ``TOP_RULE``
    trended: int = -1  # how many indicators have a recent trend (-1: not counted)

    def headline(self) -> str:
        # "0 are getting worse" would read as good news where no trend is given at all (footprints).
        trend = (
            "no recent trend is given"
            if self.trended == 0
            else f"{len(self.getting_worse)} are getting worse (Fingertips' recent trend)"
        )
        return (
            f"{self.area} is significantly worse than England on {len(self.worse)} of {self.total} indicators "
            f"and significantly better on {len(self.better)}; {trend}; {len(self.not_compared)} could not be compared."
        )

    def sections(self) -> list[tuple[str, pd.DataFrame]]:
        return [
            ("Significantly worse than England", self.worse),
            ("Getting worse", self.getting_worse),
            ("Significantly better than England", self.better),
            ("Not compared with England", self.not_compared),
        ]

    def each_once(self) -> list[tuple[str, pd.DataFrame]]:
        """Every finding in one list only (the report's folded lists): worse than England
        first, whatever its trend; then getting worse; then better; then not compared; then
        the rest. Each sentence still says the comparison and the trend."""
        taken: set[tuple[int, str, str]] = set()
        out = []
        for title, rows in [
            ("Significantly worse than England", self.worse),
            ("Getting worse (not significantly worse than England)", self.getting_worse),
            ("Significantly better than England (not getting worse)", self.better),
            ("Not compared with England", self.not_compared),
            ("Similar to England, or no better or worse", self.others),
        ]:
            keys = list(zip(rows["indicator_id"], rows["sex"], rows["age"], strict=True))
            fresh = [k not in taken for k in keys]
            taken.update(keys)
            out.append((title, rows[np.array(fresh, dtype=bool)]))
        return out

    def all_sections(self) -> list[tuple[str, pd.DataFrame]]:
        """The sections, then every other indicator (for the workbook: nothing left out)."""
        return [*self.sections(), ("Similar to England, or no better or worse", self.others)]


def worse_and_better(summary: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which summary rows are significantly worse, and which better, than England, and each
    row's comparison (the index counts them without drawing up the findings)."""
    compared = summary["compared_to_england"].fillna("").to_numpy()
    return compared == WORSE, compared == BETTER, compared


def key_findings(area: str, summary: pd.DataFrame) -> KeyFindings:
    """Group an area's summary rows (with their ``finding``) into the key findings: each
    group holds the rows' ``FINDING_COLUMNS``, in the summary's order."""
    worse, better, compared = worse_and_better(summary)
    not_compared = np.isin(compared, NOT_COMPARED) | summary["value"].isna().to_numpy()
    getting_worse = summary["recent_trend"].isin(GETTING_WORSE).to_numpy()
    rows = summary[FINDING_COLUMNS].reset_index(drop=True)
    return KeyFindings(
        area=area,
        total=len(summary),
        worse=rows[worse],
        better=rows[better],
        getting_worse=rows[getting_worse],
        not_compared=rows[not_compared],
        others=rows[~(worse | better | not_compared)],
        top=_top(summary, rows, worse, getting_worse),
        trended=int(summary["recent_trend"].fillna("").astype(str).str.strip().ne("").sum()),
    )


def _top(summary: pd.DataFrame, rows: pd.DataFrame, worse: np.ndarray, getting_worse: np.ndarray) -> pd.DataFrame:
    """The findings that matter most, by ``TOP_RULE`` (ties keep the summary's order)."""
    value = pd.to_numeric(summary["value"], errors="coerce").to_numpy(dtype=float)
    england = pd.to_numeric(summary["england_value"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.abs(value - england) / np.abs(england)
    tier = np.select([worse & getting_worse, worse, getting_worse], [0, 1, 2], default=3)
    order = pd.DataFrame({"tier": tier, "gap": np.nan_to_num(gap, nan=-1.0, posinf=-1.0)})
    chosen = order[order["tier"] < 3].sort_values(["tier", "gap"], ascending=[True, False], kind="stable")
    return rows.loc[chosen.index[:TOP_COUNT]].reset_index(drop=True)
