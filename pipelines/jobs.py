"""Jobs, and the run tags that put every borough partition into one run."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

from assets.partitions import borough_partitions
from assets.raw import RANGE_END, RANGE_START

__all__ = ["RANGE_END", "RANGE_START", "all_boroughs_tags", "refresh_all"]


def all_boroughs_tags() -> dict[str, str]:
    """Tags for a single run covering every area partition (single-run backfill); none
    while the definitions have no areas yet (loaded offline with nothing cached)."""
    keys = borough_partitions.get_partition_keys()
    return {RANGE_START: keys[0], RANGE_END: keys[-1]} if keys else {}


refresh_all = define_asset_job(
    "refresh_all",
    selection=AssetSelection.all(),
    # Launched with no partition chosen (launchpad, API), the job covers every borough in
    # one run; a partition picked at launch takes precedence.
    tags=all_boroughs_tags(),
    description="Fetch, validate and publish every indicator for every borough (one run, one publication).",
)
