"""A Fingertips API client that survives a slow, sometimes failing public service.

Plain Python (no Dagster) so it can be used from a notebook; ``resources``
wraps it as a Dagster resource. What it guarantees:

* bounded waiting: connect and read timeouts, and a total time budget for retries;
* retries with exponential backoff and full jitter on connection errors, timeouts,
  bodies cut short, 429 (honouring ``Retry-After``) and 500/502/503/504;
* TLS verification always on; proxies from the standard environment variables;
* at most 100 indicator ids per request (the server silently drops the rest), and a
  check that every id asked for came back;
* answers that are not what was asked for (HTML with status 200, an unexpected CSV
  header, a body cut short) are refused, never parsed into wrong data.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

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
from jsna.fingertips.data_csv import parse_data_csv, refuse_html
from jsna.fingertips.errors import (
    FingertipsError,
    FingertipsResponseError,
    FingertipsTruncatedError,
    FingertipsUnavailable,
)
from jsna.fingertips.metadata import parse_metadata_csv

DEFAULT_BASE_URL = "https://fingertips.phe.org.uk/api"
MAX_IDS_PER_REQUEST = 100
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
READ_BLOCK = 64 * 1024
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
class _Answer:
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


class FingertipsClient:
    """Talks to a Fingertips-style API (the live one, a mirror, or the sample API)."""

    def __init__(
        self,
        base_url: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        max_attempts: int,
        retry_budget_seconds: float,
        backoff_base_seconds: float,
        backoff_max_seconds: float,
        max_concurrency: int,
        max_response_mb: float,
        chunk_size: int = MAX_IDS_PER_REQUEST,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """No defaults here, the URL included: every setting is declared once, with its
        default, environment variable and meaning, on ``resources.FingertipsResource``
        (whose ``client()`` builds this object, in a notebook as in a run)."""
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.max_attempts = max(1, max_attempts)
        self.retry_budget_seconds = retry_budget_seconds
        self._jitter = wait_random_exponential(multiplier=backoff_base_seconds, max=backoff_max_seconds)
        self.max_concurrency = max(1, max_concurrency)
        self.chunk_size = chunk_size
        self.max_response_bytes = int(max_response_mb * 1024 * 1024)
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

    def get(self, path: str, params: dict[str, object], indicator_ids: Sequence[int] = ()) -> _Answer:
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
            retry=retry_if_exception_type(_Transient),
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
        except _DeadlineExceeded as exc:
            problem = f"{exc}; the time budget of {self.retry_budget_seconds:g} s is spent"
            raise self._unavailable(url, indicator_ids, exc.attempt, started, problem, None) from exc
        raise AssertionError("unreachable: tenacity either returns or raises")  # pragma: no cover

    def _attempt(self, real_url: str, url: str, deadline: float, attempt: int, indicator_ids: Sequence[int]) -> _Answer:
        """One request: the answer, or ``_Transient`` (worth retrying), or a final error."""
        t0 = time.monotonic()
        try:
            response = self._session().get(
                real_url, timeout=self._bounded_timeout(deadline), allow_redirects=True, stream=True
            )
            try:
                body = _read_body(response, deadline, self.max_response_bytes, url)
            finally:
                response.close()
        except _DeadlineExceeded as exc:
            exc.attempt = attempt
            raise
        except FingertipsTruncatedError as exc:
            raise _Transient(exc.reason) from exc
        except requests.exceptions.SSLError as exc:
            # Certificate problems are not transient: say so at once, never retry with verification off.
            raise FingertipsUnavailable(
                f"TLS certificate verification failed ({_short(exc)})", url=url, indicator_ids=indicator_ids
            ) from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            log.info("GET %s -> no answer (%s) after %.2f s", url, _short(exc), time.monotonic() - t0)
            raise _Transient(_short(exc)) from exc
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError) as exc:
            # e.g. ChunkedEncodingError, or a read timeout / broken connection mid-body
            log.info("GET %s -> broken answer (%s)", url, _short(exc))
            raise _Transient(_short(exc)) from exc
        seconds = time.monotonic() - t0
        status = response.status_code
        log.info("GET %s -> %s, %d bytes, %.2f s", url, status, len(body), seconds)
        if status in RETRY_STATUSES:
            raise _Transient(f"HTTP {status}", status, _retry_after_seconds(response.headers.get("Retry-After")))
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
        return _Answer(
            body=body,
            content_type=response.headers.get("Content-Type"),
            record=record,
            synthetic=response.headers.get(SYNTHETIC_HEADER, "").lower() == "true",
        )

    def _wait(self, state: RetryCallState) -> float:
        """Full-jitter exponential backoff; a server's Retry-After is a floor."""
        wait = self._jitter(state)
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _Transient) and failure.retry_after is not None:
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

    # -- Endpoints -----------------------------------------------------------------
    def fetch_data(
        self,
        indicator_ids: Iterable[int],
        *,
        child_area_type_id: int = 502,
        parent_area_type_id: int = 6,
        parent_area_code: str | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> DataFetch:
        """Fetch ``all_data`` rows for the ids, in concurrent chunks of at most 100."""
        ids = list(dict.fromkeys(int(i) for i in indicator_ids))
        chunks = chunked(ids, self.data_chunk_size(len(ids)))
        done = 0
        lock = threading.Lock()

        def one(chunk: list[int]) -> tuple[pd.DataFrame, RequestRecord, bool]:
            nonlocal done
            params: dict[str, object] = {
                "indicator_ids": ",".join(str(i) for i in chunk),
                "child_area_type_id": child_area_type_id,
                "parent_area_type_id": parent_area_type_id,
            }
            if parent_area_code:
                params["parent_area_code"] = parent_area_code
            answer = self.get("all_data/csv/by_indicator_id", params, chunk)
            refuse_html(answer.body, answer.content_type, answer.record.url)
            try:
                parsed = parse_data_csv(answer.body, url=answer.record.url)
            except FingertipsError as exc:
                raise type(exc)(
                    exc.reason, url=answer.record.url, indicator_ids=chunk, status=answer.record.status
                ) from exc
            frame = parsed.frame
            served = set(pd.to_numeric(frame["indicator_id"], errors="coerce").dropna().astype(int))
            stray = sorted(served - set(chunk))
            if stray:
                raise FingertipsResponseError(
                    f"the answer holds indicator ids that were not asked for: {stray[:10]}",
                    url=answer.record.url,
                    indicator_ids=chunk,
                )
            frame["request_url"] = answer.record.url
            frame["retrieved_at"] = answer.record.retrieved_at
            with lock:
                done += 1
                if progress:
                    progress(done, len(chunks))
            return frame, answer.record, answer.synthetic

        results = self._map(one, chunks)
        frames = [r[0] for r in results]
        frame = (
            pd.concat(frames, ignore_index=True)
            if frames
            else parse_data_csv(b"").frame.assign(request_url="", retrieved_at="")
        )
        served = set(pd.to_numeric(frame["indicator_id"], errors="coerce").dropna().astype(int))
        empty = [i for i in ids if i not in served]
        if empty:
            log.warning("no data came back at area type %s for indicator ids %s", child_area_type_id, empty)
        return DataFetch(
            frame=frame.astype("string"),
            empty_ids=empty,
            requests=[r[1] for r in results],
            synthetic=any(r[2] for r in results),
        )

    def fetch_change_dates(self, indicator_ids: Iterable[int]) -> MetadataFetch:
        """Only ``DataChange.LastUploadedAt`` per id (one JSON request per 100 ids): what a
        refresh asks first, to learn whether anything changed."""
        ids = list(dict.fromkeys(int(i) for i in indicator_ids))
        results = self._map(self.fetch_last_uploaded_chunk, chunked(ids, self.chunk_size))
        last: dict[int, str | None] = {}
        for changes, _ in results:
            last.update(changes)
        return MetadataFetch(
            frame=parse_metadata_csv(b""),
            last_uploaded=last,
            unknown_ids=[i for i in ids if i not in last],
            requests=[answer.record for _, answer in results],
            synthetic=any(answer.synthetic for _, answer in results),
        )

    def fetch_metadata(
        self, indicator_ids: Iterable[int], change_dates: dict[int, str | None] | None = None
    ) -> MetadataFetch:
        """Indicator metadata: text fields from the CSV, change dates from the JSON (unless
        ``change_dates`` already holds them)."""
        ids = list(dict.fromkeys(int(i) for i in indicator_ids))

        def one(chunk: list[int]) -> tuple[pd.DataFrame, dict[int, str | None], list[_Answer]]:
            params = {"indicator_ids": ",".join(str(i) for i in chunk)}
            text = self.get("indicator_metadata/csv/by_indicator_id", params, chunk)
            refuse_html(text.body, text.content_type, text.record.url)
            frame = parse_metadata_csv(text.body, url=text.record.url)
            if change_dates is not None:
                return frame, {i: change_dates.get(i) for i in chunk if i in change_dates}, [text]
            changes = self.fetch_last_uploaded_chunk(chunk)
            return frame, changes[0], [text, changes[1]]

        results = self._map(one, chunked(ids, self.chunk_size))
        frames = [r[0] for r in results if not r[0].empty]
        frame = pd.concat(frames, ignore_index=True) if frames else parse_metadata_csv(b"")
        last: dict[int, str | None] = {}
        for r in results:
            last.update(r[1])
        known = set(frame["indicator_id"].astype(int)) if not frame.empty else set()
        answers = [a for r in results for a in r[2]]
        return MetadataFetch(
            frame=frame,
            last_uploaded=last,
            unknown_ids=[i for i in ids if i not in known],
            requests=[a.record for a in answers],
            synthetic=any(a.synthetic for a in answers),
        )

    def fetch_last_uploaded_chunk(self, chunk: list[int]) -> tuple[dict[int, str | None], _Answer]:
        """One JSON metadata request (at most 100 ids)."""
        params = {"indicator_ids": ",".join(str(i) for i in chunk)}
        answer = self.get("indicator_metadata/by_indicator_id", params, chunk)
        payload = self._json(answer, chunk)
        if not isinstance(payload, dict):
            raise FingertipsResponseError(
                "indicator metadata JSON is not an object keyed by indicator id",
                url=answer.record.url,
                indicator_ids=chunk,
            )
        out: dict[int, str | None] = {}
        for key, item in payload.items():
            change = (item or {}).get("DataChange") or {}
            out[int(key)] = change.get("LastUploadedAt")
        return out, answer

    def fetch_areas(self, area_type_id: int) -> list[dict[str, object]]:
        """Areas of one type: ``[{"Code", "Name", "Short", "AreaTypeId"}]``."""
        answer = self.get("areas/by_area_type", {"area_type_id": area_type_id})
        payload = self._json(answer, ())
        if not isinstance(payload, list):
            raise FingertipsResponseError("areas answer is not a JSON list", url=answer.record.url)
        return payload

    def fetch_parent_to_child(self, child_area_type_id: int, parent_area_type_id: int) -> dict[str, list[str]]:
        """Parent code -> child codes, for resolving a region's areas."""
        answer = self.get(
            "parent_to_child_areas",
            {"child_area_type_id": child_area_type_id, "parent_area_type_id": parent_area_type_id},
        )
        payload = self._json(answer, ())
        if not isinstance(payload, dict):
            raise FingertipsResponseError("parent_to_child_areas answer is not an object", url=answer.record.url)
        return payload

    # -- helpers -------------------------------------------------------------------
    def _json(self, answer: _Answer, ids: Sequence[int]) -> object:
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


class _DeadlineExceeded(Exception):
    """The answer was still arriving when the time budget ran out (not retried)."""

    attempt: int = 1


class _Transient(Exception):
    """An attempt worth retrying: no answer, a broken or cut answer, 429 or 5xx."""

    def __init__(self, problem: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.status = status
        self.retry_after = retry_after


def _read_body(response: requests.Response, deadline: float, limit: int, url: str) -> bytes:
    """The whole body, read against a wall-clock deadline and a size limit, checked
    against its Content-Length, then decoded (gzip and deflate checked to their end).

    A server that drips one byte at a time never trips a per-read timeout; the deadline
    is checked between reads, each of which returns as soon as any bytes arrive.
    """
    raw = response.raw
    parts: list[bytes] = []
    size = 0
    while True:
        if time.monotonic() > deadline:
            raise _DeadlineExceeded(f"the answer was still arriving after {size:,} bytes")
        block = raw.read1(READ_BLOCK, decode_content=False)
        if not block:
            break
        size += len(block)
        if size > limit:
            raise FingertipsResponseError(
                f"the answer is larger than the limit of {limit:,} bytes (JSNA_MAX_RESPONSE_MB)", url=url
            )
        parts.append(block)
    body = b"".join(parts)
    _check_length(response, body, url)
    return _decode(body, response.headers.get("Content-Encoding", ""), limit, url)


def _check_length(response: requests.Response, body: bytes, url: str) -> None:
    """A body (as sent, before decoding) shorter than its Content-Length was cut short."""
    declared = (response.headers.get("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) != len(body):
        raise FingertipsTruncatedError(f"the body was cut short ({len(body)} of {declared} bytes)", url=url)


def _decode(body: bytes, encoding: str, limit: int, url: str) -> bytes:
    """Undo a Content-Encoding; a compressed stream must reach its end marker. A gzip body
    may hold several members one after another (RFC 1952): every one is decoded, so a
    valid answer is never cut to its first member."""
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip() and c.strip().lower() != "identity"]
    for coding in reversed(codings):
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise FingertipsResponseError(f"the answer uses an unsupported Content-Encoding ({coding})", url=url)
        body = _inflate(body, coding, limit, url)
    return body


def _inflate(body: bytes, coding: str, limit: int, url: str) -> bytes:
    """One coding undone, member after member (gzip), within ``limit`` bytes in all."""
    out: list[bytes] = []
    size, rest = 0, body
    while True:
        if coding == "deflate":
            decoder = zlib.decompressobj(zlib.MAX_WBITS if rest[:1] == b"\x78" else -zlib.MAX_WBITS)
        else:
            decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = decoder.decompress(rest, limit + 1 - size)
        except zlib.error as exc:
            raise FingertipsTruncatedError(f"the {coding} stream is corrupt ({exc})", url=url) from exc
        size += len(chunk)
        if size > limit or decoder.unconsumed_tail:
            raise FingertipsResponseError(
                f"the answer is larger than the limit of {limit:,} bytes once decompressed", url=url
            )
        if not decoder.eof:
            raise FingertipsTruncatedError(f"the {coding} stream ended before its end ({len(body)} bytes)", url=url)
        out.append(chunk)
        rest = decoder.unused_data
        if coding == "deflate" or not rest.strip(b"\x00"):  # gzip writers may pad with zeros
            return b"".join(out)


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: either a number or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def redact(url: str) -> str:
    """The URL without any user:password (never written to logs or errors)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


_CREDENTIALS = re.compile(r"(?<=://)[^/@\s:]+:[^/@\s]+@")


def _short(exc: BaseException) -> str:
    """A one-line description of a requests exception, without noise or credentials."""
    text = _CREDENTIALS.sub("***@", str(exc))
    if "Max retries exceeded" in text and "(Caused by" in text:
        text = text.split("(Caused by", 1)[1].rstrip(")")
    return f"{type(exc).__name__}: {text[:200]}"
