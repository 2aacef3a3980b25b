"""Dagster resources: the Fingertips client, the project settings and where tables live.

The layer between plain Python and the assets: it imports only ``jsna`` (and Dagster),
``assets/`` import it, and ``pipelines/`` wires it from the environment. Plain fields,
so the same definitions run against the live API, a mirror or the offline sample API.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from dagster import ConfigurableResource, EnvVar
from pydantic import Field

from jsna.areas import (
    DEFAULT_SCOPE,
    UPPER_TIER_AREA_TYPE,
    AreaList,
    Scope,
    cached_area_list,
    load_area_list,
    resolve_scope,
)
from jsna.catalogue import Catalogue, load_catalogue
from jsna.extracts import Extract, extracts
from jsna.fingertips import DEFAULT_BASE_URL, FingertipsClient
from jsna.fingertips.client import redact
from jsna.footprints.config import Footprints, load_footprints
from jsna.plausibility import DEFAULT_MAX_SHRINK
from jsna.publish import OutputRoot
from jsna.remote import is_uri, open_output_root

DEFAULT_OUTPUT_DIR = "data/output"
# Where real outputs live: synthetic data is never written here.
REAL_OUTPUT_DIR = Path(__file__).resolve().parent.parent / DEFAULT_OUTPUT_DIR


class FingertipsResource(ConfigurableResource):
    """Connection settings for a Fingertips-style API: every client setting declared
    here, once, with its default and meaning. Each is read from the environment by
    ``from_env`` (``base_url`` from ``FINGERTIPS_API_URL``, the others from ``JSNA_`` and
    the field name in capitals, e.g. ``JSNA_MAX_ATTEMPTS``)."""

    base_url: str = Field(default=DEFAULT_BASE_URL, description="The API root, ending in /api.")
    connect_timeout: float = Field(default=10.0, description="Seconds to wait for a connection.")
    read_timeout: float = Field(default=120.0, description="Seconds to wait between bytes of an answer.")
    max_attempts: int = Field(default=4, description="Attempts per request (1 = no retry).")
    retry_budget_seconds: float = Field(
        default=300.0, description="Time bound of a whole request, retries and waits included."
    )
    backoff_base_seconds: float = Field(
        default=1.0, description="Backoff before the 2nd attempt (full jitter, doubling after)."
    )
    backoff_max_seconds: float = Field(default=30.0, description="Longest wait between attempts (bar Retry-After).")
    max_concurrency: int = Field(default=6, description="Requests in flight at once.")
    max_response_mb: float = Field(default=256.0, description="Largest answer accepted, encoded or decoded.")

    @classmethod
    def env_names(cls) -> dict[str, str]:
        """Field -> environment variable."""
        return {
            name: "FINGERTIPS_API_URL" if name == "base_url" else f"JSNA_{name.upper()}" for name in cls.model_fields
        }

    @classmethod
    def from_env(cls, **given: object) -> FingertipsResource:
        """Given values first, then the environment, then the defaults.

        Strings and integers come through Dagster's ``EnvVar`` (resolved when a run starts,
        so the UI picks up a changed variable); Dagster has no float ``EnvVar``, so floats
        are read here and validated by the resource's own types."""
        values: dict[str, object] = {}
        for name, variable in cls.env_names().items():
            if given.get(name) is not None:
                values[name] = given[name]
            elif os.environ.get(variable):
                annotation = cls.model_fields[name].annotation
                values[name] = (
                    EnvVar(variable)
                    if annotation is str
                    else EnvVar.int(variable)
                    if annotation is int
                    else os.environ[variable]
                )
        return cls(**values)

    @classmethod
    def resolved(cls, base_url: str | None = None) -> FingertipsResource:
        """``from_env`` with every setting resolved now, for use outside a run (an ``EnvVar``
        is resolved only when a run starts)."""
        unresolved = cls.from_env(base_url=base_url)
        return cls(**{name: unresolved.value_of(name) for name in cls.model_fields})

    def value_of(self, name: str) -> object:
        """A setting's value, also outside a run (where an ``EnvVar`` is not yet resolved)."""
        value = getattr(self, name)
        if hasattr(value, "env_var_name"):  # EnvVar or EnvVar.int, resolved at run start
            return type(self).model_fields[name].annotation(os.environ[value.env_var_name])
        return value

    def client(self, **overrides: object) -> FingertipsClient:
        """A plain client (usable without Dagster, e.g. in a notebook)."""
        settings = {name: getattr(self, name) for name in type(self).model_fields if name != "base_url"}
        return FingertipsClient(self.base_url, **(settings | overrides))


class JsnaSettings(ConfigurableResource):
    """Where outputs go, which areas (a region, or England), which catalogue."""

    output_dir: str = DEFAULT_OUTPUT_DIR
    region: str = DEFAULT_SCOPE  # a region's slug, name or code, or "england" (JSNA_REGION)
    area_type_id: int = UPPER_TIER_AREA_TYPE  # 502 upper tier, 501 lower tier (JSNA_AREA_TYPE)
    catalogue_path: str = ""  # empty: the catalogue shipped with the package
    real_output_dir: str = str(REAL_OUTPUT_DIR)
    max_shrink: float = DEFAULT_MAX_SHRINK  # refuse an indicator losing more than this share of its rows
    footprints_path: str = ""  # custom footprints (JSNA_FOOTPRINTS, --footprints); empty: none
    icbs: bool = True  # fetch and publish every ICB's pack (JSNA_ICBS=no turns it off)

    def catalogue(self) -> Catalogue:
        return load_catalogue(self.catalogue_path or None)

    def footprints(self) -> Footprints:
        return load_footprints(self.footprints_path or None)

    def footprints_key(self) -> str:
        """The footprints' part of a publication's fingerprint (nothing when there are none)."""
        found = self.footprints()
        return f"|footprints={found.sha256}" if found.footprints else ""

    def extracts(self) -> tuple[Extract, ...]:
        """What the raw step fetches (``jsna.extracts``)."""
        return extracts(self.catalogue(), self.area_type_id, icbs=self.icbs)

    def area_list(self) -> AreaList:
        """The areas the API listed, as the raw layer cached them in the state folder."""
        found = load_area_list(self.output_root().state_dir, self.area_type_id)
        if found is None:
            raise ValueError(
                f"no list of areas of type {self.area_type_id} in {self.output_root().state_dir}: "
                "the raw metadata step fetches it (select the raw assets too, or use 'Materialize all')"
            )
        return found

    def scope(self) -> Scope:
        """The areas this refresh publishes, resolved against the cached area list."""
        return resolve_scope(self.region, self.area_list())

    def output_root(self) -> OutputRoot:
        return open_output_root(self.output_dir)


def output_dir_from(given: str | None = None) -> str:
    """The output root: as given, else ``JSNA_OUTPUT_DIR``, else the default; a local
    path made absolute (the state folder beside it is found by that path)."""
    out = given or os.environ.get("JSNA_OUTPUT_DIR") or DEFAULT_OUTPUT_DIR
    return out if is_uri(out) else str(Path(out).resolve())


def scope_from_env() -> tuple[str, int]:
    """The scope named in the environment: ``JSNA_REGION`` (default london) and
    ``JSNA_AREA_TYPE`` (default 502)."""
    return os.environ.get("JSNA_REGION") or DEFAULT_SCOPE, int(os.environ.get("JSNA_AREA_TYPE") or UPPER_TIER_AREA_TYPE)


_chosen_scope: Scope | None = None


def use_scope_for_partitions(scope: Scope) -> None:
    """Name the scope whose areas become the partitions, before the assets are imported
    (the CLI does, for its ``--output`` and ``--region``)."""
    global _chosen_scope
    _chosen_scope = scope


def partition_scope() -> Scope | None:
    """The scope whose areas are the partitions when the definitions load.

    The one the CLI chose, else the environment's (``JSNA_REGION``, ``JSNA_AREA_TYPE``)
    resolved against the area list cached in the output root's state folder, fetched
    from the API once when there is none. None when the API cannot be reached and
    nothing is cached: the definitions load without areas and the first refresh fetches
    them (an unknown region is an error here, naming the valid ones)."""
    if _chosen_scope is not None:
        return _chosen_scope
    region, area_type = scope_from_env()
    state_dir = open_output_root(output_dir_from()).state_dir
    fingertips = FingertipsResource.resolved()
    try:
        area_list = cached_area_list(
            state_dir,
            area_type,
            redact(fingertips.base_url),
            lambda: fingertips.client(max_attempts=2, retry_budget_seconds=20.0),
        )
    except Exception as exc:  # noqa: BLE001 - offline: load without areas, say why
        logging.getLogger("jsna").warning(f"no areas yet (the API could not list them: {exc})")
        return None
    return resolve_scope(region, area_list)
