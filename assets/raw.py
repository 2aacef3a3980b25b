"""Raw layer: indicator metadata and data exactly as the API served them.

Every cell is kept as text, with the request URL, the retrieval time and whether the
server declared its data synthetic. Ids the API does not know, or that came back with
no rows at the area type, are listed by the non-blocking ``catalogue_complete`` checks.
"""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
    asset,
)

from pipelines.resources import FingertipsResource, JsnaSettings
from schemas.columns import SOURCE_FINGERTIPS, SOURCE_SYNTHETIC

OWNERS = ["team:public-health-intelligence"]
META_KEY = "raw_fingertips__indicator_metadata"
DATA_KEY = "raw_fingertips__indicator_data"


def source_label(synthetic: bool) -> str:
    return SOURCE_SYNTHETIC if synthetic else SOURCE_FINGERTIPS


@asset(
    key=META_KEY,
    group_name="raw",
    kinds={"pandas"},
    owners=OWNERS,
    description="Indicator metadata from the API (name, definition, unit, value type, year type, polarity, "
    "data source, frequency) with each indicator's last upload time.",
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
    frame["api_base_url"] = client.base_url
    frame["retrieved_at"] = max((r.retrieved_at for r in fetch.requests), default="")
    if fetch.unknown_ids:
        context.log.warning(f"the API does not know catalogue ids {fetch.unknown_ids}")
    return MaterializeResult(
        value=frame,
        metadata={
            "dagster/row_count": len(frame),
            "api_base_url": client.base_url,
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


@asset(
    key=DATA_KEY,
    group_name="raw",
    kinds={"pandas"},
    owners=OWNERS,
    deps=[META_KEY],
    description="Indicator data rows as served (every cell as text), with request URL and retrieval time.",
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
    context: AssetExecutionContext, fingertips: FingertipsResource, settings: JsnaSettings
):  # returns MaterializeResult(value=DataFrame); Dagster infers the type
    catalogue = settings.catalogue()
    region = settings.region()
    client = fingertips.client()
    fetch = client.fetch_data(
        catalogue.ids,
        child_area_type_id=region.child_area_type_id,
        parent_area_type_id=region.parent_area_type_id,
        parent_area_code=region.region_code,
        progress=lambda done, total: context.log.info(f"chunks fetched {done}/{total}"),
    )
    frame = fetch.frame.copy()
    frame["source"] = source_label(fetch.synthetic)
    labels = catalogue.by_id()
    empty = [{"id": i, "label": labels[i].label} for i in fetch.empty_ids]
    if empty:
        context.log.warning(f"no data at area type {region.child_area_type_id} for {empty}")
    return MaterializeResult(
        value=frame,
        metadata={
            "dagster/row_count": len(frame),
            "requests": MetadataValue.json([r.__dict__ for r in fetch.requests]),
            "bytes": sum(r.bytes for r in fetch.requests),
            "empty_indicators": MetadataValue.json(empty),
            "source": source_label(fetch.synthetic),
        },
        check_results=[
            AssetCheckResult(
                check_name="catalogue_complete",
                passed=not empty,
                severity=AssetCheckSeverity.WARN,
                metadata={"empty_indicators": MetadataValue.json(empty), "requested": len(fetch.requested_ids)},
                description=None if not empty else f"{len(empty)} catalogue indicator(s) came back with no data",
            )
        ],
    )
