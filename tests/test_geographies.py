"""Neighbourhoods (MSOA), ICBs and custom footprints, end to end against the sample API
and, for the footprint statistics, against published worked examples."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from jsna.catalogue import load_catalogue
from jsna.footprints.combine import combine
from jsna.footprints.config import Footprint, FootprintsError, load_footprints
from jsna.footprints.methods import crude_rate, proportion
from jsna.sample_api.areas import LONDON_ICBS
from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.server import running_sample_api
from tests.pipeline_helpers import refresh, snapshot

pytestmark = pytest.mark.long  # handed to a worker first (tests/conftest.py)

SOUTHWARK, LAMBETH = "E09000028", "E09000022"
ICBS = len(SampleApiState().icbs())  # the ICBs the suite's sample API serves (10 of England's 42)


@pytest.fixture(scope="module")
def run(published_geographies) -> tuple[Path, pd.DataFrame, pd.DataFrame, dict]:
    """The suite's London publication with its ICBs and a footprint of two boroughs, what
    the sample API served at MSOA and ICB level, and its quiet second night
    (``tests/conftest.py``)."""
    return published_geographies


def _number(text: str) -> float:
    return float(text) if text.strip() else math.nan


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def test_every_served_msoa_value_reaches_the_neighbourhood_table_exactly(run):
    out, served, _, _ = run
    published = pd.read_parquet(out / "areas/southwark/neighbourhoods.parquet")
    mine = served[(served["parent_code"] == SOUTHWARK) & served["area_code"].str.startswith("E02")]
    assert len(mine) and len(published) == len(mine)
    key = ["indicator_id", "area_code", "period", "sex", "age"]
    by_key = published.assign(indicator_id=published["indicator_id"].astype(str)).set_index(key)
    for row in mine.itertuples():
        got = by_key.loc[(row.indicator_id, row.area_code, row.period, row.sex, row.age)]
        for column in ("value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "count", "denominator"):
            assert _same(float(got[column]), _number(getattr(row, column))), (row.area_code, column)
        assert got["value_note"] == row.value_note
    assert set(published["council_code"]) == {SOUTHWARK}
    council = served[(served["area_code"] == SOUTHWARK)].set_index(["indicator_id", "period"])["value"]
    for row in published.itertuples():
        assert row.council_value == float(council.loc[(str(row.indicator_id), row.period)])


def test_computed_comparisons_follow_the_ci_and_polarity(run):
    out, _, _, _ = run
    rows = pd.read_parquet(out / "areas/southwark/neighbourhoods.parquet").dropna(subset=["value"])
    worse = rows[rows["computed_vs_england"] == "Worse"]
    assert len(worse)
    assert (worse["polarity"] == "RAG - Low is good").all() and (worse["lower_ci_95"] > worse["england_value"]).all()
    similar = rows[rows["computed_vs_england"] == "Similar"]
    assert (
        (similar["lower_ci_95"] <= similar["england_value"]) & (similar["upper_ci_95"] >= similar["england_value"])
    ).all()


def test_the_report_charts_each_neighbourhood_indicator_with_a_word_beside_every_bar(run):
    out, _, _, _ = run
    page = (out / "areas/southwark/report.html").read_text()
    assert "id='neighbourhoods'" in page
    assert page.count("<title>Neighbourhoods: ") == len(load_catalogue().neighbourhoods)  # the measure they rank by too
    table = pd.read_parquet(out / "areas/southwark/neighbourhoods.parquet")
    for name in table["area_name"].unique():
        assert name in page
    latest = table[table["period_sortable"] == table.groupby("indicator_id")["period_sortable"].transform("max")]
    for row in latest.dropna(subset=["value"]).itertuples():
        assert f"{row.computed_vs_england}</text>" in page


def test_icb_packs_stand_on_their_own_ranked_among_icbs(run):
    out, _, served, _ = run
    folders = sorted(p.name for p in (out / "icbs").iterdir())
    assert len(folders) == ICBS and "nhs-south-east-london-icb" in folders
    for name in (
        "indicator_values.parquet",
        "summary.parquet",
        "report.html",
        "jsna_mental_wellbeing_nhs-south-east-london-icb.xlsx",
    ):
        assert (out / "icbs/nhs-south-east-london-icb" / name).is_file()
    table = pd.read_parquet(out / "icbs/nhs-south-east-london-icb/indicator_values.parquet")
    code = table["area_code"].iloc[0]
    mine = served[(served["area_code"] == code) & (served["indicator_id"] == "848")]
    got = table[table["indicator_id"] == 848].set_index("period")["value"]
    assert len(mine) and all(got.loc[r.period] == float(r.value) for r in mine.itertuples())
    summary = pd.read_parquet(out / "icbs/nhs-south-east-london-icb/summary.parquet")
    ranked = summary.dropna(subset=["rank"])
    assert len(ranked) and ranked["ranked_areas"].max() == ICBS and (ranked["ranked_areas"] > len(LONDON_ICBS)).all()
    dictionary = pd.read_csv(next(out.glob("data_dictionary*.csv")), dtype=str).fillna("")
    row = dictionary[(dictionary["section"] == "indicator") & (dictionary["name"] == "41001")].iloc[0]
    assert row["has_data_by_area_type"] == "502 councils: yes; 221 icbs: no"
    row = dictionary[(dictionary["section"] == "indicator") & (dictionary["name"] == "93239")].iloc[0]
    assert row["has_data_by_area_type"] == "3 neighbourhoods: yes"


def test_a_footprint_of_two_boroughs_sums_counts_and_denominators(run):
    out, _, _, _ = run
    fp = pd.read_parquet(out / "footprints/lambeth-and-southwark/indicator_values.parquet")
    boroughs = pd.read_parquet(out / "london/indicator_values.parquet")
    members = boroughs[boroughs["area_code"].isin([LAMBETH, SOUTHWARK]) & (boroughs["indicator_id"] == 848)]
    for period, rows in members[members["category"] == ""].groupby("period"):
        got = fp[(fp["indicator_id"] == 848) & (fp["period"] == period)].iloc[0]
        expected = proportion(rows["count"].sum(), rows["denominator"].sum())
        assert (got["value"], got["lower_ci_95"], got["upper_ci_95"]) == (
            expected.value,
            expected.lower,
            expected.upper,
        )
        assert got["count"] == rows["count"].sum() and got["members"] == 2
    dsr = fp[fp["indicator_id"] == 41001]
    assert len(dsr) and dsr["value"].isna().all() and dsr["lower_ci_95"].isna().all()
    assert dsr["value_note"].str.startswith("Not combined: this value type (Directly standardised rate)").all()
    summary = pd.read_parquet(out / "footprints/lambeth-and-southwark/summary.parquet")
    assert summary["rank"].isna().all() and (summary["comparison_source"].str.startswith("computed")).all()
    assert (out / "footprints/lambeth-and-southwark/report.html").read_text().count("SYNTHETIC") >= 1


def test_a_quiet_night_rewrites_nothing_with_neighbourhoods_icbs_and_footprints(run):
    out, _, _, quiet = run
    assert any(f.startswith("icbs/") for f in quiet["before"]) and any(
        f.startswith("footprints/") for f in quiet["before"]
    )
    assert quiet["after"] == quiet["before"]
    assert [r["path"] for r in quiet["requests"]] == ["/api/indicator_metadata/by_indicator_id"]


def test_an_icb_outage_is_refused_and_the_last_good_icb_values_stay_until_icbs_are_turned_off(
    tmp_path, with_icbs, monkeypatch, on_fault_suite_catalogue
):
    def icb_tables() -> dict[str, pd.DataFrame]:
        return {p.parent.name: pd.read_parquet(p) for p in sorted(tmp_path.glob("icbs/*/indicator_values.parquet"))}

    one = ("--borough", "southwark")  # the ICBs are England's whichever councils are published
    with running_sample_api(SampleApiState()) as server:
        assert refresh(server.base_url, tmp_path, *one) == 0
        before = icb_tables()
        server.state.faults = [Fault(kind="header_only", match="child_area_type_id=221", times=None)]
        code = refresh(server.base_url, tmp_path, "--full", *one)
        after = icb_tables()
        server.state.faults.clear()
        monkeypatch.setenv("JSNA_ICBS", "no")
        unasked = snapshot(tmp_path)
        assert refresh(server.base_url, tmp_path, *one) == 1  # turned off unasked: the ICB packs are not dropped
        assert snapshot(tmp_path) == unasked
        assert refresh(server.base_url, tmp_path, "--drop", "icbs", *one) == 0
    assert code != 0  # refused answers fail the run, saying so
    assert len(before) == ICBS and after.keys() == before.keys()
    for slug, table in before.items():
        pd.testing.assert_frame_equal(after[slug], table)
    # Turned off and dropped, the ICBs' folder goes in the next publication (and from its manifest).
    assert not (tmp_path / "icbs").exists()
    assert not [f for f in json.loads((tmp_path / "manifest.json").read_text())["files"] if f.startswith("icbs/")]


def _members(value_type: str, unit: str, counts: list[float], denominators: list[float]) -> pd.DataFrame:
    n = len(counts)
    return pd.DataFrame(
        {
            "area_code": ["E09000022", "E09000028"][:n], "indicator_id": [1] * n, "period": ["2023"] * n,
            "period_sortable": [20230000] * n, "sex": ["Persons"] * n, "age": ["All ages"] * n,
            "category_type": [""] * n, "category": [""] * n, "value": [1.0] * n, "count": counts,
            "denominator": denominators, "england_value": [20.0] * n, "indicator_name": ["x"] * n, "domain": ["d"] * n,
            "unit": [unit] * n, "value_type": [value_type] * n, "polarity": ["RAG - Low is good"] * n,
            "source": ["synthetic sample"] * n, "retrieved_at": pd.to_datetime(["2026-01-01T00:00:00Z"] * n),
        }
    )  # fmt: skip


TWO = Footprint("two", "Two boroughs", ("E09000022", "E09000028"))


def test_a_combined_proportion_reproduces_newcombes_worked_example():
    # Newcombe RG, Statistics in Medicine 1998;17:857-872, Table II, method 3 (Wilson): 81 of
    # 263 gives 0.2553 to 0.3662. Here 40 of 130 in one borough and 41 of 133 in the other.
    row = combine(_members("Proportion", "%", [40, 41], [130, 133]), TWO).iloc[0]
    assert row["value"] == 100 * 81 / 263
    assert round(row["lower_ci_95"] / 100, 4) == 0.2553 and round(row["upper_ci_95"] / 100, 4) == 0.3662
    # 99.8%: Wilson's closed form (Newcombe's equation for method 3) at z = 3.0902.
    z, p, n = 3.090232306167813, 81 / 263, 263
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert row["lower_ci_99_8"] == pytest.approx(100 * (centre - half) / (1 + z * z / n), rel=1e-9)
    assert row["upper_ci_99_8"] == pytest.approx(100 * (centre + half) / (1 + z * z / n), rel=1e-9)
    assert row["compared_to_england"] == "Worse"  # 25.5 to 36.6 lies above England's 20, low is good


def test_a_combined_crude_rate_reproduces_the_exact_poisson_limits():
    # Five events (2 + 3) in 100,000 people: the exact 95% Poisson limits of 5 events are 1.6235
    # and 11.6683 (the standard table, e.g. Ulm K, Am J Epidemiol 1990;131:373-375).
    row = combine(_members("Crude rate", "per 100,000", [2, 3], [60_000, 40_000]), TWO).iloc[0]
    assert row["value"] == 5.0
    assert round(row["lower_ci_95"], 4) == 1.6235 and round(row["upper_ci_95"], 4) == 11.6683
    assert row["lower_ci_99_8"] < row["lower_ci_95"] and row["upper_ci_99_8"] > row["upper_ci_95"]
    big = combine(_members("Crude rate", "per 100,000", [300, 351], [100_000, 100_000]), TWO).iloc[0]
    assert (big["lower_ci_95"], big["upper_ci_95"]) == (crude_rate(651, 200_000).lower, crude_rate(651, 200_000).upper)


@pytest.mark.parametrize(
    ("value_type", "counts", "reason"),
    [
        ("Directly standardised rate", [2.0, 3.0], "this value type (Directly standardised rate) cannot be combined"),
        ("Indirectly standardised ratio", [2.0, 3.0], "this value type (Indirectly standardised ratio)"),
        ("Proportion", [2.0, math.nan], "no count or denominator for E09000028"),
    ],
)
def test_what_cannot_be_combined_is_empty_with_its_reason(value_type, counts, reason):
    row = combine(_members(value_type, "%", counts, [100.0, 100.0]), TWO).iloc[0]
    assert math.isnan(row["value"]) and math.isnan(row["upper_ci_95"]) and reason in row["value_note"]


def test_a_member_without_the_period_empties_the_row():
    row = combine(_members("Proportion", "%", [2.0], [100.0]), TWO).iloc[0]
    assert math.isnan(row["value"]) and "no value served for E09000028" in row["value_note"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("footprints:\n  - slug: a\n    name: A\n    members: [E09000022]\n", "at least two"),
        ("footprints:\n  - slug: A b\n    name: A\n    members: [E09000022, E09000028]\n", "'slug' must be"),
        ("footprints:\n  - slug: a\n    name: A\n    members: [E09000022, E02000001]\n", "not a mix"),
        ("footprints:\n  - slug: a\n    name: A\n    members: [E09000022, E09000022]\n", "listed twice"),
        ("footprints:\n  - slug: a\n    name: A\n    members: [E09000022, x]\n", "not area codes: x"),
        ("footprints:\n  - slug: a\n    name: A\n    colour: red\n    members: [E09000022, E09000028]\n",
         "unknown key"),
        ("footprints:\n  - {slug: a, name: A, members: [E09000022, E09000028]}\n"
         "  - {slug: a, name: B, members: [E09000022, E09000028]}\n", "duplicate slug 'a'"),
    ],
)  # fmt: skip
def test_a_bad_footprints_file_is_refused_naming_the_entry(tmp_path, text, message):
    file = tmp_path / "footprints.yaml"
    file.write_text(text)
    with pytest.raises(FootprintsError, match=message):
        load_footprints(file)


def test_the_refresh_refuses_a_bad_footprints_file_before_fetching(tmp_path, sample_api, capsys):
    file = tmp_path / "footprints.yaml"
    file.write_text("footprints:\n  - slug: a\n    name: A\n    members: [E09000022]\n")
    before = len(sample_api.state.requests)
    assert refresh(sample_api.base_url, tmp_path / "out", "--footprints", str(file)) == 1
    assert "at least two" in capsys.readouterr().err
    assert not [r for r in sample_api.state.requests[before:] if "all_data" in r["path"]]
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path):
    lines = ["a: &a [E09000022, E09000028]"] + [f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 9)}]"
                                                for n in range(9)]  # fmt: skip
    file = tmp_path / "footprints.yaml"
    file.write_text("\n".join(lines) + "\nfootprints: []\n")
    assert file.stat().st_size < 1000
    with pytest.raises(FootprintsError, match="aliases"):
        load_footprints(file)


def test_a_footprints_file_too_large_for_a_person_to_write_is_refused(tmp_path):
    file = tmp_path / "footprints.yaml"
    members = ", ".join(f"E02{n:06d}" for n in range(200_000))
    file.write_text(f"footprints:\n  - slug: a\n    name: A\n    members: [{members}]\n")
    with pytest.raises(FootprintsError, match="larger than"):
        load_footprints(file)


def test_duplicate_members_are_found_in_one_pass(tmp_path):
    """20,000 members with one listed twice: said at once (it was quadratic in the members)."""
    file = tmp_path / "footprints.yaml"
    members = ", ".join([*(f"E02{n:06d}" for n in range(20_000)), "E02000007"])
    file.write_text(f"footprints:\n  - slug: a\n    name: A\n    members: [{members}]\n")
    with pytest.raises(FootprintsError, match="listed twice: E02000007"):
        load_footprints(file)


def test_a_region_or_a_typo_as_a_member_is_refused_naming_the_entry(tmp_path):
    from jsna.footprints.config import check_members

    for bad in ("E12000007", "E09000092"):  # London region beside its own borough; a typo
        file = tmp_path / "footprints.yaml"
        file.write_text(f"footprints:\n  - slug: south\n    name: South\n    members: [E09000028, {bad}]\n")
        with pytest.raises(FootprintsError, match=f"'south' names {bad}, which the API does not list"):
            check_members(load_footprints(file), ["E09000028", "E09000022"], lambda: [], 502)


def test_the_index_lists_every_pack_the_publication_holds(run):
    """Councils, then the ICBs and the footprint, each linked to files that exist, with
    counts read from its own summary."""
    out, _, _, _ = run
    page = (out / "index.html").read_text()
    manifest = json.loads((out / "manifest.json").read_text())["files"]
    reports = sorted(f for f in manifest if f.endswith("/report.html"))
    assert len(reports) == 33 + ICBS + 1
    for report in reports:
        assert f"href='{report}'" in page, report
    for link in re.findall(r"href='([^'#]+)'", page):
        assert (out / link).exists(), link
    assert f"<h2 id='icbs'>Integrated Care Boards ({ICBS})</h2>" in page
    assert "<h2 id='footprints'>Footprints (1)</h2>" in page and "Lambeth and Southwark" in page
    footprint = page[page.index("<h2 id='footprints'>") :]
    summary = pd.read_parquet(out / "footprints/lambeth-and-southwark/summary.parquet")
    worse = int((summary["compared_to_england"] == "Worse").sum())
    assert f"{worse} of {len(summary)}</td>" in footprint


def test_footprint_and_icb_packs_say_who_is_worse_off(run):
    """A footprint's groups (combined from its members' rows) reach its report and workbook
    as a council's do; an ICB with no breakdown served says so rather than show nothing."""
    import openpyxl

    from jsna.inequalities.groups import group_rows

    out, _, _, _ = run
    folder = out / "footprints" / "lambeth-and-southwark"
    table = pd.read_parquet(folder / "indicator_values.parquet")
    groups = group_rows(table)
    assert len(groups) and set(groups["dimension"]) >= {"Deprivation", "Ethnic group"}
    page = (folder / "report.html").read_text()
    assert "<h2>Inequalities: who is worse off</h2>" in page and "Lambeth and Southwark overall" in page
    book = openpyxl.load_workbook(folder / "jsna_mental_wellbeing_lambeth-and-southwark.xlsx", read_only=True)
    assert "Inequalities" in book.sheetnames
    sheet = list(book["Inequalities"].iter_rows(values_only=True))
    header = next(n for n, r in enumerate(sheet) if r and r[0] == "Indicator ID")
    column = sheet[header].index("Value (in the row's unit)")
    shown = [r[column] for r in sheet[header + 1 :] if r and r[0] is not None]
    combined = set(table["value"].dropna())  # sex groups are headline rows, the others breakdowns
    assert shown and all(v in combined for v in shown if v is not None)  # each group as combined, every digit
    icb_pages = sorted((out / "icbs").glob("*/report.html"))
    assert icb_pages and all("values is served." in p.read_text() for p in icb_pages)


def test_footprint_and_icb_reports_chart_england_and_leave_out_what_they_cannot_have(run):
    out, _, _, _ = run
    footprint = (out / "footprints/lambeth-and-southwark/report.html").read_text()
    spine = re.findall(r"<svg[^>]*><title>Spine chart[^<]*</title>.*?</svg>", footprint)
    assert spine and all("<circle" not in chart for chart in spine)
    assert "no range for footprints" in footprint
    trends = re.findall(r"<svg[^>]*><title>Trend: [^<]*</title>.*?</svg>", footprint)
    assert trends and all(">England</text>" in chart for chart in trends)
    for page in (footprint, (out / "icbs/nhs-south-east-london-icb/report.html").read_text()):
        headings = re.findall(r"<th scope='col'>([^<]*)</th>", page.split("id='inequalities'")[0])
        assert "England" in headings and "Trend" not in headings and "vs ICBs" not in headings
        assert "vs footprint" not in headings and "ICBs" not in headings
    assert "no recent trend is given" in footprint


def test_every_icb_and_footprint_pack_has_its_chapter_without_a_region(run):
    """Each ICB and footprint folder holds its Word chapter; it tells the area's own
    findings and says nothing of a region it does not have."""
    import docx

    out, _, _, _ = run
    chapters = sorted((out / "icbs").glob("*/jsna_chapter_*.docx")) + sorted((out / "footprints").glob("*/*.docx"))
    assert len(chapters) == ICBS + 1
    footprint = out / "footprints/lambeth-and-southwark"
    document = docx.Document(str(footprint / "jsna_chapter_lambeth-and-southwark.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    summary = pd.read_parquet(footprint / "summary.parquet")
    assert "Lambeth and Southwark: mental health and wellbeing" in text
    assert all(sentence in text for sentence in summary["finding"])
    assert "Compared with" not in text and "no recent trend is given" in text
