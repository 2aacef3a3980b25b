"""The Fingertips client against a real HTTP server (no mocking of requests)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from jsna.fingertips import FingertipsResponseError, FingertipsUnavailable
from jsna.fingertips.data_csv import parse_data_csv
from jsna.fingertips.http import USER_AGENT, chunked
from jsna.sample_api.faults import Fault
from jsna.sample_api.indicators import FILLER_RANGE
from resources import FingertipsResource
from tests.conftest import GENUINE_CSV, add_faults, data_requests

IDS = [848, 41001, 90813]


def test_recovers_from_injected_503(client, sample_api, sleeps):
    add_faults(sample_api, Fault("status", status=503, times=2))
    fetch = client.fetch_data(IDS, parent_area_code="E12000007")
    assert set(fetch.frame["indicator_id"].astype(int)) == set(IDS)
    assert [r["status"] for r in data_requests(sample_api)] == [503, 503, 200]
    assert len(sleeps) == 2


def test_honours_retry_after_on_429(client, sample_api, sleeps):
    add_faults(sample_api, Fault("status", status=429, retry_after="7", times=1))
    fetch = client.fetch_data(IDS, parent_area_code="E12000007")
    assert not fetch.frame.empty
    assert sleeps and sleeps[0] >= 7  # the server's Retry-After is a floor on the wait


def test_gives_up_after_the_bound_with_a_clear_error(client, sample_api):
    add_faults(sample_api, Fault("status", status=500, times=None))
    with pytest.raises(FingertipsUnavailable) as caught:
        client.fetch_data(IDS)
    message = str(caught.value)
    assert "all_data/csv/by_indicator_id" in message
    assert "848, 41001, 90813" in message
    assert "last HTTP status: 500" in message
    assert len(data_requests(sample_api)) == 4  # max_attempts


def test_retry_budget_bounds_total_time(sample_api):
    add_faults(sample_api, Fault("status", status=503, retry_after="120", times=None))
    client = FingertipsResource(
        base_url=sample_api.base_url, max_attempts=10, retry_budget_seconds=5, max_concurrency=1
    ).client()
    with pytest.raises(FingertipsUnavailable, match="retry budget"):
        client.fetch_data(IDS)
    assert len(data_requests(sample_api)) == 1  # waiting 120 s would break the budget: stop


def test_connection_refused_is_reported_as_unreachable(sleeps):
    client = FingertipsResource(base_url="http://127.0.0.1:9/api", max_attempts=2, backoff_base_seconds=0.01).client(
        sleep=sleeps.append
    )
    with pytest.raises(FingertipsUnavailable, match="could not be reached after 2 attempt"):
        client.fetch_metadata([848])


def test_150_ids_lose_nothing_against_the_100_id_truncation(client, sample_api):
    ids = list(FILLER_RANGE)[:150]
    fetch = client.fetch_data(ids, parent_area_code="E12000007")
    assert set(fetch.frame["indicator_id"].astype(int)) == set(ids)
    assert fetch.empty_ids == []
    assert len(data_requests(sample_api)) == 2


def test_server_really_truncates_at_100_ids(sample_api):
    client = FingertipsResource(base_url=sample_api.base_url).client(chunk_size=100)
    ids = list(FILLER_RANGE)[:100]
    served = client.fetch_data(ids, parent_area_code="E12000007").frame["indicator_id"].nunique()
    assert served == 100
    with pytest.raises(ValueError):
        chunked(list(range(1, 300)), size=150)


def test_empty_ids_are_reported(client):
    fetch = client.fetch_data([848, 93496, 123456789], parent_area_code="E12000007")
    assert fetch.empty_ids == [93496, 123456789]


def test_ids_without_data_are_a_warning_unless_expected(client, caplog):
    """An indicator missing at the councils' level is a surprise, named; the ICB extract asks
    for the whole catalogue, where gaps are expected: one line at INFO, no list of ids."""
    caplog.set_level("INFO", logger="jsna.fingertips")
    client.fetch_data([848, 93496], child_area_type_id=502)
    client.fetch_data([848, 93496], child_area_type_id=221, parent_area_type_id=15, gaps_expected=True)
    records = [(r.levelname, r.getMessage()) for r in caplog.records if "no data" in r.getMessage()]
    assert records == [
        ("WARNING", "no data came back at area type 502 for indicator ids [93496]"),
        ("INFO", "1 of 2 indicators have no data at area type 221"),
    ]


def test_html_with_status_200_is_refused(client, sample_api):
    add_faults(sample_api, Fault("html", times=None))
    with pytest.raises(FingertipsResponseError, match="HTML page"):
        client.fetch_data(IDS)


@pytest.mark.parametrize("kind", ["truncate", "truncate_chunked"])
def test_truncated_body_is_refused(client, sample_api, kind):
    add_faults(sample_api, Fault(kind, times=None))
    with pytest.raises((FingertipsUnavailable, FingertipsResponseError), match="cut short|malformed|broken"):
        client.fetch_data(IDS, parent_area_code="E12000007")


def test_whole_rows_short_of_the_declared_length_are_refused(client, sample_api):
    # Only the length check sees this: the chunks end cleanly after whole rows, so the
    # HTTP layers and the CSV parser are content, and half the rows would go missing.
    add_faults(sample_api, Fault("chunked_short", times=None))
    with pytest.raises(FingertipsUnavailable, match="cut short"):
        client.fetch_data(IDS, parent_area_code="E12000007")
    sample_api.state.faults = [Fault("chunked_short", times=1)]
    fetch = client.fetch_data(IDS, parent_area_code="E12000007")  # retried: the whole answer
    assert set(fetch.frame["indicator_id"].astype(int)) == set(IDS)


def test_truncated_once_then_whole_recovers(client, sample_api):
    add_faults(sample_api, Fault("truncate", times=1))
    fetch = client.fetch_data(IDS, parent_area_code="E12000007")
    assert set(fetch.frame["indicator_id"].astype(int)) == set(IDS)


def test_missing_required_column_is_refused(client, sample_api):
    add_faults(sample_api, Fault("drop_column", column="Area Code", times=None))
    with pytest.raises(FingertipsResponseError, match="unexpected CSV header: missing area_code"):
        client.fetch_data(IDS)


def test_renamed_parent_column_and_extra_columns_still_parse(client, sample_api):
    add_faults(
        sample_api,
        Fault(
            "rename_column",
            column="Compared to Region value or percentiles",
            new_name="Compared to Regions (statistical) value or percentiles",
        ),
        Fault("rename_column", column="Compared to goal", new_name="Target data"),
        Fault("extra_column", column="Some new column", value="x"),
    )
    fetch = client.fetch_data([848], parent_area_code="E12000007")
    southwark = fetch.frame[(fetch.frame["area_code"] == "E09000028") & (fetch.frame["category"] == "")]
    assert set(southwark["compared_to_region"]) <= {"Better", "Worse", "Similar", "Higher", "Lower"}
    assert "Some new column" not in fetch.frame.columns


def test_bom_and_26_columns_parse(sample_api, client):
    sample_api.state.bom = True
    add_faults(sample_api, Fault("drop_column", column="Time period range"))
    fetch = client.fetch_data([848], parent_area_code="E12000007")
    assert fetch.frame["indicator_id"].iloc[0] == "848"
    assert (fetch.frame["period_range"] == "").all()


def test_full_precision_and_empty_stays_missing(client):
    frame = client.fetch_data([848], parent_area_code="E12000007").frame
    values = frame["value"]
    long_digits = values[values.str.len() > 15]
    assert len(long_digits) > 0
    for text in long_digits.head(50):
        assert repr(float(text)) == text  # parsing keeps every served digit
    city = frame[frame["area_code"] == "E09000001"]
    assert (city["value"] == "").all()
    assert city["value_note"].str.contains("suppressed").all()
    assert pd.to_numeric(city["value"].replace("", None)).isna().all()  # never 0


def test_synthetic_header_is_seen(client):
    assert client.fetch_metadata([848]).synthetic is True


def test_tls_on_and_user_agent(client):
    session = client._session()
    assert session.verify is True
    assert session.trust_env is True
    assert session.headers["User-Agent"] == USER_AGENT
    assert "jsna-mental-wellbeing/" in USER_AGENT


def test_data_chunks_spread_over_the_concurrent_requests(sample_api):
    client = FingertipsResource(base_url=sample_api.base_url, max_concurrency=4).client()
    assert client.data_chunk_size(46) == 12
    assert client.data_chunk_size(1000) == 100  # never more than the server keeps
    fetch = client.fetch_data(list(FILLER_RANGE)[:46], parent_area_code="E12000007")
    assert len(fetch.requests) == 4 and fetch.frame["indicator_id"].nunique() == 46


def test_requests_are_concurrent_but_bounded(sample_api):
    client = FingertipsResource(base_url=sample_api.base_url, max_concurrency=3).client(chunk_size=10)
    fetch = client.fetch_data(list(FILLER_RANGE)[:45], parent_area_code="E12000007")
    assert len(fetch.requests) == 5
    assert fetch.frame["indicator_id"].nunique() == 45


@pytest.mark.skipif(not GENUINE_CSV.exists(), reason="../shared/fingertips-samples is not present")
def test_genuine_download_parses_with_its_quoted_newline():
    parsed = parse_data_csv(GENUINE_CSV.read_bytes())
    frame = parsed.frame
    assert len(frame) == 852
    assert frame["indicator_name"].iloc[0] == "Campylobacter incidence rate/100,000\n"
    assert frame["value"].iloc[0] == "94.7261896202678"
    assert math.isclose(float(frame["value"].iloc[0]), 94.7261896202678, rel_tol=0, abs_tol=0)
    assert (frame["category"] != "").sum() > 0  # deprivation-decile rows
    assert parsed.missing_optional == ["period_range"]


@pytest.mark.skipif(not GENUINE_CSV.exists(), reason="../shared/fingertips-samples is not present")
def test_genuine_download_cut_mid_row_is_refused():
    body = GENUINE_CSV.read_bytes()
    with pytest.raises(FingertipsResponseError):
        parse_data_csv(body[: len(body) // 2])


def test_one_log_line_per_request(client, caplog):
    caplog.set_level("INFO", logger="jsna.fingertips")
    client.fetch_data([848, 41001], parent_area_code="E12000007")
    lines = [r.getMessage() for r in caplog.records if r.name == "jsna.fingertips" and "GET" in r.getMessage()]
    assert len(lines) == 1
    assert "all_data/csv/by_indicator_id" in lines[0] and "-> 200" in lines[0] and "bytes" in lines[0]


def test_areas_and_their_parents_come_from_the_api(client):
    # What the next geographies stand on (areas from the API, not from code).
    boroughs = client.fetch_areas(502)
    assert {"Code", "Name"} <= set(boroughs[0])
    children = client.fetch_parent_to_child(502, 6)
    london = set(children["E12000007"])
    assert len(london) == 33 and london <= {a["Code"] for a in boroughs}


def test_a_gzip_answer_of_two_members_arrives_whole(client, sample_api):
    """RFC 1952 allows several members in one gzip body: every one is decoded."""
    clean = client.fetch_data([848, 41001]).frame
    add_faults(sample_api, Fault("gzip_members", times=None))
    both = client.fetch_data([848, 41001]).frame
    assert len(both) == len(clean) > 0
    pd.testing.assert_frame_equal(
        both.drop(columns="retrieved_at", errors="ignore"), clean.drop(columns="retrieved_at", errors="ignore")
    )


def test_the_last_row_cut_inside_its_last_field_is_refused(client, sample_api):
    add_faults(sample_api, Fault("cut_last_field", times=None))
    with pytest.raises(FingertipsResponseError, match="cut short"):
        client.fetch_data([848])
