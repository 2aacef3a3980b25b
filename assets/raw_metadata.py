"""The indicators' metadata, and the change dates that decide what a refresh fetches.

The first step of every run: it takes the refresh lease, refuses a launch that would
drop part of the publication, checks that synthetic and real data never mix, and checks
the footprints' members, all before any data is asked for."""

from typing import Any

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.currency import parts_kept, settings_whole
from assets.descriptions import describe
from assets.errors import one_line_errors
from assets.factories import OWNERS
from assets.raw import META_KEY, METADATA_CHECK, metadata_summary, refusal_check, source_label
from assets.staging import hold_lease
from jsna.areas import (
    cached_area_list,
    resolve_scope,
)
from jsna.fingertips import FingertipsClient
from jsna.fingertips.transport import redact
from jsna.footprints.config import check_members, msoa_codes
from jsna.plausibility import keep_previous_metadata, metadata_changes
from jsna.raw_store import RawStore
from resources import FingertipsResource, RunContext


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
    settings_whole(run)  # the launch's settings, not the defaults of a resource configured in the launchpad
    parts_kept(run)  # nothing another launch published is dropped unless this one says so
    client = fingertips.client()
    # The change dates first (one request per 100 ids): most nights they are all we need.
    dates = client.fetch_change_dates(catalogue.all_ids)
    # Before anything is written: never mix synthetic and real data in one output root.
    run.output_root().check_provenance(dates.synthetic, run.real_output_dir)
    if dates.synthetic:  # said first, in the run's log: every figure of this run is made up
        context.log.warning(
            "SYNTHETIC SAMPLE DATA: the API declares its data synthetic (X-Data-Synthetic); every output of this "
            "run is labelled as such"
        )
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
        frame, fetched, changed = _fetch_metadata(context, config, client, store, dates, catalogue.all_ids)
        requests += fetched
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


def _fetch_metadata(
    context: AssetExecutionContext,
    config: RawMetadataConfig,
    client: FingertipsClient,
    store: RawStore,
    dates: Any,
    ids: list[int],
) -> tuple[pd.DataFrame, int, list]:
    """The metadata fetched, and its change of meaning checked against the last good
    (``jsna.plausibility.metadata_changes``): (the frame to use, the requests it took, the
    refused changes). A refused change keeps the last good meaning and saves nothing, so
    every later refresh asks again until an operator accepts it."""
    fetch = client.fetch_metadata(ids, change_dates=dates.last_uploaded)
    frame = fetch.frame.copy()
    frame["last_uploaded_at"] = frame["indicator_id"].astype(int).map(dates.last_uploaded).astype("string")
    frame["source"] = source_label(dates.synthetic)
    frame["api_base_url"] = redact(client.base_url)
    frame["retrieved_at"] = max((r.retrieved_at for r in fetch.requests), default="")
    frame = frame.astype("string")
    previous = store.stored_metadata()
    changed = metadata_changes(previous, frame, accepted=config.accept_metadata)
    if changed and previous is not None:
        for refusal in changed:
            context.log.error(f"refused: {refusal}; the last good metadata stays")
        frame = keep_previous_metadata(frame, previous.astype("string"), [r.indicator_id for r in changed])
    else:
        store.save_metadata(frame)
    return frame, len(fetch.requests), changed
