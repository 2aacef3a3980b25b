"""How every published (out-layer) asset is declared: one place for group, owner,
freshness and description. Nothing is partitioned: every run covers the scope's areas
(one run per click), and each area's figures are in the asset's metadata, area by area."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from dagster import FreshnessPolicy, asset

from assets.descriptions import describe
from assets.errors import one_line_errors
from assets.staging import skip_when_quiet

OWNERS = ["team:public-health-intelligence"]
# Warn after 2 days and fail after 7 without a successful refresh (nightly runs at 02:00).
FRESHNESS = FreshnessPolicy.time_window(fail_window=timedelta(days=7), warn_window=timedelta(days=2))


def out_asset(key: str, *, kinds: set[str], fresh: bool = True, quiet_skip: bool = True, **kwargs: Any) -> Callable:
    """A published, region-wide asset: errors in one line and, on a quiet night, a success
    that does no work (``quiet_skip=False`` for the commit, which ends the quiet night itself)."""
    if fresh:
        kwargs["freshness_policy"] = FRESHNESS
    decorate = asset(key=key, group_name="out", kinds=kinds, owners=OWNERS, description=describe(key), **kwargs)
    return lambda fn: decorate(one_line_errors(skip_when_quiet(fn) if quiet_skip else fn))
