"""The one job: every asset, every area of the scope, one run and one publication."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

refresh_all = define_asset_job(
    "refresh_all",
    selection=AssetSelection.all(),
    description="Fetch, validate and publish every indicator for every area (one run, one publication).",
)
