"""Key findings in plain words, generated from an area's summary.

What a JSNA author or a mental health champion needs first: where the area is
significantly worse than England, what is getting worse, where it is better. Every
sentence says only what the data supports: "Similar" is never called worse, a comparison
computed here (from the 95% CI, where Fingertips gives none) is marked as computed, and
an indicator that could not be compared is said to be not compared.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
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


OTHERS = "Similar to England, or no better or worse"
SECTIONS = (  # the report's and the workbook's groups, by mask name (a finding may be in two)
    ("worse", "Significantly worse than England"),
    ("getting_worse", "Getting worse"),
    ("better", "Significantly better than England"),
    ("not_compared", "Not compared with England"),
)
ALL_SECTIONS = (*SECTIONS, ("others", OTHERS))  # the workbook's: nothing left out
EACH_ONCE = (  # the report's folded lists, each finding in the first that holds it
    ("worse", "Significantly worse than England"),
    ("getting_worse", "Getting worse (not significantly worse than England)"),
    ("better", "Significantly better than England (not getting worse)"),
    ("not_compared", "Not compared with England"),
    ("others", OTHERS),
)


@dataclass(frozen=True)
class KeyFindings:
    """An area's findings, grouped as the report, the workbook and the summary give them.

    Built from the summary's rows and which group each row is in (``masks``, by group
    name: worse, better, getting_worse, not_compared, others); a group's rows are cut only
    when asked for (a chapter asks for each domain's sentences, which need no frame)."""

    area: str
    summary: pd.DataFrame
    masks: dict[str, np.ndarray]
    trended: int = -1  # how many indicators have a recent trend (-1: not counted)

    @functools.cached_property
    def rows(self) -> pd.DataFrame:
        """The summary's ``FINDING_COLUMNS``, labelled by position."""
        return self.summary[FINDING_COLUMNS].reset_index(drop=True)

    @property
    def total(self) -> int:
        return len(self.summary)

    worse = property(lambda self: self.group("worse"))
    better = property(lambda self: self.group("better"))
    getting_worse = property(lambda self: self.group("getting_worse"))
    not_compared = property(lambda self: self.group("not_compared"))
    others = property(lambda self: self.group("others"))  # similar to England, or higher/lower with no better or worse

    def group(self, name: str) -> pd.DataFrame:
        """The rows of one group (``masks``' name), cut when asked for."""
        return self.rows[self.masks[name]]

    @functools.cached_property
    def top(self) -> pd.DataFrame:  # by ``TOP_RULE``
        return _top(self.summary, self.rows, self.masks["worse"], self.masks["getting_worse"])

    def headline(self) -> str:
        count = {name: int(mask.sum()) for name, mask in self.masks.items()}
        # "0 are getting worse" would read as good news where no trend is given at all (footprints).
        trend = (
            "no recent trend is given"
            if self.trended == 0
            else f"{count['getting_worse']} are getting worse (Fingertips' recent trend)"
        )
        return (
            f"{self.area} is significantly worse than England on {count['worse']} of {self.total} indicators "
            f"and significantly better on {count['better']}; {trend}; {count['not_compared']} could not be compared."
        )

    def sections(self) -> list[tuple[str, pd.DataFrame]]:
        return [(title, self.group(name)) for name, title in SECTIONS]

    def each_once(self) -> list[tuple[str, pd.DataFrame]]:
        """Every finding in one list only (the report's folded lists): worse than England
        first, whatever its trend; then getting worse; then better; then not compared; then
        the rest. Each sentence still says the comparison and the trend."""
        return [(title, self.rows.take(positions)) for title, positions in self._each_once()]

    def each_once_sentences(self) -> list[tuple[str, list[str]]]:
        """``each_once``'s sentences alone (no frame is cut)."""
        found = self.summary["finding"].tolist()
        return [(title, [found[p] for p in positions]) for title, positions in self._each_once()]

    def _each_once(self) -> list[tuple[str, np.ndarray]]:
        """Each list's rows by position: a row (by indicator, sex and age) in the first list that holds it."""
        keys = list(
            zip(
                self.summary["indicator_id"].tolist(),
                self.summary["sex"].tolist(),
                self.summary["age"].tolist(),
                strict=True,
            )
        )
        taken: set[tuple[int, str, str]] = set()
        out = []
        for name, title in EACH_ONCE:
            positions = np.flatnonzero(self.masks[name])
            fresh = [p for p in positions.tolist() if keys[p] not in taken]
            taken.update(keys[p] for p in positions.tolist())
            out.append((title, np.array(fresh, dtype=np.intp)))
        return out

    def all_sections(self) -> list[tuple[str, pd.DataFrame]]:
        """The sections, then every other indicator (for the workbook: nothing left out)."""
        return [(title, self.group(name)) for name, title in ALL_SECTIONS]

    def all_section_sentences(self) -> list[tuple[str, list[str]]]:
        """``all_sections``' sentences alone (no frame is cut)."""
        found = self.summary["finding"].tolist()
        return [(title, [found[p] for p in np.flatnonzero(self.masks[name]).tolist()]) for name, title in ALL_SECTIONS]


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
    masks = {
        "worse": worse,
        "better": better,
        "getting_worse": getting_worse,
        "not_compared": not_compared,
        "others": ~(worse | better | not_compared),
    }
    trended = sum(not display.missing(t) and str(t).strip() != "" for t in summary["recent_trend"].tolist())
    return KeyFindings(area, summary, masks, trended=trended)


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
