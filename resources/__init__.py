"""Dagster resources: the Fingertips client, the project settings and where tables live.

The layer between plain Python and the assets: it imports only ``jsna`` (and Dagster),
``assets/`` import it, and ``pipelines/`` wires it from the environment. Plain fields,
so the same definitions run against the live API, a mirror or the offline sample API.
"""

from __future__ import annotations

import os
from pathlib import Path

from dagster import ConfigurableResource

from jsna.areas import LONDON_CODE, RegionConfig
from jsna.catalogue import Catalogue, load_catalogue
from jsna.fingertips import DEFAULT_BASE_URL, FingertipsClient, RetryPolicy
from jsna.plausibility import DEFAULT_MAX_SHRINK
from jsna.publish import OutputRoot
from jsna.remote import open_output_root

DEFAULT_OUTPUT_DIR = "data/output"
# Where real outputs live: synthetic data is never written here.
REAL_OUTPUT_DIR = Path(__file__).resolve().parent.parent / DEFAULT_OUTPUT_DIR


class FingertipsResource(ConfigurableResource):
    """Connection settings for a Fingertips-style API."""

    base_url: str = DEFAULT_BASE_URL
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    max_attempts: int = 4
    retry_budget_seconds: float = 300.0
    backoff_base_seconds: float = 1.0
    max_concurrency: int = 6
    max_response_mb: float = 256.0

    def client(self) -> FingertipsClient:
        return FingertipsClient(
            self.base_url,
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            retry=RetryPolicy(
                max_attempts=self.max_attempts,
                backoff_base=self.backoff_base_seconds,
                total_seconds=self.retry_budget_seconds,
            ),
            max_concurrency=self.max_concurrency,
            max_response_bytes=int(self.max_response_mb * 1024 * 1024),
        )


class JsnaSettings(ConfigurableResource):
    """Where outputs go, which region, which catalogue."""

    output_dir: str = DEFAULT_OUTPUT_DIR
    region_code: str = LONDON_CODE
    catalogue_path: str = ""  # empty: the catalogue shipped with the package
    real_output_dir: str = str(REAL_OUTPUT_DIR)
    max_shrink: float = DEFAULT_MAX_SHRINK  # refuse an indicator losing more than this share of its rows

    def catalogue(self) -> Catalogue:
        return load_catalogue(self.catalogue_path or None)

    def region(self) -> RegionConfig:
        return RegionConfig(self.region_code)

    def output_root(self) -> OutputRoot:
        return open_output_root(self.output_dir)


# Client settings that operators (and the reliability tests) can set from the environment.
CLIENT_ENV = {
    "connect_timeout": "JSNA_CONNECT_TIMEOUT",
    "read_timeout": "JSNA_READ_TIMEOUT",
    "max_attempts": "JSNA_MAX_ATTEMPTS",
    "retry_budget_seconds": "JSNA_RETRY_BUDGET_SECONDS",
    "backoff_base_seconds": "JSNA_BACKOFF_BASE_SECONDS",
    "max_concurrency": "JSNA_MAX_CONCURRENCY",
    "max_response_mb": "JSNA_MAX_RESPONSE_MB",
}


def region_from_env() -> RegionConfig:
    """The region whose areas become partitions (``JSNA_REGION_CODE``, default London)."""
    return RegionConfig(os.environ.get("JSNA_REGION_CODE", LONDON_CODE))
