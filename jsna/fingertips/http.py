"""The HTTP side of the Fingertips client: one session per thread, every request bounded
in time (connect, read and a budget for all attempts) and retried with backoff and full
jitter on what is transient (connection errors, timeouts, 429 with ``Retry-After``, 5xx)."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode

import pandas as pd
import requests
import urllib3
from tenacity import (
    RetryCallState,
    RetryError,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
    wait_random_exponential,
)

from jsna import __version__
from jsna.fingertips.data_csv import refuse_html
from jsna.fingertips.errors import (
    FingertipsResponseError,
    FingertipsTruncatedError,
    FingertipsUnavailable,
)
from jsna.fingertips.transport import (
    DeadlineExceeded,
    Transient,
    read_body,
    redact,
    retry_after_seconds,
    short,
)

DEFAULT_BASE_URL = "https://fingertips.phe.org.uk/api"
MAX_IDS_PER_REQUEST = 100
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = f"jsna-mental-wellbeing/{__version__} (+python-requests)"
# A server that says its data is synthetic (the offline sample API does) sets this
# header; the pipeline carries the label into every output.
SYNTHETIC_HEADER = "X-Data-Synthetic"

log = logging.getLogger("jsna.fingertips")


@dataclass(frozen=True)
class RequestRecord:
    """One HTTP exchange, for the run's metadata and the audit trail."""

    url: str
    status: int | None
    bytes: int
    seconds: float
    retrieved_at: str
    attempts: int


@dataclass
class DataFetch:
    """Indicator data for a set of ids: the served rows plus what did not come back."""

    frame: pd.DataFrame
    empty_ids: list[int]
    requests: list[RequestRecord] = field(default_factory=list)
    synthetic: bool = False


@dataclass
class MetadataFetch:
    """Indicator metadata (text, from CSV) and last-upload times (from JSON)."""

    frame: pd.DataFrame
    last_uploaded: dict[int, str | None]
    unknown_ids: list[int]
    requests: list[RequestRecord] = field(default_factory=list)
    synthetic: bool = False


@dataclass(frozen=True)
class Answer:
    body: bytes
    content_type: str | None
    record: RequestRecord
    synthetic: bool


def chunked(ids: Sequence[int], size: int = MAX_IDS_PER_REQUEST) -> list[list[int]]:
    """Split ids into request-sized chunks (the server keeps only the first 100)."""
    if not 1 <= size <= MAX_IDS_PER_REQUEST:
        raise ValueError(f"chunk size must be between 1 and {MAX_IDS_PER_REQUEST}")
    unique = list(dict.fromkeys(int(i) for i in ids))
    return [unique[i : i + size] for i in range(0, len(unique), size)]


@dataclass(frozen=True)
class ClientBounds:
    """How long and how hard the client tries: timeouts, attempts and their time budget,
    backoff, concurrency and the largest answer (see ``resources.FingertipsResource``)."""

    connect_timeout: float
    read_timeout: float
    max_attempts: int
    retry_budget_seconds: float
    backoff_base_seconds: float
    backoff_max_seconds: float
    max_concurrency: int
    max_response_mb: float


class HttpClient:
    """Requests to one API root, each bounded and retried (``ClientBounds``)."""

    def __init__(
        self,
        base_url: str,
        bounds: ClientBounds,
        *,
        chunk_size: int = MAX_IDS_PER_REQUEST,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """No defaults for the bounds, nor the URL: every setting is declared once, with its
        default, environment variable and meaning, on ``resources.FingertipsResource``
        (whose ``client()`` builds this object, in a notebook as in a run)."""
        self.base_url = base_url.rstrip("/")
        self.timeout = (bounds.connect_timeout, bounds.read_timeout)
        self.max_attempts = max(1, bounds.max_attempts)
        self.retry_budget_seconds = bounds.retry_budget_seconds
        self._jitter = wait_random_exponential(multiplier=bounds.backoff_base_seconds, max=bounds.backoff_max_seconds)
        self.max_concurrency = max(1, bounds.max_concurrency)
        self.chunk_size = chunk_size
        self.max_response_bytes = int(bounds.max_response_mb * 1024 * 1024)
        self._sleep = sleep
        self._local = threading.local()

    # -- HTTP ----------------------------------------------------------------------
    def _session(self) -> requests.Session:
        """One session per thread: ``requests.Session`` is not documented thread-safe."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            session.verify = True  # never switched off
            session.trust_env = True  # HTTP(S)_PROXY / NO_PROXY from the environment
            self._local.session = session
        return session

    def url_for(self, path: str, params: dict[str, object]) -> str:
        """The full URL of a request, as logged and recorded."""
        return f"{self.base_url}/{path.lstrip('/')}?{urlencode(params, safe=',')}"

    def get(self, path: str, params: dict[str, object], indicator_ids: Sequence[int] = ()) -> Answer:
        """GET with retries (tenacity): the whole body, or a ``FingertipsError``.

        Retried: no answer, a broken or cut body, 429 and 500/502/503/504, with full-jitter
        exponential backoff and the server's Retry-After as a floor, until ``max_attempts``
        or until the next wait would end past the time budget. Not retried: TLS failures,
        other 4xx, answers over the size limit, an answer still arriving at the budget."""
        real_url = self.url_for(path, params)
        url = redact(real_url)  # what logs, records and errors show: no credentials
        started = time.monotonic()
        deadline = started + self.retry_budget_seconds
        retrying = Retrying(
            retry=retry_if_exception_type(Transient),
            stop=stop_after_attempt(self.max_attempts) | stop_before_delay(self.retry_budget_seconds),
            wait=self._wait,
            sleep=self._sleep,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return self._attempt(real_url, url, deadline, attempt.retry_state.attempt_number, indicator_ids)
        except RetryError as exc:
            failure = exc.last_attempt.exception()
            attempts = exc.last_attempt.attempt_number
            problem = str(failure)
            if attempts < self.max_attempts:
                problem += f"; the retry budget of {self.retry_budget_seconds:g} s is spent"
            status = getattr(failure, "status", None)
            raise self._unavailable(url, indicator_ids, attempts, started, problem, status) from failure
        except DeadlineExceeded as exc:
            problem = f"{exc}; the time budget of {self.retry_budget_seconds:g} s is spent"
            raise self._unavailable(url, indicator_ids, exc.attempt, started, problem, None) from exc
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _attempt(self, real_url: str, url: str, deadline: float, attempt: int, indicator_ids: Sequence[int]) -> Answer:
        """One request: the answer, or ``Transient`` (worth retrying), or a final error."""
        t0 = time.monotonic()
        try:
            response = self._session().get(
                real_url, timeout=self._bounded_timeout(deadline), allow_redirects=True, stream=True
            )
            try:
                body = read_body(response, deadline, self.max_response_bytes, url)
            finally:
                response.close()
        except DeadlineExceeded as exc:
            exc.attempt = attempt
            raise
        except FingertipsTruncatedError as exc:
            raise Transient(exc.reason) from exc
        except requests.exceptions.SSLError as exc:
            # Certificate problems are not transient: say so at once, never retry with verification off.
            raise FingertipsUnavailable(
                f"TLS certificate verification failed ({short(exc)})", url=url, indicator_ids=indicator_ids
            ) from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            log.info("GET %s -> no answer (%s) after %.2f s", url, short(exc), time.monotonic() - t0)
            raise Transient(short(exc)) from exc
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as exc:
            # e.g. ChunkedEncodingError, or a read timeout / broken connection mid-body
            log.info("GET %s -> broken answer (%s)", url, short(exc))
            raise Transient(short(exc)) from exc
        seconds = time.monotonic() - t0
        status = response.status_code
        log.info("GET %s -> %s, %d bytes, %.2f s", url, status, len(body), seconds)
        if status in RETRY_STATUSES:
            raise Transient(f"HTTP {status}", status, retry_after_seconds(response.headers.get("Retry-After")))
        if status >= 400:
            raise FingertipsResponseError(
                f"the server refused the request (HTTP {status})", url=url, indicator_ids=indicator_ids, status=status
            )
        record = RequestRecord(
            url=url,
            status=status,
            bytes=len(body),
            seconds=round(seconds, 3),
            retrieved_at=datetime.now(UTC).isoformat(timespec="seconds"),
            attempts=attempt,
        )
        return Answer(
            body=body,
            content_type=response.headers.get("Content-Type"),
            record=record,
            synthetic=response.headers.get(SYNTHETIC_HEADER, "").lower() == "true",
        )

    def _wait(self, state: RetryCallState) -> float:
        """Full-jitter exponential backoff; a server's Retry-After is a floor."""
        wait = self._jitter(state)
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, Transient) and failure.retry_after is not None:
            wait = max(wait, failure.retry_after)
        return wait

    @staticmethod
    def _unavailable(
        url: str, ids: Sequence[int], attempts: int, started: float, problem: str, status: int | None
    ) -> FingertipsUnavailable:
        return FingertipsUnavailable(
            f"the Fingertips API could not be reached after {attempts} attempt(s) "
            f"in {time.monotonic() - started:.1f} s ({problem})",
            url=url,
            indicator_ids=ids,
            status=status,
        )

    def _bounded_timeout(self, deadline: float) -> tuple[float, float]:
        remaining = max(0.5, deadline - time.monotonic())
        return (min(self.timeout[0], remaining), min(self.timeout[1], remaining))

    def data_chunk_size(self, n_ids: int) -> int:
        """Ids per data request: spread over the concurrent requests, at most 100.

        The live API spends time per indicator in a data request, so 46 ids in one
        request take about as long as 46 one after another; split over 4 concurrent
        requests they take a quarter of that.
        """
        if n_ids <= 0:
            return self.chunk_size
        return max(1, min(self.chunk_size, math.ceil(n_ids / self.max_concurrency)))

    # -- helpers -------------------------------------------------------------------
    def _json(self, answer: Answer, ids: Sequence[int]) -> object:
        refuse_html(answer.body, answer.content_type, answer.record.url)
        try:
            return json.loads(answer.body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FingertipsResponseError(
                f"the answer is not valid JSON ({exc})", url=answer.record.url, indicator_ids=ids
            ) from exc

    def _map(self, fn: Callable[[list[int]], object], chunks: list[list[int]]) -> list:
        """Run chunk requests with bounded concurrency; the first failure wins."""
        if len(chunks) <= 1 or self.max_concurrency == 1:
            return [fn(c) for c in chunks]
        with ThreadPoolExecutor(max_workers=min(self.max_concurrency, len(chunks))) as pool:
            return list(pool.map(fn, chunks))
