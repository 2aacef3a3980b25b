"""The Dagster ``Definitions``: every asset, check, job, schedule and resource.

Loading them reads the environment (``pipelines.environment``) and nothing else: no
network, no state folder. What areas a run covers is worked out by the run itself."""

from __future__ import annotations

from dagster import AssetsDefinition, Definitions, in_process_executor

from assets.area_packs import (
    out_jsna__area_chapter,
    out_jsna__area_report,
    out_jsna__area_summary,
    out_jsna__area_workbook,
)
from assets.commit import out_jsna__publication
from assets.core import core_jsna__england_headline, core_jsna__indicator_values
from assets.footprints import out_jsna__footprint_pack
from assets.icbs import core_jsna__icb_values, out_jsna__icb_pack
from assets.index import out_jsna__index
from assets.inequalities import (
    core_jsna__inequalities,
    core_jsna__inequality_gradients,
    out_jsna__inequalities,
)
from assets.neighbourhoods import core_jsna__neighbourhood_values, out_jsna__neighbourhood_values
from assets.out import (
    out_jsna__area_indicator_values,
    out_jsna__changes,
    out_jsna__data_dictionary,
    out_jsna__region_indicator_values,
)
from assets.raw_data import raw_fingertips__indicator_data
from assets.raw_metadata import raw_fingertips__indicator_metadata
from pipelines.environment import Launch
from pipelines.jobs import refresh_all
from pipelines.schedules import nightly_refresh

ALL_ASSETS = [
    raw_fingertips__indicator_metadata,
    raw_fingertips__indicator_data,
    core_jsna__indicator_values,
    core_jsna__england_headline,
    core_jsna__neighbourhood_values,
    core_jsna__icb_values,
    core_jsna__inequalities,
    core_jsna__inequality_gradients,
    out_jsna__area_indicator_values,
    out_jsna__neighbourhood_values,
    out_jsna__inequalities,
    out_jsna__region_indicator_values,
    out_jsna__data_dictionary,
    out_jsna__changes,
    out_jsna__area_summary,
    out_jsna__area_workbook,
    out_jsna__area_report,
    out_jsna__area_chapter,
    out_jsna__index,
    out_jsna__icb_pack,
    out_jsna__footprint_pack,
    out_jsna__publication,
]


def with_banner(assets: list[AssetsDefinition], banner: str) -> list[AssetsDefinition]:
    """Every asset's description led by a banner (``JSNA_UI_BANNER``): ``make ui-sample``
    says there that what the UI shows is synthetic sample data. Plain words, no Markdown: the
    UI's asset catalogue shows a description's text as it is, so ``**`` would be read literally."""
    if not banner:
        return assets
    return [
        a.map_asset_specs(lambda spec: spec.replace_attributes(description=f"{banner} {spec.description or ''}"))
        for a in assets
    ]


def build_definitions(launch: Launch | None = None, **flags: object) -> Definitions:
    """Definitions for a launch's settings (the CLI's, a test's), else the environment's
    (``dagster dev``: the UI and the schedule), with ``flags`` (``Launch`` fields) over them."""
    launch = (launch or Launch.load()).with_flags(**flags)
    return Definitions(
        # Every step of a run in one process, as the CLI runs them: a run of the UI or the schedule
        # takes about as long as jsna refresh, not a process start per step (the pack has its own
        # worker pool for the large scopes), and reads each upstream table once.
        executor=in_process_executor,
        assets=with_banner(ALL_ASSETS, launch.ui_banner),
        jobs=[refresh_all],
        schedules=[nightly_refresh],
        resources=launch.resources(),  # type: ignore[arg-type]
    )


defs = build_definitions()
