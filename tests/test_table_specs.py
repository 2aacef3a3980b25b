"""Every published table against its one description (``schemas``), as PUDL tests its
metadata: the spec is coherent, and what is published is exactly what it says."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pyarrow.parquet as pq
import pytest

from jsna import layout
from jsna.sample_api.server import SampleApiState, running_sample_api
from schemas import (
    CHANGES,
    FOOTPRINT_VALUES,
    INDICATOR_VALUES,
    INEQUALITIES,
    INEQUALITY_GRADIENTS,
    NEIGHBOURHOOD_VALUES,
    PUBLISHED,
    QUARANTINE,
    SUMMARY,
)
from schemas.spec import TableSpec
from tests.pipeline_helpers import refresh

SPECS = list(PUBLISHED.values())
TYPES = {"string", "int64", "Int64", "float64", "timestamp[UTC]"}


pytestmark = pytest.mark.usefixtures("ephemeral_dagster")


@pytest.fixture(scope="module")
def publication(tmp_path_factory):
    """Two refreshes of two boroughs with an upstream revision between them and a footprint,
    so that every table (changes and footprint_values too) is published."""
    out = tmp_path_factory.mktemp("specs")
    footprints = out.parent / "specs-footprints.yaml"
    footprints.write_text("footprints:\n  - {slug: two, name: Two boroughs, members: [E09000028, E09000023]}\n")
    mp = pytest.MonkeyPatch()
    mp.delenv("DAGSTER_HOME", raising=False)
    try:
        with running_sample_api(SampleApiState()) as server:
            boroughs = ("--borough", "southwark", "lewisham", "--footprints", str(footprints))
            assert refresh(server.base_url, out, *boroughs) == 0
            server.state.revisions = {41001: 1}
            assert refresh(server.base_url, out, *boroughs) == 0
    finally:
        mp.undo()
    return out


def spec_of(relpath: str) -> TableSpec:
    """Which table a published Parquet file holds, from where it is published."""
    if relpath.startswith(f"{layout.CHANGES_DIR}/"):
        return CHANGES
    if relpath.startswith(f"{layout.QUARANTINE_DIR}/"):
        return QUARANTINE
    if relpath.startswith(f"{layout.FOOTPRINTS_DIR}/") and relpath.endswith("/indicator_values.parquet"):
        return FOOTPRINT_VALUES
    tables = {"indicator_values.parquet": INDICATOR_VALUES, "summary.parquet": SUMMARY,
              "neighbourhoods.parquet": NEIGHBOURHOOD_VALUES, "inequalities.parquet": INEQUALITIES,
              "inequality_gradients.parquet": INEQUALITY_GRADIENTS}  # fmt: skip
    return tables[relpath.rsplit("/", 1)[-1]]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_spec_is_complete(spec: TableSpec):
    assert spec.description.strip()
    for column in spec.columns:
        assert column.description.strip(), f"{spec.name}.{column.name} has no description"
        assert column.type in TYPES, f"{spec.name}.{column.name}: unknown type {column.type}"
    for name in spec.primary_key:
        assert not next(c for c in spec.columns if c.name == name).nullable, f"{spec.name}: key {name} nullable"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_schemas_and_dictionary_come_from_the_spec(spec: TableSpec):
    assert list(spec.pandera_schema().columns) == list(spec.column_names)
    assert spec.arrow_schema().names == list(spec.column_names)
    rows = spec.dictionary_rows()
    assert [r["name"] for r in rows if r["section"] == "column"] == list(spec.column_names)
    # An empty table of the right types is valid; a column too many is not (strict).
    empty = pd.DataFrame({n: pd.Series(dtype=t) for n, t in spec.dtypes().items()})
    spec.pandera_schema().validate(empty)
    with pytest.raises((pa.errors.SchemaError, pa.errors.SchemaErrors)):
        spec.pandera_schema().validate(empty.assign(unexpected=pd.Series(dtype="string")))


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_allowed_values_are_enforced(spec: TableSpec):
    for column in (c for c in spec.columns if c.allowed):
        check = spec.pandera_schema().columns[column.name]
        bad = pd.Series(["not an allowed value"], dtype="string")
        with pytest.raises((pa.errors.SchemaError, pa.errors.SchemaErrors)):
            check.validate(bad.to_frame(column.name))


def test_every_published_parquet_file_is_its_spec(publication):
    files = sorted(p.relative_to(publication).as_posix() for p in publication.rglob("*.parquet"))
    files = [f for f in files if not f.startswith(".")]
    kinds = {spec_of(f).name for f in files}
    assert kinds == {
        "indicator_values",
        "neighbourhood_values",
        "inequalities",
        "inequality_gradients",
        "footprint_values",
        "summary",
        "changes",
        "quarantine",
    }, kinds
    for relpath in files:
        spec = spec_of(relpath)
        schema = pq.read_schema(publication / relpath)
        assert schema.remove_metadata() == spec.arrow_schema(), relpath  # written with the spec, not inferred
        assert b"jsna:launch" not in schema.metadata[b"pandas"], relpath  # no internal bookkeeping published
        spec.pandera_schema().validate(pd.read_parquet(publication / relpath), lazy=True)


def test_every_published_column_is_in_the_dictionary(publication):
    dictionary = pd.read_csv(
        publication / layout.dictionary("csv", synthetic=True), dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    columns = dictionary[dictionary["section"] == "column"]
    described = set(zip(columns["table"], columns["name"], strict=True))
    for path in (p for p in publication.rglob("*.parquet") if not p.relative_to(publication).as_posix()[0] == "."):
        spec = spec_of(path.relative_to(publication).as_posix())
        missing = {n for n in pq.read_schema(path).names if (spec.name, n) not in described}
        assert not missing, f"{path.name}: {sorted(missing)} not in {layout.DICTIONARY}"
    for name in ("label", "region_quintile", "quintile_basis", "comparison_source"):
        assert ("summary", name) in described
    assert set(dictionary.loc[dictionary["section"] == "table", "name"]) == set(PUBLISHED)
    # The dictionary describes itself too.
    assert list(dictionary.columns) == list(PUBLISHED["data_dictionary"].column_names)


def test_summary_ranks_are_whole_numbers(publication):
    summary = pd.read_parquet(publication / layout.area("southwark").summary())
    assert str(summary["rank"].dtype) == "Int64"
    ranked = summary["rank"].dropna()
    assert len(ranked) and (ranked >= 1).all() and (ranked <= summary["ranked_areas"].dropna().max()).all()
    csv = pd.read_csv(
        publication / layout.area("southwark", synthetic=True).summary("csv"), dtype=str, encoding="utf-8-sig"
    )
    assert csv["rank"].dropna().str.fullmatch(r"\d+").all()  # a rank reads 3, not 3.0
