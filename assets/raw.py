"""Raw layer: indicator metadata and data exactly as the API served them.

Every cell is kept as text, with the request URL, the retrieval time and whether the
server declared its data synthetic. Ids the API does not know, or that came back with
no rows at the area type, are listed by the non-blocking ``catalogue_complete`` checks.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetIn,
    Config,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.currency import outputs_current, parts_kept
from assets.descriptions import describe
from assets.errors import one_line_errors
from assets.factories import OWNERS
from assets.staging import NO_CHANGE, clear_quiet, hold_lease, mark_quiet
from jsna import layout, progress, workers
from jsna.areas import (
    AreaList,
    area_changes,
    cached_area_list,
    check_area_list,
    load_area_list,
    resolve_scope,
    save_area_list,
)
from jsna.extracts import COUNCILS, EXTRACT_COLUMN, ICBS, NEIGHBOURHOODS, served_areas
from jsna.fingertips.client import redact
from jsna.fingertips.data_csv import CANONICAL
from jsna.footprints.config import check_members, msoa_codes
from jsna.plausibility import LOSS_COLUMNS, check_answers, keep_previous_metadata, metadata_changes
from jsna.raw_store import RawStore
from resources import FingertipsResource, RunContext
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


class RawMetadataConfig(Config):
    """Run configuration of the metadata fetch."""

    # Indicators whose changed polarity, unit or value type an operator has checked and accepts.
    accept_metadata: list[int] = []


@asset(
    key=META_KEY,
    group_name="raw",
    kinds={"pandas"},
    owners=OWNERS,
    description=describe(META_KEY),
    check_specs=[
        AssetCheckSpec(
            "catalogue_ids_known", asset=META_KEY, blocking=False, description="Every catalogue id is known to the API."
        ),
        AssetCheckSpec(
            METADATA_CHECK,
            asset=META_KEY,
            blocking=False,
            description=(
                "No indicator's polarity, unit or value type changed upstream unchecked: a flipped polarity reverses "
                "Better/Worse and every rank. A refused change keeps the last good metadata; accept a checked one "
                "with --accept-metadata."
            ),
        ),
    ],
)
@one_line_errors
def raw_fingertips__indicator_metadata(
    context: AssetExecutionContext, config: RawMetadataConfig, fingertips: FingertipsResource, run: RunContext
):  # returns MaterializeResult(value=DataFrame); Dagster infers the type
    catalogue = run.catalogue()
    hold_lease(context, run)  # one refresh at a time on this output root, however launched
    parts_kept(run)  # nothing another launch published is dropped unless this one says so
    client = fingertips.client()
    # The change dates first (one request per 100 ids): most nights they are all we need.
    dates = client.fetch_change_dates(catalogue.all_ids)
    # Before anything is written: never mix synthetic and real data in one output root.
    run.output_root().check_provenance(dates.synthetic, run.real_output_dir)
    state_dir = run.output_root().state_dir
    areas = cached_area_list(state_dir, run.area_type_id, run.api_name, lambda: client)
    scope = resolve_scope(run.region, areas)  # an unknown region fails here, naming the valid ones
    # A footprint member the API does not list stops the run before any data is fetched.
    check_members(run.footprints(), areas.codes(), lambda: msoa_codes(client), run.area_type_id)
    store = run.raw_store()
    store.mark_synthetic(dates.synthetic)
    frame = store.load_metadata(dates.last_uploaded)
    requests = len(dates.requests)
    changed: list = []
    if frame is None:
        fetch = client.fetch_metadata(catalogue.all_ids, change_dates=dates.last_uploaded)
        requests += len(fetch.requests)
        frame = fetch.frame.copy()
        frame["last_uploaded_at"] = frame["indicator_id"].astype(int).map(dates.last_uploaded).astype("string")
        frame["source"] = source_label(dates.synthetic)
        frame["api_base_url"] = redact(client.base_url)
        frame["retrieved_at"] = max((r.retrieved_at for r in fetch.requests), default="")
        frame = frame.astype("string")
        previous = store.stored_metadata()
        changed = metadata_changes(previous, frame, accepted=config.accept_metadata)
        if changed and previous is not None:
            # Refused: the last good meaning stays, and nothing is saved, so every later
            # refresh asks again until an operator accepts it.
            for refusal in changed:
                context.log.error(f"refused: {refusal}; the last good metadata stays")
            frame = keep_previous_metadata(frame, previous.astype("string"), [r.indicator_id for r in changed])
        else:
            store.save_metadata(frame)
    fetch = dates
    if fetch.unknown_ids:
        context.log.warning(f"the API does not know catalogue ids {fetch.unknown_ids}")
    return MaterializeResult(
        value=frame,
        metadata={
            "dagster/row_count": len(frame),
            "api_base_url": redact(client.base_url),
            "source": source_label(fetch.synthetic),
            "unknown_ids": MetadataValue.json(fetch.unknown_ids),
            "requests": requests,
            "scope": scope.name,
            "areas": len(scope.areas),
        },
        check_results=[
            AssetCheckResult(
                check_name="catalogue_ids_known",
                passed=not fetch.unknown_ids,
                severity=AssetCheckSeverity.WARN,
                metadata={"unknown_ids": MetadataValue.json(fetch.unknown_ids)},
            ),
            refusal_check(METADATA_CHECK, changed, metadata_summary),
        ],
    )


class RawDataConfig(Config):
    """Run configuration of the raw data fetch (set ``full`` in the UI launchpad)."""

    full: bool = False  # fetch every indicator, even those unchanged upstream
    # Indicators whose shrunk (or emptied, or renamed) answer an operator has checked and accepts.
    accept_shrink: list[int] = []
    # An area list that lost more than a few areas, which an operator has checked and accepts.
    accept_area_changes: bool = False


@asset(
    key=DATA_KEY,
    group_name="raw",
    kinds={"pandas", "parquet"},
    owners=OWNERS,
    ins={"metadata": AssetIn(META_KEY)},
    description=describe(DATA_KEY),
    check_specs=[
        AssetCheckSpec(
            "catalogue_complete",
            asset=DATA_KEY,
            blocking=False,
            description="Every catalogue indicator has data at the configured area type.",
        ),
        AssetCheckSpec(
            PLAUSIBLE_CHECK,
            asset=DATA_KEY,
            blocking=False,
            description=(
                "Every fetched answer is plausible against the last good data: no indicator emptied, shrunk by more "
                "than the allowed share, answering under another id, or serving non-finite numbers. A refused "
                "answer is not used (the last good data stays published); accept a checked one with --accept-shrink."
            ),
        ),
    ],
)
@one_line_errors
def raw_fingertips__indicator_data(
    context: AssetExecutionContext,
    config: RawDataConfig,
    fingertips: FingertipsResource,
    run: RunContext,
    metadata: pd.DataFrame,
):  # yields the checks and MaterializeResult(value=DataFrame)
    catalogue = run.catalogue()
    hold_lease(context, run)
    stores = run.raw_stores()
    known = {int(i) for i in metadata["indicator_id"]}
    uploads = metadata["last_uploaded_at"].fillna("")
    last_uploaded = {int(i): (u or None) for i, u in zip(metadata["indicator_id"], uploads, strict=True)}
    plans = {
        e.name: stores[e.name].plan(last_uploaded, [i for i in e.ids if i in known], full=config.full)
        for e in run.extracts()
    }
    # The area list is refreshed with the data (never on a quiet night: one request then),
    # first, so that the rows of an area that went upstream are not taken for a loss.
    fresh = fetch_area_list(fingertips, run, config) if any(plans.values()) or config.full else None
    moved = area_changes(fresh[0], fresh[1]) if fresh else {"added": [], "removed": []}
    gone = {a["code"] for a in moved["removed"]}
    answers = {
        name: _fetch_checked(context, config, fingertips, run, stores[name], metadata, plan, gone)
        for name, plan in plans.items()
    }
    refusals = [r for answer in answers.values() for r in answer.refusals]
    requests = [r for answer in answers.values() for r in answer.requests]
    # One upload of an indicator is trusted or not as a whole: refused in any extract, it is
    # kept from none (its upload time recorded nowhere), so the next refresh asks again for all.
    refused = {r.indicator_id for r in refusals}
    accepted = []
    for name, answer in answers.items():
        kept = [i for i in plans[name] if i not in refused]
        if kept:
            rows = (
                answer.frame[answer.frame["indicator_id"].astype(int).isin(kept)] if len(answer.frame) else answer.frame
            )
            stores[name].save(rows, kept, last_uploaded, answer.synthetic)
        accepted += kept
    columns = [*CANONICAL, "request_url", "retrieved_at", "source"]
    frames = [stores[e.name].load(e.ids, columns).assign(**{EXTRACT_COLUMN: e.name}) for e in run.extracts()]
    store = stores[COUNCILS]
    if refusals and not len(frames[0]):
        # Nothing to publish but refused answers (an outage on a first refresh): say so
        # now, before any later step meets an empty table.
        raise Failure(description=refusal_summary(refusals))
    if not (accepted or config.full):
        moved = {"added": [], "removed": []}
    elif fresh:
        save_new_area_list(run, *fresh)
    for what, listed in moved.items():
        if listed:
            context.log.warning(f"areas {what} upstream: {', '.join(a['name'] for a in listed)}")
    change = f"{len(accepted)} answer(s) fetched" if accepted else NO_CHANGE
    if refusals:
        change += f", {len(refusals)} refused"
    context.log.info(change)
    frame = pd.concat(frames, ignore_index=True).astype("string")
    served = {
        name: set(rows["indicator_id"].astype(int)) if len(rows) else set()
        for name, rows in frame.groupby(EXTRACT_COLUMN, sort=False)
    }
    empty = [{"id": i, "label": catalogue.label_of(i)} for i in catalogue.ids if i not in served.get(COUNCILS, set())]
    if empty:
        context.log.warning(f"no data at area type {run.area_type_id} for {empty}")
    empty_at = {e.name: [i for i in e.ids if i not in served.get(e.name, set())] for e in run.extracts()[1:]}
    if empty_at.get(NEIGHBOURHOODS):
        context.log.warning(f"no data at MSOA level for neighbourhood indicators {empty_at[NEIGHBOURHOODS]}")
    synthetic = bool(store.state().get("synthetic"))
    icbs = [slug for _, _, slug in served_areas(frame[frame[EXTRACT_COLUMN] == ICBS])]
    extra = [f for slug in icbs for f in layout.icb(slug, synthetic).files()]
    extra += [f for slug in run.footprints().slugs for f in layout.footprint(slug, synthetic).files()]
    current = not accepted and not config.full and outputs_current(context, run, extra)
    if not accepted and not current:
        change += "; rebuilding outputs that are out of date, damaged or unfinished"
    details = {
        "upstream_change": change,
        "fetched_indicators": MetadataValue.json(plans),
        "empty_by_extract": MetadataValue.json(empty_at),
        "data_requests": len(requests),
        "empty_indicators": MetadataValue.json(empty),
        "areas_added": MetadataValue.json(moved["added"]),
        "areas_removed": MetadataValue.json(moved["removed"]),
        "raw_store": MetadataValue.path(str(store.dir)),
    }
    if current:
        # Nothing new upstream and the published outputs were built from exactly this raw
        # data: every publishing step reports success without rewriting anything.
        mark_quiet(context, run)
    else:
        clear_quiet(context, run)
    yield MaterializeResult(
        value=frame,
        metadata={
            "dagster/row_count": len(frame),
            "quiet": current,
            **details,
            "requests": MetadataValue.json(requests),
            "bytes": sum(r["bytes"] for r in requests),
        },
        check_results=_check_results(empty, refusals, len(catalogue.ids)),
    )


@dataclass(frozen=True)
class _Answer:
    """What one extract's fetch brought: the rows, the refused answers, the requests."""

    frame: pd.DataFrame
    refusals: list
    requests: list[dict]
    synthetic: bool = False


def _fetch_checked(
    context: AssetExecutionContext,
    config: RawDataConfig,
    fingertips: FingertipsResource,
    run: RunContext,
    store: RawStore,
    metadata: pd.DataFrame,
    plan: list[int],
    gone: set[str],
) -> _Answer:
    """Fetch the planned indicators of one extract and check each answer against the last
    good data (``jsna.plausibility``); nothing is stored here. A refused indicator keeps its
    last good data and its upload time is not recorded, so the next refresh asks again."""
    if not plan:
        return _Answer(pd.DataFrame(), [], [])
    workers.warm_up(len(run.scope().areas))  # the pack's workers start while the data comes (once)
    fetch = fingertips.client().fetch_data(
        plan, progress=lambda done, total: _progress(context, "chunks fetched", done, total), **store.params
    )
    fetched = fetch.frame.copy()
    fetched["source"] = source_label(fetch.synthetic)
    names = dict(zip(metadata["indicator_id"].astype(int), metadata["indicator_name"].fillna(""), strict=True))
    refusals = check_answers(
        fetched,
        plan,
        {i: store.last_good(i) for i in plan},
        names,
        max_shrink=run.max_shrink,
        accepted=config.accept_shrink,
        last_rows={i: store.last_good_rows(i, LOSS_COLUMNS) for i in plan},
        gone_areas=gone,
        empty_is_outage=store.params == run.extracts()[0].params,  # the councils' extract
    )
    for refusal in refusals:
        context.log.error(f"refused: {refusal}; the last good data stays")
    return _Answer(fetched, refusals, [r.__dict__ for r in fetch.requests], fetch.synthetic)


def _check_results(empty: list[dict], refusals: list, requested: int) -> list[AssetCheckResult]:
    """``catalogue_complete`` (a warning: an indicator without data at this area type) and
    ``answers_plausible`` (an error: an answer refused as implausible)."""
    return [
        AssetCheckResult(
            check_name="catalogue_complete",
            passed=not empty,
            severity=AssetCheckSeverity.WARN,
            metadata={"empty_indicators": MetadataValue.json(empty), "requested": requested},
            description=None if not empty else f"{len(empty)} catalogue indicator(s) have no data",
        ),
        refusal_check(PLAUSIBLE_CHECK, refusals, refusal_summary),
    ]


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


def fetch_area_list(
    fingertips: FingertipsResource, run: RunContext, config: RawDataConfig
) -> tuple[AreaList | None, AreaList]:
    """The cached area list and the API's list now, checked (``jsna.areas.check_area_list``:
    a list that lost more than a few areas is refused before anything is removed)."""
    old = load_area_list(run.output_root().state_dir, run.area_type_id)
    new = AreaList.fetch(fingertips.client(), run.area_type_id, api_base_url=run.api_name)
    resolve_scope(run.region, new)  # the region still exists upstream
    check_area_list(old, new, run.region, accept=config.accept_area_changes)
    return old, new


def save_new_area_list(run: RunContext, old: AreaList | None, new: AreaList) -> None:
    """Cache the refreshed list when it changed (the next run publishes its areas)."""
    if old is None or old.areas != new.areas or old.regions != new.regions:
        save_area_list(run.output_root().state_dir, new)


def _progress(context: AssetExecutionContext, what: str, done: int, total: int) -> None:
    context.log.info(f"{what} {done}/{total}")
    progress.report(what, done, total)
