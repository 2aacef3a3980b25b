"""Assets tested on their own, with ``materialize``: the raw and core layers against the
sample API, and pack assets fed their inputs directly (no published file to read)."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster import materialize

from assets.area_packs import out_jsna__area_summary, out_jsna__area_workbook
from assets.core import core_jsna__england_headline, core_jsna__indicator_values
from assets.inequalities import core_jsna__inequalities, core_jsna__inequality_gradients
from assets.neighbourhoods import core_jsna__neighbourhood_values
from assets.out import out_jsna__data_dictionary
from assets.raw_data import raw_fingertips__indicator_data
from assets.raw_metadata import raw_fingertips__indicator_metadata
from assets.staging import PUBLICATION_TAG
from jsna import layout
from jsna.sample_api.server import SampleApiState, running_sample_api
from pipelines.environment import Launch
from resources.storage import ParquetIOManager
from schemas import QUARANTINE, SUMMARY

RAW_AND_CORE = [
    raw_fingertips__indicator_metadata,
    raw_fingertips__indicator_data,
    core_jsna__indicator_values,
    core_jsna__england_headline,
    core_jsna__neighbourhood_values,
    core_jsna__inequalities,
    core_jsna__inequality_gradients,
]
PUBLICATION = "asset-tests"


pytestmark = pytest.mark.usefixtures("ephemeral_dagster")


@pytest.fixture(scope="module")
def upstream(tmp_path_factory):
    """The raw and core layers materialised on their own against the sample API."""
    out = tmp_path_factory.mktemp("assets") / "out"
    with running_sample_api(SampleApiState()) as server:
        launch = Launch.load().with_flags(api_url=server.base_url, output_dir=str(out))
        result = materialize(RAW_AND_CORE, resources=launch.resources(), tags={PUBLICATION_TAG: PUBLICATION})
    return out, launch, result


def stored(frame: pd.DataFrame, io, key: str, launch: str) -> None:  # noqa: ANN001
    """An upstream table as the IO manager keeps it, computed by ``launch``."""
    io.mkdir(exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(
        table.replace_schema_metadata({**table.schema.metadata, b"jsna:launch": launch.encode()}), io / f"{key}.parquet"
    )


def resources_with_io(launch: Launch, base, areas: tuple[str, ...]) -> dict:  # noqa: ANN001
    return {**launch.with_flags(areas=areas).resources(), "io_manager": ParquetIOManager(base_dir=str(base))}


def alone(asset, upstream, launch: Launch, io, areas: tuple[str, ...] = (), **kwargs):  # noqa: ANN001, ANN201
    """Materialise one asset for ``areas`` (all when none); its upstream assets are only
    loaded (from ``io``), not run."""
    resources = resources_with_io(launch, io, areas)
    return materialize([asset, *upstream], selection=[asset.key], resources=resources, **kwargs)


def refusal(run) -> str:  # noqa: ANN001
    """The one-line reason a run failed with (it must have failed)."""
    assert not run.success
    return next(e for e in run.all_events if e.is_step_failure).step_failure_data.error.message


def test_core_alone_validates_and_stages_but_publishes_nothing(upstream):
    out, _, result = upstream
    assert result.success
    core = result.output_for_node("core_jsna__indicator_values")
    assert core["area_code"].nunique() == 35  # 33 boroughs, London, England
    assert not core.duplicated(["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"]).any()
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["rows_valid"] is True
    staged = out / ".staging" / PUBLICATION / layout.quarantine("parquet")
    quarantine = pd.read_parquet(staged)
    assert list(quarantine.columns) == list(QUARANTINE.column_names) and quarantine.empty
    assert not (out / layout.MANIFEST).exists()  # staged only: the commit is another asset's


def test_summary_for_one_area_from_its_input(upstream, tmp_path):
    out, resources, result = upstream
    core = result.output_for_node("core_jsna__indicator_values")
    stored(core, tmp_path / "io", "core_jsna__indicator_values", "summary-alone")
    metadata = result.output_for_node("raw_fingertips__indicator_metadata")
    stored(metadata, tmp_path / "io", "raw_fingertips__indicator_metadata", "summary-alone")
    england = result.output_for_node("core_jsna__england_headline")
    stored(england, tmp_path / "io", "core_jsna__england_headline", "summary-alone")
    run = alone(
        out_jsna__area_summary,
        RAW_AND_CORE,
        resources,
        tmp_path / "io",
        areas=("southwark",),
        tags={PUBLICATION_TAG: "summary-alone"},
    )
    assert run.success
    every_area = run.output_for_node("out_jsna__area_summary")
    assert every_area["area_code"].nunique() == 33  # ranks need every borough
    # Ranked in England too, from the same answer (every area of the type in England).
    councils = len(SampleApiState().areas())  # the councils the sample API serves in England
    assert england["area_code"].nunique() >= councils and every_area["england_ranked_areas"].max() > 33
    staged = out / ".staging" / "summary-alone"
    files = {p.relative_to(staged).as_posix() for p in staged.rglob("summary*")}
    synthetic = layout.area("southwark", synthetic=True)  # the sample API's data: CSV names say so
    assert files == {synthetic.summary("csv"), synthetic.summary("parquet")}
    southwark = pd.read_parquet(staged / layout.area("southwark").summary())
    SUMMARY.pandera_schema().validate(southwark)
    materialized = run.asset_materializations_for_node("out_jsna__area_summary")[0]
    (record,) = materialized.metadata["by_area"].value.records
    assert record.data == {"slug": "southwark", "rows": len(southwark)}


def test_workbook_is_built_from_its_inputs_alone(upstream, tmp_path):
    """No published or staged file is read: core, inequalities, summaries and dictionary are inputs."""
    out, resources, result = upstream
    core = result.output_for_node("core_jsna__indicator_values")
    io = tmp_path / "io"
    stored(core, io, "core_jsna__indicator_values", "workbook-alone")
    metadata = result.output_for_node("raw_fingertips__indicator_metadata")
    stored(metadata, io, "raw_fingertips__indicator_metadata", "workbook-alone")
    for key in ("core_jsna__england_headline", "core_jsna__inequalities", "core_jsna__inequality_gradients"):
        stored(result.output_for_node(key), io, key, "workbook-alone")
    tags = {PUBLICATION_TAG: "workbook-alone"}
    raw = RAW_AND_CORE
    assert alone(out_jsna__data_dictionary, raw, resources, io, tags=tags).success
    assert alone(out_jsna__area_summary, raw, resources, io, areas=("lewisham",), tags=tags).success
    staged = out / ".staging" / "workbook-alone"
    for path in staged.rglob("*"):  # nothing on disk for the workbook step to read
        if path.is_file() and ".control" not in path.parts:
            path.unlink()
    upstream_assets = [*RAW_AND_CORE, out_jsna__area_summary, out_jsna__data_dictionary]
    run = alone(out_jsna__area_workbook, upstream_assets, resources, io, areas=("lewisham",), tags=tags)
    assert run.success
    assert (staged / layout.area("lewisham").workbook).stat().st_size > 0


def test_a_publishing_asset_alone_is_refused_in_one_line(upstream, tmp_path):
    _, resources, result = upstream
    io = tmp_path / "io"
    stored(result.output_for_node("core_jsna__indicator_values"), io, "core_jsna__indicator_values", "earlier")
    run = alone(
        out_jsna__area_summary,
        RAW_AND_CORE,
        resources,
        io,
        areas=("southwark",),
        raise_on_error=False,
    )
    assert "publishes only together with out_jsna__publication" in refusal(run)


def test_a_table_kept_from_an_earlier_launch_is_refused(upstream, tmp_path):
    """The commit is selected, but core was not: the stored core is an earlier launch's
    and could be stale, so nothing is built from it."""
    _, resources, result = upstream
    io = tmp_path / "io"
    stored(result.output_for_node("core_jsna__indicator_values"), io, "core_jsna__indicator_values", "last-night")
    metadata = result.output_for_node("raw_fingertips__indicator_metadata")
    stored(metadata, io, "raw_fingertips__indicator_metadata", "tonight")
    stored(result.output_for_node("core_jsna__england_headline"), io, "core_jsna__england_headline", "tonight")
    run = alone(
        out_jsna__area_summary,
        RAW_AND_CORE,
        resources,
        io,
        areas=("southwark",),
        tags={PUBLICATION_TAG: "tonight"},
        raise_on_error=False,
    )
    assert "needs core computed in the same launch" in refusal(run)
