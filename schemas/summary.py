"""The area ``summary`` table: each indicator's latest headline value at a glance."""

from __future__ import annotations

import pandera.pandas as pa

from schemas.indicator_values import COMPARISON, INDICATOR_VALUES, TRENDS
from schemas.spec import INT, NULLABLE_INT, TEXT, Column, TableSpec

FROM_FINGERTIPS = "fingertips"
COMPUTED = "computed (95% CI vs comparator)"
BEST_FIFTH = "1 = best fifth of the region's areas"
LOWEST_FIFTH = "1 = lowest fifth (no better/worse for this indicator)"


# Columns carried unchanged from ``indicator_values``.
_served = INDICATOR_VALUES.column

SUMMARY = TableSpec(
    name="summary",
    description=(
        "One row per catalogue indicator (per sex where it has no Persons value): the latest period's headline "
        "value (Persons, the indicator's standard age, no inequality category) with its 95% CI, count, the region "
        "and England, the comparisons, the recent trend, the rank among the region's areas and the quintile."
    ),
    columns=(
        _served("domain"),
        _served("indicator_id"),
        Column(
            "label",
            TEXT,
            "Short indicator name from the project's catalogue, as used in the pack.",
            heading="Indicator",
        ),
        _served("indicator_name"),
        _served("period"),
        _served("sex"),
        _served("age"),
        _served("unit"),
        Column(
            "display_decimals",
            INT,
            "Decimal places the report and workbook show this indicator's values at: the rounding Fingertips "
            "states in the indicator metadata, else 1. The values in this table keep every digit.",
            unit="decimal places",
            minimum=0,
            heading="Decimal places shown",
        ),
        _served("value"),
        _served("lower_ci_95"),
        _served("upper_ci_95"),
        _served("count"),
        _served("region_code"),
        _served("region_name"),
        _served("region_value"),
        _served("england_value"),
        Column(
            "compared_to_england",
            TEXT,
            "Comparison with England: Fingertips' own, else computed (see comparison_source).",
            pattern=COMPARISON,
            heading="Compared with England",
        ),
        Column(
            "compared_to_region",
            TEXT,
            "Comparison with the region: Fingertips' own, else computed (see comparison_source).",
            pattern=COMPARISON,
            heading="Compared with the region",
        ),
        Column(
            "comparison_source",
            TEXT,
            "Where the comparisons come from: 'fingertips' as served, or computed by this pipeline as Fingertips "
            "does (the area's 95% CI against the comparator's value) where Fingertips gave none.",
            allowed=(FROM_FINGERTIPS, COMPUTED),
            heading="Comparison from",
        ),
        Column("recent_trend", TEXT, "Fingertips recent trend, as served.", allowed=TRENDS, heading="Recent trend"),
        Column(
            "rank",
            NULLABLE_INT,
            "Rank among the region's areas by polarity (1 = best); empty where the indicator has no better/worse "
            "direction or the area has no value.",
            True,
            "rank (1 = best)",
            minimum=1,
            heading="Rank (1 = best)",
            excel_format="0",
        ),
        Column(
            "ranked_areas",
            NULLABLE_INT,
            "How many areas were ranked (those with a value).",
            True,
            "areas",
            minimum=1,
            heading="Areas ranked",
            excel_format="0",
        ),
        Column(
            "region_quintile",
            NULLABLE_INT,
            "The area's fifth among the region's areas (see quintile_basis for which end is 1).",
            True,
            "quintile (1-5)",
            checks=(pa.Check.in_range(1, 5),),
            heading="Region quintile (1-5)",
            excel_format="0",
        ),
        Column(
            "quintile_basis",
            TEXT,
            "What quintile 1 means for this indicator: the best fifth, or (without polarity) the lowest fifth.",
            allowed=("", BEST_FIFTH, LOWEST_FIFTH),
            heading="Quintile 1 means",
        ),
        Column(
            "england_rank",
            NULLABLE_INT,
            "Rank among every area of the type in England by polarity (1 = best); empty where the indicator has "
            "no better/worse direction or the area has no value.",
            True,
            "rank (1 = best)",
            minimum=1,
            heading="Rank in England (1 = best)",
            excel_format="0",
        ),
        Column(
            "england_ranked_areas",
            NULLABLE_INT,
            "How many areas in England were ranked (those with a value).",
            True,
            "areas",
            minimum=1,
            heading="Areas ranked in England",
            excel_format="0",
        ),
        Column(
            "england_quintile",
            NULLABLE_INT,
            "The area's fifth among England's areas by polarity (1 = the best fifth); empty where polarity does "
            "not apply.",
            True,
            "quintile (1-5)",
            checks=(pa.Check.in_range(1, 5),),
            heading="England quintile (1-5, 1 = best)",
            excel_format="0",
        ),
        Column(
            "finding",
            TEXT,
            "The row in one plain sentence (value at display precision, the comparison with England in words, "
            "a worsening or improving trend), as the report's key findings give it.",
            heading="Finding",
        ),
        _served("polarity"),
        _served("value_note"),
        _served("source"),
        _served("retrieved_at"),
    ),
    primary_key=("indicator_id", "sex"),
)
# Every area's summary at once (ranks need them all), validated once before each area's file is cut.
ALL_AREAS = SUMMARY.across(INDICATOR_VALUES.column("area_code"))
