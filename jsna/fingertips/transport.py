"""Reading one answer safely: bounded in time and size, decompressed (every gzip member),
its declared length checked, ``Retry-After`` honoured, and URLs named without credentials."""

from __future__ import annotations

import email.utils
import re
import time
import zlib
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import requests

from jsna.fingertips.errors import (
    FingertipsResponseError,
    FingertipsTruncatedError,
)

READ_BLOCK = 64 * 1024


class DeadlineExceeded(Exception):
    """The answer was still arriving when the time budget ran out (not retried)."""

    attempt: int = 1


class Transient(Exception):
    """An attempt worth retrying: no answer, a broken or cut answer, 429 or 5xx."""

    def __init__(self, problem: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.status = status
        self.retry_after = retry_after


def read_body(response: requests.Response, deadline: float, limit: int, url: str) -> bytes:
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
            raise DeadlineExceeded(f"the answer was still arriving after {size:,} bytes")
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
    check_length(response, body, url)
    return decode(body, response.headers.get("Content-Encoding", ""), limit, url)


def check_length(response: requests.Response, body: bytes, url: str) -> None:
    """A body (as sent, before decoding) shorter than its Content-Length was cut short."""
    declared = (response.headers.get("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) != len(body):
        raise FingertipsTruncatedError(f"the body was cut short ({len(body)} of {declared} bytes)", url=url)


def decode(body: bytes, encoding: str, limit: int, url: str) -> bytes:
    """Undo a Content-Encoding; a compressed stream must reach its end marker. A gzip body
    may hold several members one after another (RFC 1952): every one is decoded, so a
    valid answer is never cut to its first member."""
    codings = [c.strip().lower() for c in encoding.split(",") if c.strip() and c.strip().lower() != "identity"]
    for coding in reversed(codings):
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise FingertipsResponseError(f"the answer uses an unsupported Content-Encoding ({coding})", url=url)
        body = inflate(body, coding, limit, url)
    return body


def inflate(body: bytes, coding: str, limit: int, url: str) -> bytes:
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


def retry_after_seconds(value: str | None) -> float | None:
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


def short(exc: BaseException) -> str:
    """A one-line description of a requests exception, without noise or credentials."""
    text = _CREDENTIALS.sub("***@", str(exc))
    if "Max retries exceeded" in text and "(Caused by" in text:
        text = text.split("(Caused by", 1)[1].rstrip(")")
    return f"{type(exc).__name__}: {text[:200]}"
