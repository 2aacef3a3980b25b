"""Out layer: the files commissioners and analysts download.

``boroughs/<slug>/indicator_values.{parquet,csv}`` (one partition per borough, all
boroughs in one run), ``london/indicator_values.{parquet,csv}``, ``data_dictionary.csv``
and ``manifest.json`` (kept by ``jsna.publish``). Every write goes through a
publication, so readers never see half a file.
"""

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetObservation,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    asset,
)

from assets.core import CORE_KEY
from assets.metadata import parquet_metadata, preview_markdown, provenance, table_schema
from assets.partitions import borough_partitions
from assets.raw import META_KEY, OWNERS
from pipelines.resources import FingertipsResource, JsnaSettings
from schemas.columns import INDICATOR_VALUES

BOROUGH_KEY = "out_jsna__borough_indicator_values"
LONDON_KEY = "out_jsna__london_indicator_values"
DICTIONARY_KEY = "out_jsna__data_dictionary"
SORT = ["domain", "indicator_id", "area_code", "sex", "age", "category_type", "category", "period_sortable"]


def borough_relpath(slug: str, suffix: str) -> str:
    return f"boroughs/{slug}/indicator_values.{suffix}"


@asset(
    key=BOROUGH_KEY,
    group_name="out",
    kinds={"pandas", "parquet", "csv"},
    owners=OWNERS,
    partitions_def=borough_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    ins={"core": AssetIn(CORE_KEY)},
    description="One table per borough: every indicator value for the borough with London and England "
    "beside it. Parquet, and CSV (UTF-8 with BOM) for Excel.",
    metadata={"dagster/column_schema": table_schema()},
)
def out_jsna__borough_indicator_values(
    context: AssetExecutionContext, settings: JsnaSettings, fingertips: FingertipsResource, core: pd.DataFrame
) -> MaterializeResult:
    region = settings.region()
    root = settings.output_root()
    fields = provenance(core, settings, fingertips)
    counts: dict[str, int] = {}
    previews: dict[str, str] = {}
    with root.publication(context.run.run_id) as pub:
        slugs = context.partition_keys
        for n, slug in enumerate(slugs, start=1):
            area = region.area_for_slug(slug)
            rows = core[core["area_code"] == area.code].sort_values(SORT, kind="stable").reset_index(drop=True)
            pub.write_parquet(borough_relpath(slug, "parquet"), rows, parquet_metadata(fields))
            pub.write_csv(borough_relpath(slug, "csv"), rows)
            counts[slug] = len(rows)
            previews[slug] = preview_markdown(rows)
            context.log.info(f"boroughs written {n}/{len(slugs)}")
        root.publish(pub, fields)
    if len(slugs) > 1:
        for slug in slugs:
            context.log_event(
                AssetObservation(
                    asset_key=BOROUGH_KEY,
                    partition=slug,
                    metadata={"dagster/row_count": counts[slug], "preview": MetadataValue.md(previews[slug])},
                )
            )
    metadata: dict[str, object] = {
        "dagster/row_count": sum(counts.values()),
        "rows_by_borough": MetadataValue.json(counts),
        "source": fields["source"],
        "output_dir": MetadataValue.path(str(root.root / "boroughs")),
    }
    if len(slugs) == 1:
        metadata["preview"] = MetadataValue.md(previews[slugs[0]])
    return MaterializeResult(metadata=metadata)


@asset(
    key=LONDON_KEY,
    group_name="out",
    kinds={"pandas", "parquet", "csv"},
    owners=OWNERS,
    ins={"core": AssetIn(CORE_KEY)},
    description="The region-wide table: every borough, the region and England.",
    metadata={"dagster/column_schema": table_schema()},
)
def out_jsna__london_indicator_values(
    context: AssetExecutionContext, settings: JsnaSettings, fingertips: FingertipsResource, core: pd.DataFrame
) -> MaterializeResult:
    root = settings.output_root()
    fields = provenance(core, settings, fingertips)
    rows = core.sort_values(SORT, kind="stable").reset_index(drop=True)
    with root.publication(context.run.run_id) as pub:
        pub.write_parquet("london/indicator_values.parquet", rows, parquet_metadata(fields))
        pub.write_csv("london/indicator_values.csv", rows)
        root.publish(pub, fields)
    return MaterializeResult(
        metadata={
            "dagster/row_count": len(rows),
            "source": fields["source"],
            "preview": MetadataValue.md(preview_markdown(rows[rows["area_code"] == settings.region_code])),
        }
    )


def data_dictionary(core: pd.DataFrame, metadata: pd.DataFrame, settings: JsnaSettings) -> pd.DataFrame:
    """Every column, then every catalogue indicator with its metadata and domain."""
    columns = pd.DataFrame(
        {
            "section": "column",
            "name": [c.name for c in INDICATOR_VALUES],
            "label": [c.name for c in INDICATOR_VALUES],
            "description": [c.description for c in INDICATOR_VALUES],
            "type": [c.type for c in INDICATOR_VALUES],
        }
    )
    meta = metadata.assign(indicator_id=metadata["indicator_id"].astype("int64")).set_index("indicator_id")
    rows = []
    served = set(core["indicator_id"].unique())
    for ind in settings.catalogue().indicators:
        m = meta.loc[ind.id] if ind.id in meta.index else pd.Series(dtype="string")
        rows.append(
            {
                "section": "indicator",
                "name": str(ind.id),
                "label": ind.label,
                "domain": ind.domain,
                "why_it_matters": ind.why,
                "indicator_name": m.get("indicator_name", ""),
                "description": m.get("definition", ""),
                "unit": m.get("unit", ""),
                "value_type": m.get("value_type", ""),
                "year_type": m.get("year_type", ""),
                "polarity": m.get("polarity", ""),
                "data_source": m.get("data_source", ""),
                "frequency": m.get("frequency", ""),
                "last_uploaded_at": m.get("last_uploaded_at", ""),
                "source": m.get("source", ""),
                "has_data": "yes" if ind.id in served else "no",
            }
        )
    table = pd.concat([columns, pd.DataFrame(rows)], ignore_index=True)
    order = [
        "section",
        "name",
        "label",
        "domain",
        "why_it_matters",
        "indicator_name",
        "description",
        "type",
        "unit",
        "value_type",
        "year_type",
        "polarity",
        "data_source",
        "frequency",
        "last_uploaded_at",
        "source",
        "has_data",
    ]
    return table.reindex(columns=order).fillna("").astype("string")


@asset(
    key=DICTIONARY_KEY,
    group_name="out",
    kinds={"pandas", "csv"},
    owners=OWNERS,
    ins={"core": AssetIn(CORE_KEY), "raw_metadata": AssetIn(META_KEY)},
    description="data_dictionary.csv: every column of the tables, every indicator with its metadata and domain.",
)
def out_jsna__data_dictionary(
    context: AssetExecutionContext,
    settings: JsnaSettings,
    fingertips: FingertipsResource,
    core: pd.DataFrame,
    raw_metadata: pd.DataFrame,
) -> MaterializeResult:
    root = settings.output_root()
    table = data_dictionary(core, raw_metadata, settings)
    with root.publication(context.run.run_id) as pub:
        pub.write_csv("data_dictionary.csv", table)
        root.publish(pub, provenance(core, settings, fingertips))
    return MaterializeResult(
        metadata={"dagster/row_count": len(table), "preview": MetadataValue.md(table.head(40).to_markdown(index=False))}
    )
