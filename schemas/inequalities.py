"""Who within an area is worse off: the ``inequalities`` table (each group served beside
the group it is compared with) and the ``inequality_gradients`` table (the gap across
deprivation groups or neighbourhoods, with the slope and relative index of inequality).

Every group value, interval, count and denominator is the served one, unrounded; the
gap, ratio and the comparison are computed here, each by a rule stated in a column.
"""

from __future__ import annotations

from schemas.indicator_values import IN_UNIT, INDICATOR_VALUES, measured
from schemas.spec import FLOAT, INT, TEXT, Column, TableSpec

SIGNIFICANCE_RULE = "non-overlapping 95% confidence intervals (as Fingertips compares)"
DIMENSIONS = ("Sex", "Age", "Deprivation", "Ethnic group", "Other")
DIFFERENCES = ("Higher", "Lower", "Similar", "Not compared", "Reference group")
JUDGEMENTS = ("Worse", "Better", "")
SII_SIGN = (
    "SII = the fitted value at the least deprived end minus the fitted value at the most deprived end (negative: "
    "higher where more deprived); RII = the least deprived end's fitted value over the most deprived end's"
)
_SERVED = ("indicator_id", "indicator_name", "domain", "area_code", "area_name", "area_type", "period",
           "period_sortable", "sex", "age", "category_type", "category")  # fmt: skip
_NUMBERS = ("value", "lower_ci_95", "upper_ci_95", "count", "denominator", "value_note")
_ABOUT = ("unit", "value_type", "polarity", "source", "retrieved_at")


def _served(names: tuple[str, ...]) -> tuple[Column, ...]:
    return tuple(INDICATOR_VALUES.column(n) for n in names)


INEQUALITIES = TableSpec(
    name="inequalities",
    description=(
        "Who within an area is worse off: every breakdown served for the area and its comparators (sex, age band, "
        "deprivation decile or quintile, ethnic group, any other category), one row per indicator, area, period and "
        "group, with the group's served value and interval beside the reference it is compared with, the gap, the "
        "ratio and whether the difference is significant."
    ),
    columns=(
        *_served(_SERVED[:10]),
        Column("dimension", TEXT, "What the groups are split by.", allowed=DIMENSIONS, heading="Split by"),
        *_served(_SERVED[10:]),
        Column("group", TEXT, "The group, in words (Male, 65+ yrs, Most deprived decile ...).", heading="Group"),
        *_served(_NUMBERS),
        Column(
            "reference",
            TEXT,
            "What the group is compared with: the other sex; the least deprived group of the same breakdown; the "
            "area's value for everyone (the headline age, or the headline row of ethnic and other groups).",
            heading="Compared with",
        ),
        Column("reference_group", TEXT, "The reference row's group, in words.", heading="Reference group"),
        Column(
            "reference_value", FLOAT, "The reference row's served value.", True, IN_UNIT, **measured("Reference value")
        ),
        Column(
            "reference_lower_ci_95",
            FLOAT,
            "The reference row's served lower 95% limit.",
            True,
            IN_UNIT,
            **measured("Reference lower 95% CI"),
        ),
        Column(
            "reference_upper_ci_95",
            FLOAT,
            "The reference row's served upper 95% limit.",
            True,
            IN_UNIT,
            **measured("Reference upper 95% CI"),
        ),
        Column(
            "gap", FLOAT, "value - reference_value; empty where either is missing.", True, IN_UNIT, **measured("Gap")
        ),
        Column(
            "ratio",
            FLOAT,
            "value / reference_value; empty where either is missing or the reference is 0.",
            True,
            "ratio",
            heading="Ratio to the reference",
            excel_format="0.00",
        ),
        Column(
            "difference",
            TEXT,
            f"The group against its reference by {SIGNIFICANCE_RULE}: Higher, Lower, Similar "
            "(no significant gap), Not compared (see not_compared_reason), Reference group (the reference itself).",
            allowed=DIFFERENCES,
            heading="Difference",
        ),
        Column(
            "judgement",
            TEXT,
            "Worse or Better by the indicator's polarity, where the difference is significant "
            "and the polarity says which way is better; empty otherwise.",
            allowed=JUDGEMENTS,
            heading="Worse or better",
        ),
        Column("significance_rule", TEXT, "The rule the difference was decided by.", heading="Rule"),
        Column(
            "not_compared_reason",
            TEXT,
            "Why the group was not compared (no interval, no reference ...); empty where it was.",
            heading="Why not compared",
        ),
        *_served(_ABOUT),
    ),  # fmt: skip
    primary_key=("indicator_id", "area_code", "period", "sex", "age", "category_type", "category", "dimension"),
)

INEQUALITY_GRADIENTS = TableSpec(
    name="inequality_gradients",
    description=(
        "The gap across an area's deprivation groups or its neighbourhoods: the highest and lowest group, their ratio "
        "and spread, and the slope and relative index of inequality (SII, RII) with 95% intervals, by the method of "
        "PHEindicatormethods' phe_sii. " + SII_SIGN + "."
    ),
    columns=(
        *_served(
            (
                "indicator_id",
                "indicator_name",
                "domain",
                "area_code",
                "area_name",
                "period",
                "period_sortable",
                "sex",
                "age",
            )
        ),
        Column(
            "basis",
            TEXT,
            "What the groups are: a served deprivation breakdown (its category type), or the "
            "area's neighbourhoods (MSOAs) ranked by a served deprivation measure.",
            heading="Groups",
        ),
        Column(
            "groups",
            INT,
            "How many groups the gradient is drawn across.",
            minimum=0,
            heading="Groups (count)",
            excel_format="0",
        ),
        Column("highest_group", TEXT, "The group with the highest value.", heading="Highest"),
        Column("highest_value", FLOAT, "Its served value.", True, IN_UNIT, **measured("Highest value")),
        Column("lowest_group", TEXT, "The group with the lowest value.", heading="Lowest"),
        Column("lowest_value", FLOAT, "Its served value.", True, IN_UNIT, **measured("Lowest value")),
        Column(
            "ratio_highest_to_lowest",
            FLOAT,
            "highest_value / lowest_value.",
            True,
            "ratio",
            heading="Highest / lowest",
            excel_format="0.00",
        ),
        Column("spread", FLOAT, "highest_value - lowest_value.", True, IN_UNIT, **measured("Spread")),
        Column(
            "sii",
            FLOAT,
            "Slope index of inequality: the fitted value at the least deprived end minus the "
            "fitted value at the most deprived end (negative: higher where more deprived).",
            True,
            IN_UNIT,
            **measured("SII"),
        ),
        Column(
            "sii_lower_95",
            FLOAT,
            "Lower 95% limit of the SII (by simulation from the groups' intervals).",
            True,
            IN_UNIT,
            **measured("SII lower 95%"),
        ),
        Column("sii_upper_95", FLOAT, "Upper 95% limit of the SII.", True, IN_UNIT, **measured("SII upper 95%")),
        Column(
            "rii",
            FLOAT,
            "Relative index of inequality: least deprived end's fitted value over the most "
            "deprived end's (1 = no gradient).",
            True,
            "ratio",
            heading="RII",
            excel_format="0.00",
        ),
        Column(
            "rii_lower_95",
            FLOAT,
            "Lower 95% limit of the RII.",
            True,
            "ratio",
            heading="RII lower 95%",
            excel_format="0.00",
        ),
        Column(
            "rii_upper_95",
            FLOAT,
            "Upper 95% limit of the RII.",
            True,
            "ratio",
            heading="RII upper 95%",
            excel_format="0.00",
        ),
        Column(
            "gradient",
            TEXT,
            "What the SII's interval says: Higher where more deprived, Lower where more "
            "deprived, No significant gradient, or Not compared (no interval).",
            pattern=r"^(Higher where more deprived|Lower where more deprived|No significant gradient|Not compared)$",
            heading="Gradient",
        ),
        Column("method", TEXT, "How the SII was computed (groups, weights, simulation).", heading="Method"),
        Column(
            "note",
            TEXT,
            "What the reader should know (groups left out, no interval ...); why the SII is empty where it is.",
            heading="Note",
        ),
        *_served(("unit", "value_type", "polarity", "source", "retrieved_at")),
    ),  # fmt: skip
    primary_key=("indicator_id", "area_code", "period", "sex", "age", "basis"),
)
