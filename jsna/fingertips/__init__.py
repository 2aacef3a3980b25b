"""Talking to the Fingertips API: HTTP client, CSV parsing, errors."""

from jsna.fingertips.client import (
    DEFAULT_BASE_URL,
    MAX_IDS_PER_REQUEST,
    DataFetch,
    FingertipsClient,
    MetadataFetch,
)
from jsna.fingertips.errors import (
    FingertipsError,
    FingertipsResponseError,
    FingertipsTruncatedError,
    FingertipsUnavailable,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_IDS_PER_REQUEST",
    "DataFetch",
    "FingertipsClient",
    "FingertipsError",
    "FingertipsResponseError",
    "FingertipsTruncatedError",
    "FingertipsUnavailable",
    "MetadataFetch",
]
