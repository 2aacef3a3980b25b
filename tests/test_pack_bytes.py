"""The pack is a pure function of the published data: rebuilt from the published tables,
an area's report and workbook are the published files byte for byte, in a process with
another hash seed too (so nothing depends on set or dict order). An unchanged refresh can
therefore leave them untouched, and the fast writers are checked against what was
published, not against themselves."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

from jsna import layout
from jsna.areas import ENGLAND_CODE
from jsna.catalogue import load_catalogue
from jsna.pack.inequality_findings import AreaInequalities, Labels, inequality_findings, latest
from jsna.pack.report import ReportPack, area_report, region_ranges, trend_lines
from jsna.pack.sheet_rows import rows_xml, value_body
from jsna.pack.workbook import build_workbook

ROOT = Path(__file__).resolve().parent.parent
AREAS = ("southwark", "city-of-london", "westminster")


def _summaries(out: Path) -> pd.DataFrame:
    """Every area's published summary with its area code (from its own table)."""
    parts = []
    for folder in sorted((out / layout.AREAS_DIR).iterdir()):
        code = pd.read_parquet(folder / "indicator_values.parquet", columns=["area_code"])["area_code"].iloc[0]
        parts.append(pd.read_parquet(folder / "summary.parquet").assign(area_code=code))
    return pd.concat(parts, ignore_index=True)


def provenance(path: Path) -> dict[str, str]:
    """The provenance a published Parquet file carries (``jsna:`` key/value metadata)."""
    metadata = pq.read_schema(path).metadata or {}
    return {k.decode()[5:]: v.decode() for k, v in metadata.items() if k.startswith(b"jsna:")}


def report_pack_of(out: Path, slug: str, *, neighbourhoods: bool = True) -> ReportPack:
    """What the area's report (and, without ``neighbourhoods``, its chapter) is made of,
    from the published tables only."""
    files = layout.area(slug, synthetic=True)
    summary = pd.read_parquet(out / files.summary("parquet"))
    data = pd.read_parquet(out / files.table("parquet"))
    scope = pd.read_parquet(out / layout.region_table("parquet", scope="london"))
    key_ids = [i.id for i in load_catalogue().indicators if i.key]
    first = data.iloc[0]
    return ReportPack(
        first["area_name"],
        slug,
        summary,
        region_ranges(_summaries(out))[first["region_code"]],
        trend_lines(scope[(scope["category"] == "") & scope["indicator_id"].isin(key_ids)]),
        key_ids,
        area_code=first["area_code"],
        region_code=first["region_code"],
        england_code=ENGLAND_CODE,
        retrieved_at=provenance(out / files.table("parquet"))["retrieved_at"],
        synthetic=True,
        region_name=first["region_name"],
        neighbourhoods=pd.read_parquet(out / files.neighbourhoods("parquet")) if neighbourhoods else None,
        neighbourhood_labels=_neighbourhood_labels(out),
        inequalities=_inequalities(out, slug),
        labels=_labels(out),
    )


def report_of(out: Path, slug: str) -> bytes:
    """The area's report, made again from the published tables only."""
    return area_report(report_pack_of(out, slug)).encode("utf-8")


def _neighbourhood_labels(out: Path) -> dict[int, tuple[str, int]]:
    """Each neighbourhood indicator's label and display decimals, from the dictionary."""
    ids = set(load_catalogue().neighbourhood_ids)
    return {i: label for i, label in _labels(out).items() if i in ids}


def _labels(out: Path) -> dict[int, tuple[str, int]]:
    """Every catalogue indicator's label and display decimals, from the dictionary."""
    dictionary = pd.read_csv(out / layout.dictionary("csv", True), keep_default_na=False, encoding="utf-8-sig")
    rows = dictionary[dictionary["section"] == "indicator"].set_index("name")
    catalogue = load_catalogue()
    return {i.id: (i.label, int(rows.loc[str(i.id), "display_decimals"]))
            for i in (*catalogue.indicators, *catalogue.neighbourhoods)}  # fmt: skip


def _inequalities(out: Path, slug: str, *, own: bool = False) -> AreaInequalities:
    """The area's published groups and gradients (``own``: its own rows alone, as its
    workbook shows them, each breakdown's latest period, with their sentences)."""
    files = layout.area(slug, synthetic=True)
    groups = pd.read_parquet(out / files.inequalities("parquet"))
    gradients = pd.read_parquet(out / files.gradients("parquet"))
    if not own:
        return AreaInequalities(groups, gradients)
    code = groups["area_code"].iloc[0]
    gradients = gradients[gradients["area_code"] == code].reset_index(drop=True)
    name = groups["area_name"].iloc[0]
    said = inequality_findings(groups, gradients, code, name, Labels(_labels(out)))
    return AreaInequalities(latest(groups, ["indicator_id", "dimension", "category_type"]), gradients, tuple(said))


def workbook_of(out: Path, slug: str) -> bytes:
    """The area's workbook, made again from its published tables and the dictionary."""
    files = layout.area(slug, synthetic=True)
    data = pd.read_parquet(out / files.table("parquet"))
    summary = pd.read_parquet(out / files.summary("parquet"))
    dictionary = pd.read_csv(out / layout.dictionary("csv", True), keep_default_na=False, encoding="utf-8-sig")
    fields = provenance(out / files.table("parquet"))
    return build_workbook(
        data["area_name"].iloc[0],
        summary,
        data,
        dictionary,
        api_base_url=fields["api_base_url"],
        retrieved_at=fields["retrieved_at"],
        synthetic=True,
        inequalities=_inequalities(out, slug, own=True),
    )


@pytest.mark.parametrize("slug", AREAS)
def test_report_rebuilt_from_published_tables_is_the_published_file(published, slug):
    out, _ = published
    assert report_of(out, slug) == (out / layout.area(slug).report).read_bytes()


def test_workbook_rebuilt_from_published_tables_holds_the_published_cells(published):
    """Byte for byte where the dictionary read back from CSV keeps its types; always cell
    for cell (value, type and number format)."""
    out, _ = published
    rebuilt = openpyxl.load_workbook(io.BytesIO(workbook_of(out, "southwark")))
    book = openpyxl.load_workbook(out / layout.area("southwark").workbook)
    assert rebuilt.sheetnames == book.sheetnames
    for name in ("Key findings", "Summary", "Inequalities", "Gradients", "Data"):
        for mine, theirs in zip(rebuilt[name].iter_rows(), book[name].iter_rows(), strict=True):
            for a, b in zip(mine, theirs, strict=True):
                assert (a.value, type(a.value), a.number_format) == (b.value, type(b.value), b.number_format)


def test_pack_bytes_do_not_depend_on_the_hash_seed(published):
    out, _ = published
    script = (
        "import hashlib, sys\n"
        "from pathlib import Path\n"
        "from tests.test_pack_bytes import report_of, workbook_of\n"
        "out = Path(sys.argv[1])\n"
        "print(*(hashlib.sha256(f(out, 'southwark')).hexdigest() for f in (report_of, workbook_of)))\n"
    )
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", script, str(out)], capture_output=True, text=True, env=env, cwd=ROOT, check=True
        )
        digests.add(done.stdout.strip().splitlines()[-1])
    assert len(digests) == 1, digests


def test_sheet_rows_keep_every_double_exactly():
    values = [0.1, 1 / 3, 2.675, 1e-300, 5e-324, 1.7976931348623157e308, 123456789.12345679, -0.0, 35219.0]
    frame = pd.DataFrame({"v": values, "n": pd.array([1, None, 3, 4, 5, 6, 7, 8, 9], dtype="Int64")})
    xml = rows_xml(frame, 5, [[""] * len(frame)] * 2)
    for value in values:
        assert f"<v>{value!r}</v>" in xml  # shortest text that reads back as the same double
        assert float(repr(value)) == value
    assert '<c r="B6"' not in xml  # a missing value is an empty cell, not a zero
    assert value_body(float("nan")) is None and value_body(pd.NA) is None
    with pytest.raises(ValueError, match="not finite"):
        rows_xml(pd.DataFrame({"v": [float("inf")]}), 5, [[""]])


def test_sheet_rows_escape_and_defuse_text():
    frame = pd.DataFrame({"t": pd.array(["a & b <c>", " padded ", "=1+1", None], dtype="string")})
    xml = rows_xml(frame, 5, [[""] * 4])
    assert "a &amp; b &lt;c&gt;" in xml
    assert '<t xml:space="preserve"> padded </t>' in xml
    assert "<t>'=1+1</t>" in xml  # as in the CSV exports: never a formula
    assert '<c r="A8"' not in xml
