"""9. CSV exports defuse spreadsheet formulas; Parquet keeps text exactly; numbers stay numbers."""

from __future__ import annotations

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


@pytest.mark.parametrize("payload", PAYLOADS[:4])
def test_pipeline_csv_defused_parquet_exact(payload, tmp_path):
    fault = Fault("set_value", column="Value note", value=payload, indicator_id=848, area_code="E09000028",
                  times=None)  # fmt: skip
    with running_sample_api(SampleApiState(faults=[fault])) as server:
        assert refresh(server.base_url, tmp_path, "--borough", "southwark") == 0
    folder = tmp_path / "areas" / "southwark"
    parquet = pd.read_parquet(folder / "indicator_values.parquet")
    csv = pd.read_csv(folder / "indicator_values_SYNTHETIC.csv", encoding="utf-8-sig", dtype={"value_note": str},
                      keep_default_na=False)  # fmt: skip
    rows = parquet["indicator_id"] == 848
    assert (parquet.loc[rows, "value_note"] == payload).all()
    assert (csv.loc[csv["indicator_id"] == 848, "value_note"] == "'" + payload).all()
    assert pd.api.types.is_float_dtype(csv["value"])  # numbers stay numbers
