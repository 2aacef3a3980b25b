"""Out layer: the files commissioners and analysts download.

``areas/<slug>/indicator_values.{parquet,csv}`` (every area of the scope in one run),
``london/indicator_values.{parquet,csv}``, ``data_dictionary.csv``
and ``manifest.json`` (kept by ``jsna.publication``). Every write goes through a
publication, so readers never see half a file.
"""

import functools
from datetime import UTC, datetime

import pandas as pd
from dagster import (
    AssetExecutionContext,
    AssetIn,
    MaterializeResult,
    MetadataValue,
)

from assets.core import CORE_KEY
from assets.descriptions import FILES
from assets.factories import out_asset
from assets.raw import META_KEY
from assets.staging import Upstream, run_areas, stage, stage_files, table_job, write_table
from assets.ui_metadata import by_area, parquet_metadata, provenance, synthetic_data, table_schema
from jsna import layout, progress
from jsna.areas import ENGLAND_CODE, region_slug
from jsna.changes import compare, summary
from jsna.extracts import COUNCILS
from jsna.grouping import split_by
from jsna.pack.display import DEFAULT_DECIMALS, decimals_by_indicator
from jsna.preview import preview_markdown
from jsna.workers import render_each
from resources import RunContext
from schemas import CHANGES, DATA_DICTIONARY, INDICATOR_VALUES, PUBLISHED

AREA_KEY = "out_jsna__area_indicator_values"
REGION_KEY = "out_jsna__region_indicator_values"
DICTIONARY_KEY = "out_jsna__data_dictionary"
SORT = ["domain", "indicator_id", "area_code", "sex", "age", "category_type", "category", "period_sortable"]


CHANGES_KEY = "out_jsna__changes"


def rows_by_area(core: pd.DataFrame, only: list[str]) -> dict[str, pd.DataFrame]:
    """These areas' rows of the core table, in the published order: one sort for all."""
    mine = core[core["area_code"].isin(only)]  # a run of named areas sorts their rows alone
    return split_by(mine.sort_values(SORT, kind="stable"))


@out_asset(
    AREA_KEY,
    kinds={"pandas", "parquet", "csv"},
    ins={"core": AssetIn(CORE_KEY)},
    metadata={"dagster/column_schema": table_schema()},
)
def out_jsna__area_indicator_values(
    context: AssetExecutionContext, run: RunContext, core: Upstream
) -> MaterializeResult:
    pub = stage(context, run)
    region = run.scope()
    root = run.output_root()
    fields = provenance(core, run)
    slugs = run_areas(context, run)
    codes = region.codes_of(slugs)
    rows_of = rows_by_area(core, codes)
    areas = [(slug, rows_of.get(code, core.iloc[0:0])) for slug, code in zip(slugs, codes, strict=True)]
    meta = parquet_metadata(fields)
    # Rows of the core table, validated whole before any of them reached here.
    jobs = [
        table_job(INDICATOR_VALUES, rows, layout.area(slug, fields["synthetic"]).table, meta) for slug, rows in areas
    ]
    for n, files in enumerate(render_each(jobs), start=1):
        stage_files(pub, files)
        # Progress goes to the command line only: a log line per area is an event in the
        # run's storage (one SQLite commit each), which cost more than writing the area.
        progress.report("areas written", n, len(slugs))
    counts = {slug: len(rows) for slug, rows in areas}

    def csv_of(slug: str) -> str:
        return layout.area(slug, fields["synthetic"]).table("csv")

    metadata: dict[str, object] = {
        "dagster/row_count": sum(counts.values()),
        "by_area": by_area(
            [
                {
                    "area": region.area_for_slug(s).name,
                    "slug": s,
                    "rows": counts[s],
                    "file": csv_of(s),
                }
                for s in slugs
            ]
        ),
        "rows_by_area": MetadataValue.json(counts),
        "source": fields["source"],
        "output_dir": MetadataValue.path(str(root.root / layout.AREAS_DIR)),
    }
    if areas:  # the first area's rows as they are published (every area's count is in by_area)
        metadata["preview"] = MetadataValue.md(preview_markdown(areas[0][1]))
    return MaterializeResult(metadata=metadata)


@out_asset(
    REGION_KEY,
    kinds={"pandas", "parquet", "csv"},
    ins={"core": AssetIn(CORE_KEY)},
    deps=[CHANGES_KEY],  # the change table reads the previous publication before it is replaced
    metadata={"dagster/column_schema": table_schema()},
)
def out_jsna__region_indicator_values(
    context: AssetExecutionContext, run: RunContext, core: Upstream
) -> MaterializeResult:
    pub = stage(context, run)
    fields = provenance(core, run)
    scope = run.scope()
    rows = core.sort_values(SORT, kind="stable").reset_index(drop=True)
    synthetic = bool(fields["synthetic"])
    tables = {scope.slug: rows}
    if scope.is_england:  # and one table per region: its areas, the region and England
        for region in scope.regions:
            mine = rows["area_code"].isin({a.code for a in scope.areas if a.region_code == region.code})
            tables[region_slug(region.name)] = rows[mine | rows["area_code"].isin([region.code, ENGLAND_CODE])]
    meta = parquet_metadata(fields)
    jobs = [
        table_job(
            INDICATOR_VALUES, table, functools.partial(layout.region_table, synthetic=synthetic, scope=slug), meta
        )
        for slug, table in tables.items()
    ]
    for files in render_each(jobs, areas=len(scope.areas)):  # England's ten tables on both cores
        stage_files(pub, files)
    counts = {slug: len(table) for slug, table in tables.items()}
    return MaterializeResult(
        metadata={
            "rows_by_table": MetadataValue.json(counts),
            "dagster/row_count": len(rows),
            "source": fields["source"],
            "preview": MetadataValue.md(
                preview_markdown(rows[rows["area_code"].isin([r.code for r in scope.regions])])
            ),
        }
    )


def data_dictionary(
    core: pd.DataFrame,
    metadata: pd.DataFrame,
    run: RunContext,
    uploads: dict[int, str | None] | None = None,
    served_by_extract: dict[str, set[int]] | None = None,
) -> pd.DataFrame:
    """Every published table and its columns (from the table specs), every other published
    file, then every catalogue indicator with its metadata and domain.

    ``uploads`` are the upload times of the data actually held (a refused answer keeps
    the older data, so the metadata's newer upload time would not describe it)."""
    specs = [row for spec in PUBLISHED.values() for row in spec.dictionary_rows()]
    files = [
        {"section": "file", "name": path, "label": key, "description": what} for key, (path, what) in FILES.items()
    ]
    meta = metadata.assign(indicator_id=metadata["indicator_id"].astype("int64")).set_index("indicator_id")
    decimals = decimals_by_indicator(metadata)
    rows = []
    served = set(core["indicator_id"].unique())
    extracts = {e.name: e for e in run.extracts()}
    catalogue = run.catalogue()
    for ind in (*catalogue.indicators, *catalogue.neighbourhoods):
        by_type = [
            f"{e.child_area_type_id} {name}: {'yes' if ind.id in (served_by_extract or {}).get(name, set()) else 'no'}"
            for name, e in extracts.items()
            if ind.id in e.ids
        ]
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
                "display_decimals": str(decimals.get(ind.id, DEFAULT_DECIMALS)),
                "value_type": m.get("value_type", ""),
                "year_type": m.get("year_type", ""),
                "polarity": m.get("polarity", ""),
                "data_source": m.get("data_source", ""),
                "frequency": m.get("frequency", ""),
                "last_uploaded_at": (uploads.get(ind.id) if uploads is not None else m.get("last_uploaded_at")) or "",
                "source": m.get("source", ""),
                "has_data": "yes"
                if ind.id in served or any(ind.id in s for s in (served_by_extract or {}).values())
                else "no",
                "has_data_by_area_type": "; ".join(by_type),
            }
        )
    table = pd.DataFrame([*specs, *files, *rows])
    return table.reindex(columns=list(DATA_DICTIONARY.column_names)).fillna("").astype("string")


@out_asset(
    DICTIONARY_KEY,
    kinds={"pandas", "csv"},
    ins={"core": AssetIn(CORE_KEY), "raw_metadata": AssetIn(META_KEY)},
    metadata={"dagster/column_schema": table_schema(DATA_DICTIONARY)},
)
def out_jsna__data_dictionary(
    context: AssetExecutionContext,
    run: RunContext,
    core: Upstream,
    raw_metadata: Upstream,
) -> MaterializeResult:
    pub = stage(context, run)
    stores = run.raw_stores()
    held = stores[COUNCILS].state()["indicators"]
    uploads = {int(i): entry.get("last_uploaded_at") for i, entry in held.items()}
    for name, store in stores.items():  # an MSOA indicator's upload time is its neighbourhood data's
        if name != COUNCILS:
            extra = store.state()["indicators"]
            uploads |= {int(i): e.get("last_uploaded_at") for i, e in extra.items() if int(i) not in uploads}
    served_by_extract = {
        name: {int(i) for i, entry in store.state()["indicators"].items() if entry.get("rows")}
        for name, store in stores.items()
    }
    synthetic = synthetic_data(core, run)
    table = write_table(
        pub,
        DATA_DICTIONARY,
        data_dictionary(core, raw_metadata, run, uploads, served_by_extract),
        functools.partial(layout.dictionary, synthetic=synthetic),
        suffixes=("csv",),
    )
    return MaterializeResult(
        value=table,  # the workbook's Dictionary sheet
        metadata={
            "dagster/row_count": len(table),
            "preview": MetadataValue.md(table.head(40).to_markdown(index=False)),
        },
    )


@out_asset(
    CHANGES_KEY,
    kinds={"pandas", "parquet", "csv"},
    fresh=False,
    ins={"core": AssetIn(CORE_KEY)},
    metadata={"dagster/column_schema": table_schema(CHANGES)},
)
def out_jsna__changes(context: AssetExecutionContext, run: RunContext, core: Upstream) -> MaterializeResult:
    pub = stage(context, run)
    root = run.output_root()
    previous_path = root.root / layout.region_table("parquet", scope=run.scope().slug)
    if not previous_path.exists():
        return MaterializeResult(metadata={"changes": 0, "note": "first publication: nothing to compare with"})
    changes = compare(pd.read_parquet(previous_path), core)
    if changes.empty:
        return MaterializeResult(metadata={"changes": 0, "note": "no change since the last publication"})
    day = datetime.now(UTC).date().isoformat()
    earlier = root.root / layout.changes(day, "parquet")
    if earlier.exists():  # a second publication on the same day: keep the first one's changes too
        changes = pd.concat([pd.read_parquet(earlier), changes], ignore_index=True)
    synthetic = synthetic_data(core, run)
    changes = write_table(pub, CHANGES, changes, functools.partial(layout.changes, day, synthetic=synthetic))
    return MaterializeResult(
        metadata={
            "changes": len(changes),
            "by_kind": MetadataValue.json(changes["change"].value_counts().to_dict()),
            "summary": MetadataValue.md(summary(changes).to_markdown(index=False)),
            "file": MetadataValue.path(str(root.root / layout.changes(day, "csv", synthetic))),
        }
    )
