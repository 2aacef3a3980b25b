"""The sample API's metadata: each indicator's text metadata (labelled synthetic) and its
deterministic upload time, moved forward by a revision as an update would be."""

from __future__ import annotations

from jsna.sample_api.indicators import SampleIndicator

METADATA_HEADER: tuple[str, ...] = (
    "Indicator ID", "Indicator", "Definition", "Rationale", "Data source", "Indicator source",
    "Methodology", "Standard population/values", "Confidence interval details", "Source of numerator",
    "Definition of numerator", "Source of denominator", "Definition of denominator", "Disclosure control",
    "Caveats", "Copyright", "Data re-use", "Links", "Indicator number", "Notes", "Frequency", "Rounding",
    "Indicator Content", "Specific rationale", "Unit", "Value type", "Year type", "Polarity",
    "Impact of COVID-19",
)  # fmt: skip


# Fingertips states its rounding in free text; these are the shapes it takes.
ROUNDING = {"score": "Rounded to 2 d.p.", "days": "Whole numbers"}


def metadata_row(ind: SampleIndicator) -> tuple[str, ...]:
    """The text metadata of one indicator, labelled synthetic in its data source."""
    values = {
        "Indicator ID": str(ind.id),
        "Indicator": ind.name.strip(),
        "Definition": f"{ind.name.strip()} (synthetic sample definition).",
        "Rationale": "Synthetic sample data for testing; not a real statistic.",
        "Data source": "Synthetic sample data (jsna sample-api)",
        "Indicator source": "jsna sample-api",
        "Methodology": "Deterministic pseudo-random values of the real shape.",
        "Confidence interval details": "Wilson/Byar approximations, synthetic.",
        "Disclosure control": "Small counts suppressed, as in the live service.",
        "Copyright": "Synthetic",
        "Frequency": "Annual" if ind.periods != "quarterly" else "Quarterly",
        "Rounding": ROUNDING.get(ind.unit, "Values are rounded to 1 decimal place."),
        "Unit": ind.unit,
        "Value type": ind.value_type,
        "Year type": ind.year_type,
        "Polarity": ind.polarity,
    }
    return tuple(values.get(h, "") for h in METADATA_HEADER)


def last_uploaded(ind: SampleIndicator, revision: int) -> str:
    """Deterministic upload time; a revision moves it forward as an update would."""
    day = 1 + ind.id % 27
    month = 1 + (ind.id // 27) % 10
    return f"2025-{month:02d}-{day:02d}T09:31:00" if revision == 0 else f"2026-11-{min(revision, 28):02d}T06:00:00"
