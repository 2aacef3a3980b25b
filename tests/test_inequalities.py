"""The inequalities tables: every group row equals its served source rows, the comparison
says nothing the intervals do not support, and the gradients are phe_sii's."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

from jsna.catalogue import load_catalogue
from jsna.fingertips.data_csv import parse_data_csv
from jsna.fingertips.metadata import parse_metadata_csv
from jsna.inequalities.deprivation import rank_from_most_deprived
from jsna.inequalities.gradients import decile_gradients, neighbourhood_gradients
from jsna.inequalities.groups import group_rows
from jsna.inequalities.slope_index import ranks, slope_index
from jsna.sample_api.metadata import METADATA_HEADER
from jsna.tidy import tidy_areas
from schemas.inequalities import INEQUALITIES, INEQUALITY_GRADIENTS
from tests.conftest import GENUINE_CSV

GENUINE = pytest.mark.skipif(not GENUINE_CSV.exists(), reason="../shared/fingertips-samples is not present")
ENGLAND = "E92000001"


@pytest.mark.parametrize(
    ("label", "groups", "rank"),
    [
        ("Most deprived decile (IMD2019)", 10, 1),
        ("Second most deprived decile (IMD2015)", 10, 2),
        ("Fifth more deprived decile (IMD2019)", 10, 5),
        ("Fifth less deprived decile (IMD2019)", 10, 6),
        ("Second least deprived decile (IMD2019)", 10, 9),
        ("Least deprived decile (IMD2019)", 10, 10),
        ("Third more deprived quintile (IMD2019)", 5, 3),
        ("2nd least deprived quintile", 5, 4),
        ("Least deprived quintile (IMD2019)", 5, 5),
        ("Asian", 5, None),
        ("Seventh most deprived quintile", 5, None),
    ],
)
def test_deprivation_groups_are_ranked_from_their_labels(label: str, groups: int, rank: int | None) -> None:
    assert rank_from_most_deprived(label, groups) == rank


def _genuine_core(tmp_path) -> pd.DataFrame:
    """The genuine download through the pipeline's own parse and tidy steps."""
    raw = parse_data_csv(GENUINE_CSV.read_bytes()).frame
    raw = raw.assign(source="fingertips", retrieved_at="2026-01-01T00:00:00Z")  # what the raw step adds
    values = {"Indicator ID": "93356", "Indicator": "Campylobacter incidence", "Unit": "per 100,000",
              "Value type": "Crude rate", "Polarity": "RAG - Low is good"}  # fmt: skip
    body = io.StringIO()
    writer = csv.writer(body)
    writer.writerow(METADATA_HEADER)
    writer.writerow([values.get(h, "") for h in METADATA_HEADER])
    metadata = parse_metadata_csv(body.getvalue().encode())
    catalogue_file = tmp_path / "catalogue.yaml"
    catalogue_file.write_text(
        "version: 1\ndomains:\n  - {key: d, name: Domain}\n"
        "indicators:\n  - {id: 93356, label: Campylobacter, domain: d, why: a genuine download}\n"
    )
    councils = raw[raw["area_type"] == "County & UA"]
    regions = dict(zip(councils["area_code"], councils["parent_code"], strict=True))
    return tidy_areas(raw, metadata, load_catalogue(catalogue_file), set(regions), regions).frame


@GENUINE
def test_the_genuine_deprivation_deciles_reach_the_inequalities_table_exactly(tmp_path):
    core = _genuine_core(tmp_path)
    rows = group_rows(core)
    INEQUALITIES.pandera_schema().validate(rows, lazy=True)
    deciles = rows[rows["dimension"] == "Deprivation"]
    # The oracle: the download itself, read with the csv module, not the pipeline.
    with GENUINE_CSV.open(newline="", encoding="utf-8-sig") as f:
        served = [r for r in csv.DictReader(f) if r["Category Type"]]
    assert len(deciles) == len(served) == 60
    for source in served:
        same = (deciles["category_type"] == source["Category Type"]) & (deciles["category"] == source["Category"])
        row = deciles[same & (deciles["period"] == source["Time period"])].iloc[0]
        assert row["area_code"] == source["Area Code"] == ENGLAND
        assert row["value"] == float(source["Value"])  # exactly, not approximately
        assert row["count"] == float(source["Count"]) and row["denominator"] == float(source["Denominator"])
        assert row["value_note"] == source["Value note"]
        least = next(s for s in served if s["Category Type"] == source["Category Type"]
                     and s["Time period"] == source["Time period"] and s["Category"].startswith("Least"))  # fmt: skip
        assert row["reference_value"] == float(least["Value"])
        assert row["gap"] == float(source["Value"]) - float(least["Value"])
        # No interval is served for England's deciles: nothing is said about significance.
        if source is least:
            assert row["difference"] == "Reference group"
        else:
            assert row["difference"] == "Not compared"
            assert row["not_compared_reason"] == "no 95% interval served for the group"


@GENUINE
def test_englands_genuine_gradient_is_the_regression_of_its_deciles(tmp_path):
    core = _genuine_core(tmp_path)
    gradients = decile_gradients(core)
    INEQUALITY_GRADIENTS.pandera_schema().validate(gradients, lazy=True)
    assert len(gradients) == 2  # two breakdowns, their latest year
    for _, row in gradients.iterrows():
        groups = core[(core["category_type"] == row["basis"]) & (core["period"] == row["period"])]
        order = groups["category"].map(lambda c: rank_from_most_deprived(c, 10))
        groups = groups.assign(order=order).sort_values("order")
        expected = slope_index(groups["value"].to_numpy(), groups["denominator"].to_numpy())
        assert row["sii"] == expected.sii and row["rii"] == expected.rii
        assert row["sii"] > 0  # the genuine data: campylobacter is reported more where people are less deprived
        assert pd.isna(row["sii_lower_95"]) and row["gradient"] == "Not compared"
        assert "no 95% intervals" in row["note"]
        assert row["highest_value"] == groups["value"].max() and row["lowest_value"] == groups["value"].min()


def _slot(**columns: object) -> dict[str, object]:
    base = {"indicator_id": 1, "indicator_name": "x", "domain": "d", "area_code": "E09000028", "area_name": "Southwark",
            "area_type": "Counties & UAs", "period": "2023", "period_sortable": 20230000, "sex": "Persons",
            "age": "All ages", "category_type": "", "category": "", "value": 10.0, "lower_ci_95": 9.0,
            "upper_ci_95": 11.0, "count": 10.0, "denominator": 100.0, "value_note": "", "unit": "%",
            "value_type": "Proportion", "polarity": "RAG - Low is good", "source": "synthetic sample",
            "retrieved_at": pd.Timestamp("2026-01-01", tz="UTC")}  # fmt: skip
    return {**base, **columns}


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype("string")
    return frame


def test_the_other_sex_is_the_reference_and_only_separate_intervals_count():
    core = _frame([
        _slot(sex="Male", value=15.2, lower_ci_95=14.0, upper_ci_95=16.5),
        _slot(sex="Female", value=4.5, lower_ci_95=3.9, upper_ci_95=5.1),
        _slot(sex="Male", period="2022", period_sortable=20220000, value=6.0, lower_ci_95=4.0, upper_ci_95=8.0),
        _slot(sex="Female", period="2022", period_sortable=20220000, value=5.0, lower_ci_95=4.5, upper_ci_95=5.5),
        _slot(sex="Male", period="2021", period_sortable=20210000, value=6.0, lower_ci_95=None, upper_ci_95=None),
        _slot(sex="Female", period="2021", period_sortable=20210000, value=5.0),
    ])  # fmt: skip
    rows = group_rows(core).set_index(["period", "group"])
    assert rows.loc[("2023", "Male"), "reference_group"] == "Female"
    assert rows.loc[("2023", "Male"), "ratio"] == 15.2 / 4.5
    assert rows.loc[("2023", "Male"), "difference"] == "Higher" and rows.loc[("2023", "Male"), "judgement"] == "Worse"
    assert (
        rows.loc[("2023", "Female"), "difference"] == "Lower" and rows.loc[("2023", "Female"), "judgement"] == "Better"
    )
    assert rows.loc[("2022", "Male"), "difference"] == "Similar"  # overlapping: no significant gap
    assert rows.loc[("2021", "Male"), "difference"] == "Not compared"
    assert rows.loc[("2021", "Male"), "not_compared_reason"] == "no 95% interval served for the group"
    assert rows.loc[("2021", "Female"), "not_compared_reason"] == "no 95% interval served for the reference"


def test_ethnic_groups_are_compared_with_everyone_and_age_bands_with_the_headline_age():
    core = _frame([
        _slot(),
        _slot(category_type="Ethnic groups", category="Black", value=14.0, lower_ci_95=12.0, upper_ci_95=16.0),
        _slot(category_type="Ethnic groups", category="White", value=10.5, lower_ci_95=9.5, upper_ci_95=11.5),
        _slot(age="65+ yrs", value=20.0, lower_ci_95=18.0, upper_ci_95=22.0),
    ])  # fmt: skip
    rows = group_rows(core, {1: "All ages"}).set_index("group")
    assert rows.loc["Black", "dimension"] == "Ethnic group" and rows.loc["Black", "reference_value"] == 10.0
    assert rows.loc["Black", "difference"] == "Higher" and rows.loc["White", "difference"] == "Similar"
    assert rows.loc["65+ yrs", "dimension"] == "Age" and rows.loc["65+ yrs", "reference_group"] == "All ages"
    assert len(rows) == 3  # the headline row is the reference, not a group


def test_a_flat_neighbourhood_gradient_is_not_significant_and_a_steep_one_is():
    msoas = [f"E02{n:06d}" for n in range(8)]
    population = np.array([5000.0, 7000, 6000, 8000, 5500, 6500, 7500, 6200])
    deprivation = np.array([30.0, 25, 22, 18, 15, 12, 9, 5])  # most deprived first
    steep = 200 - 120 * ranks(population)  # higher where more deprived
    rows = []
    for code, pop, dep, value in zip(msoas, population, deprivation, steep, strict=True):
        common = {"area_code": code, "area_name": f"Southwark {code[-3:]}", "council_code": "E09000028",
                  "council_name": "Southwark", "category_type": "", "category": ""}  # fmt: skip
        rows.append(_slot(**common, indicator_id=93275, indicator_name="Income deprivation, IoD 2019", value=dep,
                          lower_ci_95=dep - 1, upper_ci_95=dep + 1, denominator=pop))  # fmt: skip
        rows.append(_slot(**common, indicator_id=93239, value=value, lower_ci_95=value - 4, upper_ci_95=value + 4,
                          value_type="Indirectly standardised ratio", unit="%"))  # fmt: skip
        rows.append(_slot(**common, indicator_id=93280, value=12.0, lower_ci_95=8.0, upper_ci_95=16.0))
    out = neighbourhood_gradients(_frame(rows), 93275, "Income deprivation").set_index("indicator_id")
    INEQUALITY_GRADIENTS.pandera_schema().validate(out.reset_index(), lazy=True)
    assert out.loc[93239, "sii"] == pytest.approx(-120.0, rel=1e-9)  # fitted least deprived minus most deprived
    assert out.loc[93239, "gradient"] == "Higher where more deprived" and out.loc[93239, "sii_upper_95"] < 0
    assert out.loc[93280, "sii"] == pytest.approx(0.0, abs=1e-9)
    assert out.loc[93280, "gradient"] == "No significant gradient"
    assert out.loc[93239, "highest_group"] == "Southwark 000" and out.loc[93239, "groups"] == 8
    # A measure served under another name ranks nothing, and says so.
    other = neighbourhood_gradients(_frame(rows), 93275, "Index of Multiple Deprivation")
    assert other["sii"].isna().all() and other["note"].str.contains("not as 'Index of Multiple Deprivation'").all()


KEY = ["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"]


def test_every_council_folder_has_its_inequalities_and_every_gap_row_equals_its_source_rows(published):
    out, _ = published
    table = pd.read_parquet(out / "london" / "indicator_values.parquet").set_index(KEY)
    for folder in sorted((out / "areas").iterdir()):
        groups = pd.read_parquet(folder / "inequalities.parquet")
        gradients = pd.read_parquet(folder / "inequality_gradients.parquet")
        assert (folder / "inequalities_SYNTHETIC.csv").exists() and (
            folder / "inequality_gradients_SYNTHETIC.csv"
        ).exists()
        assert len(groups) and len(gradients) and set(groups["source"]) == {"synthetic sample"}
    southwark = pd.read_parquet(out / "areas" / "southwark" / "inequalities.parquet")
    assert set(southwark["area_code"]) == {"E09000028"}  # its own groups; the scope's table has every area's
    scope = pd.read_parquet(out / "london" / "inequalities.parquet")
    assert {"E09000028", "E12000007", "E92000001"} <= set(scope["area_code"])
    slopes = pd.read_parquet(out / "areas" / "southwark" / "inequality_gradients.parquet")
    assert slopes["area_code"].iloc[0] == "E09000028" and "E92000001" in set(slopes["area_code"])
    assert {"Sex", "Age", "Deprivation", "Ethnic group"} <= set(southwark["dimension"])
    served = table.loc[[tuple(r) for r in southwark[KEY].itertuples(index=False)]]
    for column in ("value", "lower_ci_95", "upper_ci_95", "count", "denominator"):
        pd.testing.assert_series_equal(southwark[column], served[column].reset_index(drop=True), check_names=False)
    sex = southwark[(southwark["dimension"] == "Sex")]
    other = sex.assign(sex=sex["sex"].map({"Male": "Female", "Female": "Male"}))
    reference = table.loc[[tuple(r) for r in other[KEY].itertuples(index=False)], "value"].to_numpy()
    np.testing.assert_array_equal(sex["reference_value"].to_numpy(), reference)
    np.testing.assert_array_equal(
        southwark["gap"].to_numpy(), (southwark["value"] - southwark["reference_value"]).to_numpy()
    )
    # Nothing is called significant without two intervals that do not overlap.
    said = southwark[southwark["difference"].isin(["Higher", "Lower"])]
    assert len(said)
    apart = (said["lower_ci_95"] > said["reference_upper_ci_95"]) | (
        said["upper_ci_95"] < said["reference_lower_ci_95"]
    )
    assert apart.all()


def test_the_report_and_workbook_say_who_is_worse_off(published):
    out, _ = published
    page = (out / "areas" / "southwark" / "report.html").read_text()
    section = page[page.index("id='inequalities'") :]
    assert "Inequalities: who is worse off" in section and "the gap is significant" in section
    assert "least deprived end minus the fitted value at the most deprived end" in section
    assert "neighbourhoods:" in section or "neighbourhoods (" in section
    import openpyxl

    book = openpyxl.load_workbook(out / "areas" / "southwark" / "jsna_mental_wellbeing_southwark.xlsx", read_only=True)
    assert book.sheetnames == ["Key findings", "Summary", "Inequalities", "Gradients", "Data", "Dictionary"]
    findings = [row[:2] for row in book["Key findings"].iter_rows(values_only=True) if len(row) >= 2 and row[0]]
    said = [text for section, text in findings if section == "Inequalities: who is worse off"]
    assert said and any("SII" in text for text in said)
    # Every significant-gap sentence is backed by a published row whose intervals are apart.
    groups = pd.read_parquet(out / "areas" / "southwark" / "inequalities.parquet")
    significant = groups[(groups["area_code"] == "E09000028") & groups["difference"].isin(["Higher", "Lower"])]
    assert sum("the gap is significant" in t or "; significant" in t for t in said) <= len(significant)


def test_no_rows_give_no_groups_and_no_gradients():
    """An extract turned off or empty (ICBs with JSNA_ICBS=no) is no breakdown, not an error."""
    from jsna.inequalities.gradients import decile_gradients
    from jsna.inequalities.groups import group_rows
    from schemas import INDICATOR_VALUES

    nothing = INDICATOR_VALUES.empty()
    assert len(group_rows(nothing)) == 0 and len(decile_gradients(nothing)) == 0
