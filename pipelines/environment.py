"""What a launch runs with, read in one place: the command line's flags over the
environment over the defaults. The CLI, ``dagster dev`` (the UI and the schedule) and a
restarted daemon all build their resources here, so no launch path has settings of its
own. Client bounds (``JSNA_MAX_ATTEMPTS`` ...) are ``FingertipsResource.from_env``'s, in
Dagster's ``EnvVar`` where Dagster has one: a run started from the UI reads them then."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from jsna.areas import DEFAULT_SCOPE, UPPER_TIER_AREA_TYPE
from jsna.layout import DEFAULT_OUTPUT_DIR, REAL_OUTPUT_DIR
from jsna.plausibility import DEFAULT_MAX_SHRINK
from jsna.remote import is_uri, state_dir_of

_OFF = ("no", "none", "0", "false", "off")


@dataclass(frozen=True)
class Launch:
    """The settings of one launch (``from_env``, then ``with_flags`` for the CLI's)."""

    api_url: str | None = None  # None: FINGERTIPS_API_URL, else the live API
    output_dir: str = DEFAULT_OUTPUT_DIR
    region: str = DEFAULT_SCOPE
    area_type_id: int = UPPER_TIER_AREA_TYPE
    catalogue_path: str = ""
    footprints_path: str = ""
    icbs: bool = True
    max_shrink: float = DEFAULT_MAX_SHRINK
    real_output_dir: str = str(REAL_OUTPUT_DIR)
    ui_banner: str = ""
    areas: tuple[str, ...] = field(default=())

    @classmethod
    def from_env(cls) -> Launch:
        env = os.environ
        return cls(
            api_url=env.get("FINGERTIPS_API_URL") or None,
            output_dir=env.get("JSNA_OUTPUT_DIR") or DEFAULT_OUTPUT_DIR,
            region=env.get("JSNA_REGION") or DEFAULT_SCOPE,
            area_type_id=int(env.get("JSNA_AREA_TYPE") or UPPER_TIER_AREA_TYPE),
            catalogue_path=env.get("JSNA_CATALOGUE", ""),
            footprints_path=env.get("JSNA_FOOTPRINTS", ""),
            icbs=env.get("JSNA_ICBS", "yes").strip().lower() not in _OFF,
            max_shrink=float(env.get("JSNA_MAX_SHRINK") or DEFAULT_MAX_SHRINK),
            real_output_dir=env.get("JSNA_REAL_OUTPUT_DIR") or str(REAL_OUTPUT_DIR),
            ui_banner=env.get("JSNA_UI_BANNER", ""),
        )

    def with_flags(self, **flags: object) -> Launch:
        """These settings with the flags that were given (None: not given)."""
        return replace(self, **{k: v for k, v in flags.items() if v is not None})

    @property
    def output(self) -> str:
        """The output root: a local path made absolute (the state folder beside it is found by it)."""
        out = self.output_dir or DEFAULT_OUTPUT_DIR
        return out if is_uri(out) else str(Path(out).resolve())

    def resources(self) -> dict[str, object]:
        """The run's resources: the API client, the run context and the IO manager (Dagster
        is imported here, not with this module: ``jsna verify`` starts without it)."""
        from resources import FingertipsResource, RunContext
        from resources.storage import ParquetIOManager

        fingertips = FingertipsResource.from_env(base_url=self.api_url)
        return {
            "fingertips": fingertips,
            "run": RunContext(
                fingertips=fingertips,
                output_dir=self.output,
                region=self.region,
                area_type_id=self.area_type_id,
                catalogue_path=self.catalogue_path,
                real_output_dir=self.real_output_dir,
                max_shrink=self.max_shrink,
                footprints_path=self.footprints_path,
                icbs=self.icbs,
                areas=list(self.areas),
            ),
            # Tables passed between assets: Parquet (never pickles) in the state folder,
            # outside the published tree.
            "io_manager": ParquetIOManager(base_dir=str(state_dir_of(self.output) / "dagster-storage")),
        }
