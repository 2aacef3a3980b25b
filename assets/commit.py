"""The publication: the one step that makes a run's outputs visible, all at once.

Every published asset stages its files; this asset, downstream of all of them, commits
them together with ``manifest.json`` (``jsna.publication``). If any step of the run fails,
this one does not run and the previous publication stays exactly as it was.
"""

import json

import pandas as pd
from dagster import AssetExecutionContext, AssetIn, MaterializeResult, MetadataValue

from assets.area_packs import CHAPTER_KEY, INDEX_KEY, REPORT_KEY, SUMMARY_KEY, WORKBOOK_KEY
from assets.core import CORE_KEY
from assets.factories import out_asset
from assets.footprints import FOOTPRINT_PACK_KEY
from assets.icbs import ICB_CORE_KEY, ICB_PACK_KEY
from assets.inequalities import INEQUALITIES_KEY
from assets.neighbourhoods import NEIGHBOURHOOD_KEY
from assets.out import AREA_KEY, CHANGES_KEY, DICTIONARY_KEY, REGION_KEY
from assets.staging import PUBLICATION_KEY, clear_quiet, hold_lease, publication_id, quiet, release, unchanged
from assets.ui_metadata import provenance
from jsna import layout
from jsna.extracts import served_areas
from resources import RunContext

__all__ = ["PUBLICATION_KEY", "out_jsna__publication"]


@out_asset(
    PUBLICATION_KEY,
    kinds={"json"},
    quiet_skip=False,
    ins={"core": AssetIn(CORE_KEY), "icbs": AssetIn(ICB_CORE_KEY)},
    deps=[
        AREA_KEY,
        NEIGHBOURHOOD_KEY,
        INEQUALITIES_KEY,
        REGION_KEY,
        DICTIONARY_KEY,
        CHANGES_KEY,
        SUMMARY_KEY,
        WORKBOOK_KEY,
        REPORT_KEY,
        CHAPTER_KEY,
        INDEX_KEY,
        ICB_PACK_KEY,
        FOOTPRINT_PACK_KEY,
    ],
)
def out_jsna__publication(
    context: AssetExecutionContext,
    run: RunContext,
    core: pd.DataFrame,
    icbs: pd.DataFrame,
) -> MaterializeResult:
    hold_lease(context, run)  # still ours: no other refresh took the root over
    root = run.output_root()
    if quiet(context, run):
        root.discard(publication_id(context))
        clear_quiet(context, run)
        release(context, run)
        return unchanged(files=len(root.read_manifest().get("files", {})))
    fields = provenance(core, run)
    scope = run.scope()
    icb_slugs = [slug for _, _, slug in served_areas(icbs)]
    footprint_slugs = run.footprints().slugs
    manifest = root.commit(
        publication_id(context),
        {**fields, "launch": json.loads(run.launch)},
        data_fingerprint=fields["data_fingerprint"],
        retire=lambda relpath: layout.retired(
            relpath, scope.slugs, layout.table_dirs(scope), icb_slugs, footprint_slugs
        ),
    )
    release(context, run)
    changed = list(root.last_committed)
    removed = list(root.last_removed)
    return MaterializeResult(
        metadata={
            "files": len(manifest.get("files", {})),
            "files_replaced": len(changed),
            "replaced": MetadataValue.json(changed[:200]),
            "files_removed": len(removed),
            "removed": MetadataValue.json(removed[:200]),
            "synthetic": bool(fields["synthetic"]),
            "manifest": MetadataValue.path(str(root.manifest_path)),
        }
    )
