"""Out layer: the files commissioners and analysts download.

``boroughs/<slug>/indicator_values.{parquet,csv}`` (one partition per borough, all
boroughs in one run), ``london/indicator_values.{parquet,csv}``, ``data_dictionary.csv``
and ``manifest.json`` (kept by ``jsna.publish``). Every write goes through a
publication, so readers never see half a file.
"""

from datetime import UTC, datetime

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetIn,
    AssetObservation,
    MaterializeResult,
    MetadataValue,
)

from assets.core import CORE_KEY
from assets.metadata import parquet_metadata, preview_markdown, provenance, table_schema
from assets.published import borough_asset, out_asset
from assets.publishing import stage
from assets.raw import META_KEY, raw_store
from jsna import layout, progress
from jsna.changes import compare, summary
from resources import FingertipsResource, JsnaSettings
from schemas.columns import INDICATOR_VALUES
from schemas.tables import TABLES

BOROUGH_KEY = "out_jsna__borough_indicator_values"
LONDON_KEY = "out_jsna__london_indicator_values"
DICTIONARY_KEY = "out_jsna__data_dictionary"
SORT = ["domain", "indicator_id", "area_code", "sex", "age", "category_type", "category", "period_sortable"]


CHANGES_KEY = "out_jsna__changes"


@borough_asset(
    BOROUGH_KEY,
    kinds={"pandas", "parquet", "csv"},
    ins={"core": AssetIn(CORE_KEY)},
    metadata={"dagster/column_schema": table_schema()},
)
def out_jsna__borough_indicator_values(
    context: AssetExecutionContext, settings: JsnaSettings, fingertips: FingertipsResource, core: pd.DataFrame
) -> MaterializeResult:
    pub = stage(context, settings)
    region = settings.region()
    root = settings.output_root()
    fields = provenance(core, settings, fingertips)
    counts: dict[str, int] = {}
    previews: dict[str, str] = {}
    slugs = context.partition_keys
    for n, slug in enumerate(slugs, start=1):
        area = region.area_for_slug(slug)
        rows = core[core["area_code"] == area.code].sort_values(SORT, kind="stable").reset_index(drop=True)
        files = layout.area(slug)
        pub.write_parquet(files.table("parquet"), rows, parquet_metadata(fields))
        pub.write_csv(files.table("csv"), rows)
        counts[slug] = len(rows)
        previews[slug] = preview_markdown(rows)
        context.log.info(f"boroughs written {n}/{len(slugs)}")
        progress.report("boroughs written", n, len(slugs))
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
        "rows_by_borough": MetadataValue.json(counts),
        "source": fields["source"],
        "output_dir": MetadataValue.path(str(root.root / layout.AREAS_DIR)),
    }
    if len(slugs) == 1:  # one partition: its own count and preview (a range gets them per borough above)
        metadata["dagster/row_count"] = counts[slugs[0]]
        metadata["preview"] = MetadataValue.md(previews[slugs[0]])
    return MaterializeResult(metadata=metadata)


@out_asset(
    LONDON_KEY,
    kinds={"pandas", "parquet", "csv"},
    ins={"core": AssetIn(CORE_KEY)},
    deps=[CHANGES_KEY],  # the change table reads the previous publication before it is replaced
    metadata={"dagster/column_schema": table_schema()},
)
def out_jsna__london_indicator_values(
    context: AssetExecutionContext, settings: JsnaSettings, fingertips: FingertipsResource, core: pd.DataFrame
) -> MaterializeResult:
    pub = stage(context, settings)
    fields = provenance(core, settings, fingertips)
    rows = core.sort_values(SORT, kind="stable").reset_index(drop=True)
    pub.write_parquet(layout.region_table("parquet"), rows, parquet_metadata(fields))
    pub.write_csv(layout.region_table("csv"), rows)
    return MaterializeResult(
        metadata={
            "dagster/row_count": len(rows),
            "source": fields["source"],
            "preview": MetadataValue.md(preview_markdown(rows[rows["area_code"] == settings.region_code])),
        }
    )


def data_dictionary(
    core: pd.DataFrame, metadata: pd.DataFrame, settings: JsnaSettings, uploads: dict[int, str | None] | None = None
) -> pd.DataFrame:
    """Every table, every column, then every catalogue indicator with its metadata and domain.

    ``uploads`` are the upload times of the data actually held (a refused answer keeps
    the older data, so the metadata's newer upload time would not describe it)."""
    tables = pd.DataFrame(
        {"section": "table", "name": list(TABLES), "label": list(TABLES), "description": list(TABLES.values())}
    )
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
                "last_uploaded_at": (uploads.get(ind.id) if uploads is not None else m.get("last_uploaded_at")) or "",
                "source": m.get("source", ""),
                "has_data": "yes" if ind.id in served else "no",
            }
        )
    table = pd.concat([tables, columns, pd.DataFrame(rows)], ignore_index=True)
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


@out_asset(DICTIONARY_KEY, kinds={"pandas", "csv"}, ins={"core": AssetIn(CORE_KEY), "raw_metadata": AssetIn(META_KEY)})
def out_jsna__data_dictionary(
    context: AssetExecutionContext,
    settings: JsnaSettings,
    fingertips: FingertipsResource,
    core: pd.DataFrame,
    raw_metadata: pd.DataFrame,
) -> MaterializeResult:
    pub = stage(context, settings)
    held = raw_store(settings, fingertips).state()["indicators"]
    uploads = {int(i): entry.get("last_uploaded_at") for i, entry in held.items()}
    table = data_dictionary(core, raw_metadata, settings, uploads)
    pub.write_csv(layout.DICTIONARY, table)
    return MaterializeResult(
        metadata={"dagster/row_count": len(table), "preview": MetadataValue.md(table.head(40).to_markdown(index=False))}
    )


@out_asset(CHANGES_KEY, kinds={"pandas", "parquet", "csv"}, fresh=False, ins={"core": AssetIn(CORE_KEY)})
def out_jsna__changes(context: AssetExecutionContext, settings: JsnaSettings, core: pd.DataFrame) -> MaterializeResult:
    pub = stage(context, settings)
    root = settings.output_root()
    previous_path = root.root / layout.region_table("parquet")
    if not previous_path.exists():
        return MaterializeResult(metadata={"changes": 0, "note": "first publication: nothing to compare with"})
    changes = compare(pd.read_parquet(previous_path), core)
    if changes.empty:
        return MaterializeResult(metadata={"changes": 0, "note": "no change since the last publication"})
    day = datetime.now(UTC).date().isoformat()
    earlier = root.root / layout.changes(day, "parquet")
    if earlier.exists():  # a second publication on the same day: keep the first one's changes too
        changes = pd.concat([pd.read_parquet(earlier), changes], ignore_index=True)
    pub.write_parquet(layout.changes(day, "parquet"), changes)
    pub.write_csv(layout.changes(day, "csv"), changes)
    return MaterializeResult(
        metadata={
            "changes": len(changes),
            "by_kind": MetadataValue.json(changes["change"].value_counts().to_dict()),
            "summary": MetadataValue.md(summary(changes).to_markdown(index=False)),
            "file": MetadataValue.path(str(root.root / layout.changes(day, "csv"))),
        }
    )
