"""Errors raised by the Fingertips client.

Each error carries what an analyst needs to act on it: the URL, the indicator ids
in the request and the last HTTP status, so a failed nightly run says exactly what
could not be fetched.
"""

from __future__ import annotations

from collections.abc import Sequence


class FingertipsError(Exception):
    """Base class: the API could not give us what was asked for."""

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        indicator_ids: Sequence[int] = (),
        status: int | None = None,
    ) -> None:
        self.url = url
        self.indicator_ids = list(indicator_ids)
        self.status = status
        parts = [message]
        if url:
            parts.append(f"URL: {url}")
        if self.indicator_ids:
            parts.append(f"indicator ids: {_compact_ids(self.indicator_ids)}")
        if status is not None:
            parts.append(f"last HTTP status: {status}")
        super().__init__("; ".join(parts))
        self.reason = message


class FingertipsUnavailable(FingertipsError):
    """Every attempt failed (connection refused, DNS, timeouts, 5xx, 429)."""


class FingertipsResponseError(FingertipsError):
    """The server answered, but not with what was asked for (HTML, bad header, cut short)."""


class FingertipsTruncatedError(FingertipsResponseError):
    """The body was cut short: worth retrying, as proxies and flaky links do this."""


def _compact_ids(ids: Sequence[int], limit: int = 12) -> str:
    """Short, readable list of ids for an error message."""
    shown = ", ".join(str(i) for i in ids[:limit])
    if len(ids) > limit:
        shown += f", ... ({len(ids)} in all)"
    return shown
