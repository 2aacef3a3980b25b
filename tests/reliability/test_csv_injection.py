"""9. CSV exports defuse spreadsheet formulas; Parquet keeps text exactly; numbers stay numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jsna.publication import defuse_formulas
from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.server import running_sample_api
from tests.pipeline_helpers import refresh

PAYLOADS = ['=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def test_defuse_formulas_unit():
    frame = pd.DataFrame({"text": pd.array([*PAYLOADS, "safe", ""], dtype="string"),
                          "number": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0, -8.25]})  # fmt: skip
    out = defuse_formulas(frame)
    assert list(out["text"][:6]) == ["'" + p for p in PAYLOADS]
    assert list(out["text"][6:]) == ["safe", ""]
    assert out["number"].tolist() == frame["number"].tolist()


def test_defuse_formulas_small_and_large_tables_alike():
    """A small table's text is scanned value by value first, a large one's with pandas'
    string methods: each cell is defused the same way, wherever the payload sits."""
    for rows in (8, 5000):
        text = ["safe"] * rows
        text[-1] = PAYLOADS[0]
        frame = pd.DataFrame({"text": pd.array(text, dtype="string"), "other": pd.array(["x"] * rows, dtype="string")})
        out = defuse_formulas(frame)
        assert out["text"].iloc[-1] == "'" + PAYLOADS[0] and (out["text"].iloc[:-1] == "safe").all()
        assert out["other"].equals(frame["other"])


def test_csv_dates_are_written_as_pandas_writes_them():
    """Each distinct date-time is formatted once: the text is pandas' own, whether every
    value is a midnight (dates alone) or not, with a time zone or not, and NaT is empty."""
    import io

    from jsna.publication.csv_export import csv_bytes

    naive = pd.to_datetime(pd.Series(["2024-01-01", None, "2024-01-03", "2024-01-01"]))
    timed = naive + pd.to_timedelta([0, 0, 0, 500], unit="ms")
    frames = [pd.DataFrame({"n": range(4), "t": t}) for t in (naive, timed, timed.dt.tz_localize("UTC"))]
    frames += [frames[0].iloc[0:0], frames[0].assign(t=pd.NaT)]
    for frame in frames:
        expected = io.StringIO()
        frame.to_csv(expected, index=False, lineterminator="\r\n")
        assert csv_bytes(frame) == ("\ufeff" + expected.getvalue()).encode("utf-8")
    assert b"2024-01-01\r\n1,\r\n" in csv_bytes(frames[0])  # dates alone; NaT empty


# Each payload in the value notes of one of Southwark's indicators: one refresh for all four.
PLANTED = dict(zip(PAYLOADS[:4], (848, 247, 10101, 21001), strict=True))


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Southwark's folder after a refresh that served every payload of ``PLANTED``."""
    out = tmp_path_factory.mktemp("planted")
    faults = [
        Fault("set_value", column="Value note", value=payload, indicator_id=iid, area_code="E09000028", times=None)
        for payload, iid in PLANTED.items()
    ]
    mp = pytest.MonkeyPatch()
    mp.delenv("DAGSTER_HOME", raising=False)
    try:
        with running_sample_api(SampleApiState(faults=faults)) as server:
            assert refresh(server.base_url, out, "--borough", "southwark") == 0
    finally:
        mp.undo()
    return out / "areas" / "southwark"


@pytest.mark.parametrize("payload", PAYLOADS[:4])
def test_pipeline_csv_defused_parquet_exact(payload, planted):
    iid = PLANTED[payload]
    parquet = pd.read_parquet(planted / "indicator_values.parquet")
    csv = pd.read_csv(planted / "indicator_values_SYNTHETIC.csv", encoding="utf-8-sig", dtype={"value_note": str},
                      keep_default_na=False)  # fmt: skip
    rows = parquet["indicator_id"] == iid
    assert rows.any() and (parquet.loc[rows, "value_note"] == payload).all()
    assert (csv.loc[csv["indicator_id"] == iid, "value_note"] == "'" + payload).all()
    assert pd.api.types.is_float_dtype(csv["value"])  # numbers stay numbers
