"""Resources from the command line and the environment: what the CLI, the UI and the
schedule run with (``FINGERTIPS_API_URL``, ``JSNA_OUTPUT_DIR``, the client bounds ...)."""

from __future__ import annotations

import os

from jsna.plausibility import DEFAULT_MAX_SHRINK
from jsna.remote import open_output_root
from resources import (
    REAL_OUTPUT_DIR,
    FingertipsResource,
    JsnaSettings,
    output_dir_from,
    scope_from_env,
)
from resources.storage import ParquetIOManager


def build_resources(
    api_url: str | None = None,
    output_dir: str | None = None,
    *,
    catalogue_path: str | None = None,
    region: str | None = None,
    area_type_id: int | None = None,
    footprints_path: str | None = None,
    **client_settings: float | int,
) -> dict[str, object]:
    """Resources from arguments, falling back to the environment, then to defaults."""
    out = output_dir_from(output_dir)
    env_region, env_area_type = scope_from_env()
    region = region or env_region
    area_type = area_type_id or env_area_type
    return {
        "fingertips": FingertipsResource.from_env(base_url=api_url, **client_settings),
        "settings": JsnaSettings(
            output_dir=out,
            region=region,
            area_type_id=area_type,
            catalogue_path=catalogue_path or os.environ.get("JSNA_CATALOGUE", ""),
            real_output_dir=os.environ.get("JSNA_REAL_OUTPUT_DIR") or str(REAL_OUTPUT_DIR),
            max_shrink=float(os.environ.get("JSNA_MAX_SHRINK") or DEFAULT_MAX_SHRINK),
            footprints_path=footprints_path or os.environ.get("JSNA_FOOTPRINTS", ""),
            icbs=os.environ.get("JSNA_ICBS", "yes").strip().lower() not in ("no", "none", "0", "false", "off"),
        ),
        # Tables passed between assets: Parquet (never pickles) in the state folder,
        # outside the published tree.
        "io_manager": ParquetIOManager(base_dir=str(open_output_root(out).state_dir / "dagster-storage")),
    }
