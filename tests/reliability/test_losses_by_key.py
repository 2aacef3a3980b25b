"""Trust, second round: damage that keeps the row count, or that hits one area across
every indicator, is judged by key against the last good data and refused; the area list
is data too; intervals must nest; a cut last field is cut short; every failure is said
in words, naming what the user gave."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from jsna.areas import area_list_path
from jsna.publication import OutputRoot, default_state_dir
from jsna.sample_api.areas import LONDON_BOROUGHS
from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.server import SampleApiServer, running_sample_api
from tests.conftest import data_requests
from tests.pipeline_helpers import (
    active_catalogue,
    copied_publication,
    good_fixture,
    good_publication,
    refresh,
    snapshot,
)

pytestmark = pytest.mark.long  # handed to a worker first (tests/conftest.py)

BOROUGH = ("--borough", "southwark")
SOUTHWARK = "E09000028"
NO_DATA = 93496  # no data at area type 502 in the sample API: its new upload is accepted (0 rows)


def every_id() -> dict[int, int]:
    """A revision of every indicator of the run's catalogue that has council data."""
    catalogue = active_catalogue()
    return {i: 1 for i in (*catalogue.ids, *catalogue.neighbourhood_ids) if i != NO_DATA}


good = good_fixture(*BOROUGH)


out = copied_publication


def southwark(root: Path) -> pd.DataFrame:
    return pd.read_parquet(root / "areas" / "southwark" / "indicator_values.parquet")


def refused(server: SampleApiServer, out: Path, capsys: pytest.CaptureFixture, *faults: Fault) -> str:
    """Apply the faults with every upload date moved, refresh, and return the error line
    after checking that the refresh failed and not one published byte changed."""
    before = snapshot(out)
    server.state.revisions = every_id()
    server.state.faults.extend(faults)
    capsys.readouterr()
    assert refresh(server.base_url, out, *BOROUGH) == 1
    err = capsys.readouterr().err
    assert snapshot(out) == before
    assert OutputRoot(out).verify() == []
    assert "Traceback" not in err and "{" not in err
    return err


def test_every_value_blank_with_the_rows_kept_is_refused(server, out, capsys):
    err = refused(server, out, capsys, Fault("set_value", column="Value", value="", times=None))
    assert f"answered no values for {len(every_id())} indicator(s)" in err and "looks like an outage" in err
    assert southwark(out)["value"].notna().sum() > 0


def test_one_indicator_blanked_is_refused_and_the_others_published(server, out, capsys):
    good_848 = southwark(out).query("indicator_id == 848").drop(columns="retrieved_at").reset_index(drop=True)
    server.state.revisions = {848: 1, 41001: 1}
    server.state.faults.append(Fault("set_value", column="Value", value="", indicator_id=848, times=None))
    assert refresh(server.base_url, out, *BOROUGH) == 1
    err = capsys.readouterr().err
    assert "indicator" in err and "848" in err and "--accept-shrink 848" in err
    now = southwark(out).query("indicator_id == 848").drop(columns="retrieved_at").reset_index(drop=True)
    pd.testing.assert_frame_equal(now, good_848)
    assert refresh(server.base_url, out, *BOROUGH, "--accept-shrink", "848") == 0
    assert southwark(out).query("indicator_id == 848")["value"].isna().all()


def test_a_value_suppressed_with_a_note_is_data(server, out):
    server.state.revisions = {848: 1}
    server.state.faults.extend([
        Fault("set_value", column="Value", value="", indicator_id=848, area_code=SOUTHWARK, times=None),
        Fault("set_value", column="Value note", value="Value suppressed", indicator_id=848, area_code=SOUTHWARK,
              times=None),
    ])  # fmt: skip
    assert refresh(server.base_url, out, *BOROUGH) == 0
    rows = southwark(out).query("indicator_id == 848")
    assert rows["value"].isna().all() and (rows["value_note"] == "Value suppressed").all()


def test_one_borough_missing_from_every_answer_is_refused(server, out, capsys):
    err = refused(server, out, capsys, Fault("drop_area", area_code=SOUTHWARK, times=None))
    assert f"Southwark answered no values for {len(every_id())} indicator(s) that had" in err
    assert len(southwark(out)) > 0


@pytest.fixture(scope="module")
def england() -> Iterator[SampleApiServer]:
    """England at its real scale (153 councils)."""
    with running_sample_api(SampleApiState(fill=True)) as running:
        yield running


def test_ten_boroughs_missing_are_refused(england, tmp_path_factory, capsys):
    """Ten of England's 153 councils: no answer shrinks past the share refused by size, so
    every indicator is refused by key, each naming the areas that went quiet."""
    out = good_publication(england, tmp_path_factory, *BOROUGH)
    gone = [Fault("drop_area", area_code=code, times=None) for code in list(LONDON_BOROUGHS)[:10]]
    err = refused(england, out, capsys, *gone)
    assert "10 areas (" in err and f"answered no values for {len(every_id())} indicator(s)" in err


def test_an_area_list_that_loses_all_but_one_borough_is_refused(server, out, capsys):
    cached = area_list_path(default_state_dir(out), 502).read_bytes()
    err = refused(server, out, capsys, Fault("keep_areas", match="area_type_id=502", size=1, times=None))
    england = len(server.state.areas())
    assert f"lost {england - 1} of its {england} areas in England" in err and "--accept-area-changes" in err
    assert area_list_path(default_state_dir(out), 502).read_bytes() == cached  # nothing removed
    manifest = json.loads((out / "manifest.json").read_text())
    assert len({entry["data"] for entry in manifest["files"].values() if "data" in entry}) == 1


def test_an_area_list_of_200000_areas_is_refused_at_once(server, out, capsys):
    err = refused(server, out, capsys, Fault("extra_areas", match="area_type_id=502", size=200_000, times=None))
    england = len(server.state.areas())
    assert f"listed {200_000 + england:,} areas of type 502, more than 459" in err  # 3 x England's real 153
    # The same bound holds for a first refresh, which has no cached list to compare with.
    fresh = out.parent / "fresh"
    assert refresh(server.base_url, fresh, *BOROUGH) == 1
    assert "more than 459" in capsys.readouterr().err
    assert not area_list_path(default_state_dir(fresh), 502).exists()


def test_95_and_99_8_lower_limits_swapped_in_the_header_are_refused(server, out, capsys):
    swap = Fault("swap_columns", column="Lower CI 95.0 limit", new_name="Lower CI 99.8 limit", times=None)
    err = refused(server, out, capsys, swap)
    assert "99.8% interval holds the 95% one" in err or "ci_nested" in err


def test_a_body_cut_inside_its_last_field_is_cut_short(server, out, capsys):
    err = refused(server, out, capsys, Fault("cut_last_field", times=None))
    assert "cut short" in err and "last field" in err


def test_an_outage_across_every_extract_on_a_first_refresh_speaks(server, tmp_path, capsys, with_icbs):
    server.state.configure({"faults": [], "revisions": {}})
    server.state.faults.append(Fault("header_only", times=None))
    assert refresh(server.base_url, tmp_path / "first", *BOROUGH) == 1
    err = capsys.readouterr().err
    assert "answered no rows, as did all" in err and "looks like an outage" in err
    assert "{" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "first" / "manifest.json").exists()


def test_a_footprint_naming_an_unknown_member_is_refused_before_any_fetch(server, out, capsys, tmp_path):
    footprints = tmp_path / "footprints.yaml"
    footprints.write_text(
        "footprints:\n  - slug: south-london\n    name: South London\n    members: [E09000028, E09000092]\n"
    )
    before = snapshot(out)
    server.state.revisions = {848: 1}
    assert refresh(server.base_url, out, *BOROUGH, "--footprints", str(footprints)) == 1
    err = capsys.readouterr().err
    assert "'south-london' names E09000092, which the API does not list" in err
    assert data_requests(server) == []
    assert snapshot(out) == before


def _cli(*args: str) -> subprocess.Popen:
    env = {k: v for k, v in __import__("os").environ.items() if k != "DAGSTER_HOME"}
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**env, "CI": "true"},
    )  # fmt: skip


def test_sigterm_during_a_refresh_is_said_in_words(server, out):
    before = snapshot(out)
    server.state.revisions = {848: 1}
    server.state.faults.append(Fault("delay", seconds=30, times=None))
    process = _cli("refresh", "--api-url", server.base_url, "--output", str(out), *BOROUGH)
    deadline = time.monotonic() + 120  # a safety net for a broken build, never an assertion
    while not data_requests(server) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    assert data_requests(server), "the refresh never asked for data"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert "interrupted; previous outputs are unchanged" in err and "Traceback" not in err
    assert snapshot(out) == before


def test_an_output_folder_that_cannot_be_made_is_named_as_given(server):
    process = _cli("refresh", "--api-url", server.base_url, "--output", "/proc/foo")
    _, err = process.communicate(timeout=120)
    assert process.returncode == 1
    assert err.startswith("error: cannot write to the output folder /proc/foo") and "jsna-state" not in err


def test_a_null_upload_time_does_not_stop_later_refreshes(server, out):
    server.state.faults.append(Fault("null_upload", match="indicator_metadata/by_indicator_id", indicator_id=848,
                                     times=None))  # fmt: skip
    server.state.revisions = {41001: 1}
    assert refresh(server.base_url, out, *BOROUGH) == 0
    assert refresh(server.base_url, out, *BOROUGH) == 0  # the metadata cached with the null is read back
    server.state.faults.clear()  # the upload time is served again: the cached null is compared with it
    assert refresh(server.base_url, out, *BOROUGH) == 0


def test_an_answer_refused_by_validation_is_fetched_again_once_mended(server, out, capsys):
    server.state.revisions = {848: 1}
    server.state.faults.append(Fault("set_value", column="Value", value="not a number", indicator_id=848,
                                     area_code=SOUTHWARK, category="", times=None))  # fmt: skip
    before = snapshot(out)
    assert refresh(server.base_url, out, *BOROUGH) == 1
    assert "headline row(s) failed validation" in capsys.readouterr().err
    assert snapshot(out) == before
    server.state.faults.clear()  # Fingertips mends the answer without a new upload time
    assert refresh(server.base_url, out, *BOROUGH) == 0  # a normal refresh, no --full
    mended = southwark(out).query("indicator_id == 848 and category == ''")
    assert mended["value"].notna().any()


@pytest.mark.parametrize(("column", "value"), [("Polarity", "RAG - High is good"), ("Unit", "per 1,000")])
def test_a_flipped_polarity_or_a_changed_unit_is_refused_until_accepted(column, value, server, out, capsys):
    summary = pd.read_parquet(out / "areas" / "southwark" / "summary.parquet").query("indicator_id == 848")
    assert summary["polarity"].iloc[0] != value and summary["unit"].iloc[0] != value
    server.state.revisions = {848: 1, 41001: 1}
    server.state.faults.append(Fault("set_metadata", match="indicator_metadata/csv", column=column, value=value,
                                     indicator_id=848, times=None))  # fmt: skip
    capsys.readouterr()
    assert refresh(server.base_url, out, *BOROUGH) == 1
    err = capsys.readouterr().err
    assert "refused a change of meaning: indicator 848 changed its" in err and "--accept-metadata 848" in err
    kept = pd.read_parquet(out / "areas" / "southwark" / "summary.parquet").query("indicator_id == 848")
    assert kept[["polarity", "unit"]].equals(summary[["polarity", "unit"]])  # the last good meaning stays
    assert refresh(server.base_url, out, *BOROUGH) == 1  # asked again, refused again
    assert refresh(server.base_url, out, *BOROUGH, "--accept-metadata", "848") == 0
    accepted = pd.read_parquet(out / "areas" / "southwark" / "summary.parquet").query("indicator_id == 848")
    assert value in set(accepted[["polarity", "unit"]].iloc[0])


def test_an_area_list_flapping_between_two_answers_ends_the_refresh(server, out, capfd):
    """With --full every run fetches the list again: a list that changes on every answer
    re-ran the refresh forever. One refresh is one run, which fetches the list once and
    publishes the areas of that answer, consistently (the region's table names no area
    the list it published lost)."""
    lambeth = "E09000022"
    server.state.faults.append(Fault("flap_areas", match="area_type_id=502", area_code=lambeth, times=None))
    code = refresh(server.base_url, out, *BOROUGH, "--full")
    server.state.removed_areas.discard(lambeth)
    asked = [r for r in server.state.requests if r["path"].endswith("parent_to_child_areas")]
    assert code == 0 and len(asked) <= 2
    captured = capfd.readouterr()
    assert "Areas changed upstream (removed: Lambeth)" in captured.out
    assert OutputRoot(out).verify() == []
    region = pd.read_parquet(out / "london" / "indicator_values.parquet")
    assert lambeth not in set(region["area_code"]) and not (out / "areas" / "lambeth").exists()
