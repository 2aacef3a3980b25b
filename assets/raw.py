"""Raw layer: indicator metadata and data exactly as the API served them.

Every cell is kept as text, with the request URL, the retrieval time and whether the
server declared its data synthetic. Ids the API does not know, or that came back with
no rows at the area type, are listed by the non-blocking ``catalogue_complete`` checks.
"""

import pandas as pd
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetIn,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)

from jsna import progress
from jsna.fingertips.client import redact
from jsna.fingertips.data_csv import CANONICAL
from jsna.raw_store import RawStore
from pipelines.resources import FingertipsResource, JsnaSettings
from schemas.columns import SOURCE_FINGERTIPS, SOURCE_SYNTHETIC
from schemas.tables import describe

OWNERS = ["team:public-health-intelligence"]
META_KEY = "raw_fingertips__indicator_metadata"
DATA_KEY = "raw_fingertips__indicator_data"
NO_CHANGE = "no upstream change"


def source_label(synthetic: bool) -> str:
    return SOURCE_SYNTHETIC if synthetic else SOURCE_FINGERTIPS


@asset(
    key=META_KEY,
    group_name="raw",
    kinds={"pandas"},
    owners=OWNERS,
    description=describe(META_KEY),
    check_specs=[
        AssetCheckSpec(
            "catalogue_ids_known", asset=META_KEY, blocking=False, description="Every catalogue id is known to the API."
        )
    ],
)
def raw_fingertips__indicator_metadata(
    context: AssetExecutionContext, fingertips: FingertipsResource, settings: JsnaSettings
):  # returns MaterializeResult(value=DataFrame); Dagster infers the type
    catalogue = settings.catalogue()
    client = fingertips.client()
    fetch = client.fetch_metadata(catalogue.ids)
    # Before anything is written: never mix synthetic and real data in one output root.
    settings.output_root().check_provenance(fetch.synthetic, settings.real_output_dir)
    frame = fetch.frame.copy()
    frame["last_uploaded_at"] = frame["indicator_id"].astype(int).map(fetch.last_uploaded).astype("string")
    frame["source"] = source_label(fetch.synthetic)
    frame["api_base_url"] = redact(client.base_url)
    frame["retrieved_at"] = max((r.retrieved_at for r in fetch.requests), default="")
    if fetch.unknown_ids:
        context.log.warning(f"the API does not know catalogue ids {fetch.unknown_ids}")
    return MaterializeResult(
        value=frame,
        metadata={
            "dagster/row_count": len(frame),
            "api_base_url": redact(client.base_url),
            "source": source_label(fetch.synthetic),
            "unknown_ids": MetadataValue.json(fetch.unknown_ids),
            "requests": len(fetch.requests),
        },
        check_results=[
            AssetCheckResult(
                check_name="catalogue_ids_known",
                passed=not fetch.unknown_ids,
                severity=AssetCheckSeverity.WARN,
                metadata={"unknown_ids": MetadataValue.json(fetch.unknown_ids)},
            )
        ],
    )


class RawDataConfig(Config):
    """Run configuration of the raw data fetch (set ``full`` in the UI launchpad)."""

    full: bool = False  # fetch every indicator, even those unchanged upstream


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
        )
    ],
)
def raw_fingertips__indicator_data(
    context: AssetExecutionContext,
    config: RawDataConfig,
    fingertips: FingertipsResource,
    settings: JsnaSettings,
    metadata: pd.DataFrame,
):  # returns MaterializeResult(value=DataFrame); Dagster infers the type
    catalogue = settings.catalogue()
    region = settings.region()
    client = fingertips.client()
    params = {
        "child_area_type_id": region.child_area_type_id,
        "parent_area_type_id": region.parent_area_type_id,
        "parent_area_code": region.region_code,
    }
    store = RawStore(settings.output_root().root, client.base_url, params)
    known = [int(i) for i in metadata["indicator_id"]]
    uploads = metadata["last_uploaded_at"].fillna("")
    last_uploaded = {int(i): (u or None) for i, u in zip(metadata["indicator_id"], uploads, strict=True)}
    plan = store.plan(last_uploaded, [i for i in catalogue.ids if i in set(known)], full=config.full)
    requests: list[dict] = []
    if plan:
        fetch = client.fetch_data(
            plan,
            progress=lambda done, total: _progress(context, "chunks fetched", done, total),
            **params,
        )
        fetched = fetch.frame.copy()
        fetched["source"] = source_label(fetch.synthetic)
        store.save(fetched, plan, last_uploaded)
        requests = [r.__dict__ for r in fetch.requests]
    change = f"{len(plan)} indicator(s) fetched" if plan else NO_CHANGE
    context.log.info(change)
    frame = store.load(catalogue.ids, [*CANONICAL, "request_url", "retrieved_at", "source"])
    served = set(frame["indicator_id"].astype(int)) if len(frame) else set()
    labels = catalogue.by_id()
    empty = [{"id": i, "label": labels[i].label} for i in catalogue.ids if i not in served]
    if empty:
        context.log.warning(f"no data at area type {region.child_area_type_id} for {empty}")
    return MaterializeResult(
        value=frame,
        metadata={
            "dagster/row_count": len(frame),
            "upstream_change": change,
            "fetched_indicators": MetadataValue.json(plan),
            "data_requests": len(requests),
            "requests": MetadataValue.json(requests),
            "bytes": sum(r["bytes"] for r in requests),
            "empty_indicators": MetadataValue.json(empty),
            "raw_store": MetadataValue.path(str(store.dir)),
        },
        check_results=[
            AssetCheckResult(
                check_name="catalogue_complete",
                passed=not empty,
                severity=AssetCheckSeverity.WARN,
                metadata={"empty_indicators": MetadataValue.json(empty), "requested": len(catalogue.ids)},
                description=None if not empty else f"{len(empty)} catalogue indicator(s) have no data",
            )
        ],
    )


def _progress(context: AssetExecutionContext, what: str, done: int, total: int) -> None:
    context.log.info(f"{what} {done}/{total}")
    progress.report(what, done, total)
