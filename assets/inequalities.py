"""Who within each area is worse off: the group comparisons and the gradients, computed
from the validated council and neighbourhood tables, then published per area (the
area's own rows with its region's and England's beside them) and for the scope.

``jsna.inequalities`` holds the methods; here they meet the run (its catalogue, its
areas) and the publication.
"""

import functools

import pandas as pd
from dagster import AssetExecutionContext, AssetIn, MaterializeResult, MetadataValue

from assets.core import CORE_KEY
from assets.factories import out_asset
from assets.geographies import core_asset, not_recomputed
from assets.neighbourhoods import NEIGHBOURHOOD_CORE_KEY
from assets.staging import Upstream, quiet, run_areas, stage, stage_files, table_job
from assets.ui_metadata import by_area, parquet_metadata, provenance, table_schema
from jsna import layout
from jsna.areas import ENGLAND_CODE, Scope, region_slug
from jsna.grouping import split_by
from jsna.inequalities.gradients import decile_gradients, neighbourhood_gradients
from jsna.inequalities.groups import group_rows
from jsna.workers import render_each
from resources import RunContext
from schemas.inequalities import INEQUALITIES, INEQUALITY_GRADIENTS

INEQUALITIES_CORE_KEY = "core_jsna__inequalities"
GRADIENTS_CORE_KEY = "core_jsna__inequality_gradients"
INEQUALITIES_KEY = "out_jsna__inequalities"


@core_asset(
    INEQUALITIES_CORE_KEY,
    ins={"core": AssetIn(CORE_KEY)},
    metadata={"dagster/column_schema": table_schema(INEQUALITIES)},
)
def core_jsna__inequalities(context: AssetExecutionContext, run: RunContext, core: pd.DataFrame):
    # returns MaterializeResult(value=DataFrame)
    if quiet(context, run):
        return not_recomputed(INEQUALITIES)
    ages = {i.id: i.standard_age for i in run.catalogue().indicators}
    rows = group_rows(core, ages)
    INEQUALITIES.pandera_schema().validate(rows, lazy=True)
    return MaterializeResult(
        value=rows,
        metadata={
            "dagster/row_count": len(rows),
            "by_dimension": MetadataValue.json(rows["dimension"].value_counts().sort_index().to_dict()),
            "significant": int(rows["difference"].isin(["Higher", "Lower"]).sum()),
        },
    )


@core_asset(
    GRADIENTS_CORE_KEY,
    ins={"core": AssetIn(CORE_KEY), "neighbourhoods": AssetIn(NEIGHBOURHOOD_CORE_KEY)},
    metadata={"dagster/column_schema": table_schema(INEQUALITY_GRADIENTS)},
)
def core_jsna__inequality_gradients(
    context: AssetExecutionContext, run: RunContext, core: pd.DataFrame, neighbourhoods: pd.DataFrame
):  # returns MaterializeResult(value=DataFrame)
    if quiet(context, run):
        return not_recomputed(INEQUALITY_GRADIENTS)
    measure = run.catalogue().deprivation_measure
    parts = [
        decile_gradients(core),
        neighbourhood_gradients(
            neighbourhoods, measure.id if measure else None, measure.ranks_deprivation if measure else ""
        ),
    ]
    rows = pd.concat([p for p in parts if len(p)] or parts[:1], ignore_index=True)
    INEQUALITY_GRADIENTS.pandera_schema().validate(rows, lazy=True)
    return MaterializeResult(
        value=rows,
        metadata={
            "dagster/row_count": len(rows),
            "with_sii": int(rows["sii"].notna().sum()),
            "significant": int(rows["gradient"].str.startswith(("Higher", "Lower")).sum()),
        },
    )


def _scope_tables(scope: Scope) -> list[tuple[str, set[str] | None]]:
    """The scope's table folders and the area codes each holds (None: every row), as the
    indicator table is cut: England's whole, then each region's areas, region and England."""
    tables: list[tuple[str, set[str] | None]] = [(scope.slug, None)]
    if scope.is_england:
        for region in scope.regions:
            codes = {a.code for a in scope.areas if a.region_code == region.code} | {region.code, ENGLAND_CODE}
            tables.append((region_slug(region.name), codes))
    return tables


def of_area(by_code: dict[object, pd.DataFrame], empty: pd.DataFrame, codes: tuple[str, ...]) -> pd.DataFrame:
    """An area's rows, then its region's and England's (its comparators), in that order,
    from the rows split by area (``jsna.grouping.split_by``, once for the run's areas)."""
    return pd.concat([by_code.get(code, empty.iloc[0:0]) for code in codes], ignore_index=True)


@out_asset(
    INEQUALITIES_KEY,
    kinds={"pandas", "parquet", "csv"},
    ins={"groups": AssetIn(INEQUALITIES_CORE_KEY), "gradients": AssetIn(GRADIENTS_CORE_KEY)},
    metadata={"dagster/column_schema": table_schema(INEQUALITIES)},
)
def out_jsna__inequalities(
    context: AssetExecutionContext, run: RunContext, groups: Upstream, gradients: Upstream
) -> MaterializeResult:
    pub = stage(context, run)
    scope = run.scope()
    fields = provenance(groups, run)
    synthetic = bool(fields["synthetic"])
    meta = parquet_metadata(fields)
    jobs, counts = [], []
    slugs = run_areas(context, run)
    # The run's areas, each beside its region and England.
    wanted = scope.codes_with_comparators(slugs)
    groups_of, gradients_of = split_by(groups, only=wanted), split_by(gradients, only=wanted)
    for slug in slugs:
        area = scope.area_for_slug(slug)
        codes = area.with_comparators
        files = layout.area(slug, synthetic)
        # The area's own groups (every area's, its region's and England's are in the scope's
        # table); its gradients with its region's and England's beside them, to read against.
        mine, slopes = of_area(groups_of, groups, codes[:1]), of_area(gradients_of, gradients, codes)
        jobs += [table_job(INEQUALITIES, mine, files.inequalities, meta),
                 table_job(INEQUALITY_GRADIENTS, slopes, files.gradients, meta)]  # fmt: skip
        counts.append({"slug": slug, "group_rows": len(mine), "gradient_rows": len(slopes)})
    for slug, codes in _scope_tables(scope):
        for stem, spec, rows in (("inequalities", INEQUALITIES, groups),
                                 ("inequality_gradients", INEQUALITY_GRADIENTS, gradients)):  # fmt: skip
            path = functools.partial(layout.region_table, synthetic=synthetic, scope=slug, stem=stem)
            jobs.append(table_job(spec, rows if codes is None else rows[rows["area_code"].isin(codes)], path, meta))
    for files in render_each(jobs):
        stage_files(pub, files)
    return MaterializeResult(
        metadata={
            "dagster/row_count": len(groups),
            "gradient_rows": len(gradients),
            "by_area": by_area(counts),
        }
    )
