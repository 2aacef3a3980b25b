"""13. Bounded reads: an answer that drips, never ends, runs away in size or stops inside
its gzip stream is refused within the configured budget and size; nothing is published."""

from __future__ import annotations

import pytest

from jsna.fingertips import FingertipsClient, FingertipsError, FingertipsUnavailable
from jsna.fingertips.errors import FingertipsResponseError
from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.server import running_sample_api
from resources import FingertipsResource
from tests.pipeline_helpers import refresh, snapshot
from tests.reliability.conftest import assert_same_tables


def client_for(server, *, budget: float = 30, limit: int = 64 * 1024 * 1024, attempts: int = 3) -> FingertipsClient:
    return FingertipsResource(
        base_url=server.base_url,
        connect_timeout=2,
        read_timeout=10,
        max_attempts=attempts,
        backoff_base_seconds=0.01,
        backoff_max_seconds=0.02,
        retry_budget_seconds=budget,
        max_concurrency=1,
        max_response_mb=limit / 1024 / 1024,
    ).client(sleep=lambda _: None)


def test_a_dripping_answer_is_cut_at_the_time_budget():
    """One byte every 0.5 s never trips the per-read timeout; the budget (2 s) stops it.
    (The test asserts the outcome, not a duration: the body would take minutes.)"""
    state = SampleApiState(faults=[Fault("drip", seconds=0.5, times=None)])
    with running_sample_api(state) as server:
        with pytest.raises(FingertipsUnavailable, match="still arriving") as caught:
            client_for(server, budget=2).fetch_data([848], parent_area_code="E12000007")
    assert "time budget of 2 s is spent" in str(caught.value)
    assert len([r for r in state.requests if "all_data" in r["path"]]) == 1  # no retry past the budget


def test_an_oversized_answer_is_refused_at_the_limit():
    state = SampleApiState(faults=[Fault("oversize", size=8 * 1024 * 1024, times=None)])
    with running_sample_api(state) as server:
        with pytest.raises(FingertipsResponseError, match="larger than the limit of 1,048,576 bytes"):
            client_for(server, limit=1024 * 1024).fetch_data([848], parent_area_code="E12000007")


@pytest.mark.parametrize("times", [1, None], ids=["once", "always"])
def test_a_gzip_stream_without_its_end_is_refused(times):
    state = SampleApiState(faults=[Fault("gzip_unterminated", times=times)])
    with running_sample_api(state) as server:
        client = client_for(server)
        if times == 1:  # cut once: retried, then whole
            fetch = client.fetch_data([848], parent_area_code="E12000007")
            assert len(fetch.frame) > 0
        else:
            with pytest.raises(FingertipsError, match="gzip stream ended before its end"):
                client.fetch_data([848], parent_area_code="E12000007")


def test_a_whole_gzip_answer_is_accepted():
    """The decoding is real: a complete gzip body (as proxies send) parses to the same rows."""
    import gzip
    import http.server
    import threading

    import requests

    with running_sample_api(SampleApiState()) as upstream:

        class Gzipping(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                body = requests.get(upstream.base_url.removesuffix("/api") + self.path, timeout=30).content
                packed = gzip.compress(body)
                self.send_response(200)
                self.send_header("Content-Type", "text/csv")
                self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(packed)))
                self.end_headers()
                self.wfile.write(packed)

            def log_message(self, *args: object) -> None:
                pass

        proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Gzipping)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        try:
            via = FingertipsResource(
                base_url=f"http://127.0.0.1:{proxy.server_address[1]}/api", max_concurrency=1
            ).client()
            direct = client_for(upstream)
            a = via.fetch_data([848, 41001], parent_area_code="E12000007").frame.drop(
                columns=["request_url", "retrieved_at"]
            )
            b = direct.fetch_data([848, 41001], parent_area_code="E12000007").frame
        finally:
            proxy.shutdown()
            proxy.server_close()
    assert a.equals(b.drop(columns=["request_url", "retrieved_at"]))


def test_refresh_with_unterminated_gzip_publishes_nothing(tmp_path, clean_run, capsys):
    with running_sample_api(SampleApiState()) as server:
        assert refresh(server.base_url, tmp_path, "--borough", "southwark", "lewisham", "lambeth") == 0
        before = snapshot(tmp_path)
        server.state.revisions = {848: 1}
        server.state.faults.append(Fault("gzip_unterminated", times=None))
        assert refresh(server.base_url, tmp_path, "--borough", "southwark", "lewisham", "lambeth") == 1
    assert "gzip stream ended before its end" in capsys.readouterr().err
    assert snapshot(tmp_path) == before
    assert_same_tables(tmp_path, clean_run)
