"""Raw layer: indicator metadata and data exactly as the API served them.

Every cell is kept as text, with the request URL, the retrieval time and whether the
server declared its data synthetic. The metadata asset (``raw_metadata``) runs first and
asks the API what changed; the data asset (``raw_data``) fetches only that, and checks
each answer against the last good data before anything is kept. This module holds what
both say: their keys, the label of their source and the refusal checks.
"""

from collections.abc import Callable

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    MetadataValue,
)

from schemas.indicator_values import SOURCE_FINGERTIPS, SOURCE_SYNTHETIC

META_KEY = "raw_fingertips__indicator_metadata"
DATA_KEY = "raw_fingertips__indicator_data"
PLAUSIBLE_CHECK = "answers_plausible"
METADATA_CHECK = "metadata_plausible"


def source_label(synthetic: bool) -> str:
    return SOURCE_SYNTHETIC if synthetic else SOURCE_FINGERTIPS


def metadata_summary(refusals: list) -> str:
    """One line for the CLI and the UI: which indicators changed meaning, and how to accept."""
    first = refusals[0]
    more = f" (and {len(refusals) - 1} more)" if len(refusals) > 1 else ""
    ids = " ".join(str(r.indicator_id) for r in refusals)
    return (
        f"refused a change of meaning: indicator {first.indicator_id} {first.reason}{more}; the last good metadata "
        f"stays published; after checking Fingertips, accept with --accept-metadata {ids}"
    )


def refusal_check(name: str, refusals: list, summary: Callable[[list], str]) -> AssetCheckResult:
    """A check that fails (an error) with each refusal's reason and one line for the CLI."""
    return AssetCheckResult(
        check_name=name,
        passed=not refusals,
        severity=AssetCheckSeverity.ERROR,
        metadata={"refused": MetadataValue.json([{"id": r.indicator_id, "reason": r.reason} for r in refusals])},
        description=summary(refusals) if refusals else None,
    )


def refusal_summary(refusals: list) -> str:
    """One line for the CLI and the UI: what was refused and how to accept it."""
    first = refusals[0]
    areas = _areas_lost(refusals)
    if len(refusals) > 5:  # many at once: an outage, not a change at Fingertips
        what = f"{areas}: refused" if areas else f"refused {len(refusals)} implausible answers, e.g. {first}"
        return (
            f"{what}; so many at once looks like an outage, not a change at Fingertips: the last good data stays "
            "published, and the next refresh asks again"
        )
    more = f" (and {len(refusals) - 1} more)" if len(refusals) > 1 else ""
    hint = (
        f"; after checking Fingertips, accept with --accept-shrink {' '.join(str(r.indicator_id) for r in refusals)}"
        if all(r.acceptable for r in refusals)
        else ""
    )
    if areas:
        return f"{areas}: refused; the last good data stays published{hint}"
    return f"refused an implausible answer: {first}{more}; the last good data stays published{hint}"


def _areas_lost(refusals: list) -> str:
    """ "Southwark answered no values for 45 indicators that had 375 in the last good data",
    or "" when no refusal lost a whole area."""
    by_area: dict[str, list] = {}
    names: dict[str, str] = {}
    for refusal in refusals:
        for code, name in refusal.lost_areas:
            by_area.setdefault(code, []).append(refusal)
            names[code] = name
    if not by_area:
        return ""
    indicators = {r.indicator_id for hit in by_area.values() for r in hit}
    values = sum(r.lost_values for r in {id(r): r for hit in by_area.values() for r in hit}.values())
    shown = [names[c] for c in sorted(by_area, key=lambda c: (-len(by_area[c]), names[c]))]
    listed = ", ".join(shown[:5]) + (", ..." if len(shown) > 5 else "")
    who = shown[0] if len(shown) == 1 else f"{len(shown)} areas ({listed})"
    return f"{who} answered no values for {len(indicators)} indicator(s) that had {values:,} in the last good data"
