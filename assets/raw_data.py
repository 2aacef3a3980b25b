"""The indicator data of every extract (councils, MSOAs, ICBs), fetched when it changed
upstream and checked against the last good data before it is kept (``jsna.plausibility``).

It also decides whether the night is quiet: nothing new upstream and every published
file current, in which case every later step succeeds without rewriting anything."""

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

from assets.currency import why_rebuild
from assets.descriptions import describe
from assets.errors import one_line_errors
from assets.factories import OWNERS
from assets.raw import DATA_KEY, META_KEY, PLAUSIBLE_CHECK, refusal_check, refusal_summary, source_label
from assets.staging import NO_CHANGE, clear_quiet, hold_lease, mark_quiet
from jsna import layout, progress, workers
from jsna.areas import (
    AreaList,
    area_changes,
    check_area_list,
    load_area_list,
    resolve_scope,
    save_area_list,
)
from jsna.extracts import COUNCILS, EXTRACT_COLUMN, ICBS, NEIGHBOURHOODS, served_areas
from jsna.fingertips.client import repeated
from jsna.fingertips.data_csv import CANONICAL
from jsna.memory import answers_held, release_freed
from jsna.pack.chapter import WEIGHT as CHAPTER_WEIGHT
from jsna.plausibility import LOSS_COLUMNS, Rules, check_answers
from jsna.raw_store import RawStore
from resources import FingertipsResource, RunContext


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
    with answers_held():  # what the answers free goes back to the system (jsna.memory)
        yield from _indicator_data(context, config, fingertips, run, metadata)


def _indicator_data(
    context: AssetExecutionContext,
    config: RawDataConfig,
    fingertips: FingertipsResource,
    run: RunContext,
    metadata: pd.DataFrame,
):  # yields what the asset yields
    catalogue = run.catalogue()
    hold_lease(context, run)
    stores = run.raw_stores()
    last_uploaded = _upload_times(metadata)
    plans = _plans(run, last_uploaded, config.full)
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
    accepted = _keep(answers, plans, stores, last_uploaded)
    del answers  # stored: the fetched rows are read back from the store, so hold one copy, not two
    release_freed()  # and the answers' pages go back to the system before that copy is read
    frames = [stores[e.name].load(e.ids, RAW_COLUMNS).assign(**{EXTRACT_COLUMN: e.name}) for e in run.extracts()]
    if refusals and not len(frames[0]):
        # Nothing to publish but refused answers (an outage on a first refresh): say so
        # now, before any later step meets an empty table.
        raise Failure(description=refusal_summary(refusals))
    moved = _new_areas(context, run, fresh, moved) if accepted or config.full else {"added": [], "removed": []}
    frame = pd.concat(frames, ignore_index=True).astype("string")
    del frames
    empty, empty_at = _empty(context, run, frame)
    change, current = _night(context, run, frame, len(accepted), len(refusals), config.full)
    yield MaterializeResult(
        value=frame,
        metadata={
            "dagster/row_count": len(frame),
            "quiet": current,
            "upstream_change": change,
            "fetched_indicators": MetadataValue.json(plans),
            "empty_by_extract": MetadataValue.json(empty_at),
            "data_requests": len(requests),
            "empty_indicators": MetadataValue.json(empty),
            "areas_added": MetadataValue.json(moved["added"]),
            "areas_removed": MetadataValue.json(moved["removed"]),
            "raw_store": MetadataValue.path(str(stores[COUNCILS].dir)),
            "requests": MetadataValue.json(requests),
            "bytes": sum(r["bytes"] for r in requests),
        },
        check_results=_check_results(empty, refusals, len(catalogue.ids)),
    )


RAW_COLUMNS = [*CANONICAL, "request_url", "retrieved_at", "source"]


def _night(
    context: AssetExecutionContext, run: RunContext, frame: pd.DataFrame, accepted: int, refused: int, full: bool
) -> tuple[str, bool]:
    """What this night brought, in words, and whether it is quiet: nothing new upstream and
    the published outputs built from exactly this raw data, so every publishing step reports
    success without rewriting anything. Otherwise the words say why the outputs are rebuilt."""
    change = f"{accepted} answer(s) fetched" if accepted else NO_CHANGE
    if refused:
        change += f", {refused} refused"
    context.log.info(change)
    rebuild = "" if accepted or full else why_rebuild(context, run, _pack_files(run, frame))
    current = not accepted and not full and not rebuild
    if rebuild:
        change += f"; rebuilding the outputs: {rebuild}"
    (mark_quiet if current else clear_quiet)(context, run)
    return change, current


def _new_areas(
    context: AssetExecutionContext, run: RunContext, fresh: tuple[AreaList | None, AreaList] | None, moved: dict
) -> dict:
    """Cache the refreshed area list (a run that kept new data publishes its areas) and say
    which areas came and went upstream."""
    if fresh:
        save_new_area_list(run, *fresh)
    for what, listed in moved.items():
        if listed:
            context.log.warning(f"areas {what} upstream: {', '.join(a['name'] for a in listed)}")
    return moved


def _plans(run: RunContext, last_uploaded: dict[int, str | None], full: bool) -> dict[str, list[int]]:
    """What each extract fetches: its indicators the API knows that changed upstream (all with ``full``)."""
    stores = run.raw_stores()
    return {
        e.name: stores[e.name].plan(last_uploaded, [i for i in e.ids if i in last_uploaded], full=full)
        for e in run.extracts()
    }


def _upload_times(metadata: pd.DataFrame) -> dict[int, str | None]:
    """Each indicator's last upload as the API's metadata gives it (None: not given)."""
    uploads = metadata["last_uploaded_at"].fillna("")
    return {int(i): (u or None) for i, u in zip(metadata["indicator_id"], uploads, strict=True)}


def _keep(
    answers: dict[str, "_Answer"], plans: dict[str, list[int]], stores: dict, last_uploaded: dict[int, str | None]
) -> list[int]:
    """Store what was fetched and not refused; returns the indicators kept. One upload of an
    indicator is trusted or not as a whole: refused in any extract, it is kept from none
    (its upload time recorded nowhere), so the next refresh asks again for all."""
    refused = {r.indicator_id for answer in answers.values() for r in answer.refusals}
    accepted = []
    for name, answer in answers.items():
        kept = [i for i in plans[name] if i not in refused]
        if kept:
            rows = answer.frame
            if len(rows) and len(kept) < len(plans[name]):  # copied only when one was refused
                rows = rows[rows["indicator_id"].astype(int).isin(kept)]
            stores[name].save(rows, kept, last_uploaded, answer.synthetic)
        accepted += kept
    return accepted


def _empty(context: AssetExecutionContext, run: RunContext, frame: pd.DataFrame) -> tuple[list[dict], dict]:
    """The catalogue indicators with no rows at the area type, and each other extract's."""
    catalogue = run.catalogue()
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
    for extract in run.extracts():
        if extract.gaps_expected and empty_at.get(extract.name):
            gaps = len(empty_at[extract.name])
            context.log.info(f"{gaps} of {len(extract.ids)} indicators have no {extract.name} data (as expected)")
    return empty, empty_at


def _pack_files(run: RunContext, frame: pd.DataFrame) -> list[str]:
    """The ICBs' and the footprints' published files this data makes."""
    synthetic = bool(run.raw_store().state().get("synthetic"))
    icbs = [slug for _, _, slug in served_areas(frame[frame[EXTRACT_COLUMN] == ICBS])]
    files = [f for slug in icbs for f in layout.icb(slug, synthetic).files()]
    return files + [f for slug in run.footprints().slugs for f in layout.footprint(slug, synthetic).files()]


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
    # The pack's workers start while the data comes (once), if the areas' chapters will use them.
    workers.warm_up(len(run.slugs()) * CHAPTER_WEIGHT)
    expected = any(e.gaps_expected for e in run.extracts() if e.params == store.params)
    fetch = fingertips.client().fetch_data(
        plan,
        progress=lambda done, total: _progress(context, "chunks fetched", done, total),
        gaps_expected=expected,
        **store.params,
    )
    fetched = fetch.frame.assign(source=repeated([source_label(fetch.synthetic)], [len(fetch.frame)]))
    names = dict(zip(metadata["indicator_id"].astype(int), metadata["indicator_name"].fillna(""), strict=True))
    rules = Rules(
        max_shrink=run.max_shrink,
        accepted=frozenset(config.accept_shrink),
        gone_areas=frozenset(gone),
        empty_is_outage=store.params == run.extracts()[0].params,  # the councils' extract
    )
    last_rows = {i: store.last_good_rows(i, LOSS_COLUMNS) for i in plan}
    refusals = check_answers(fetched, plan, {i: store.last_good(i) for i in plan}, names, last_rows, rules)
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
