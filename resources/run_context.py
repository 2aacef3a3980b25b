"""What a run is, resolved once per run: its scope and areas, catalogue, footprints,
output root, raw stores and the fingerprint of the data it publishes.

Every asset but the two raw ones takes this resource and nothing else from the outside
world: it never calls the API (the raw assets hold the client), and what it reads from
disk (the catalogue, the footprints file, the area list the raw step cached) it reads
once per run and keeps. The area list is the one thing a run may change (the raw data
step refreshes it), so it is kept per version of its file.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from dagster import ConfigurableResource
from pydantic import PrivateAttr

from jsna.areas import (
    DEFAULT_SCOPE,
    UPPER_TIER_AREA_TYPE,
    AreaList,
    Scope,
    area_list_path,
    load_area_list,
    resolve_scope,
)
from jsna.catalogue import Catalogue, load_catalogue
from jsna.extracts import COUNCILS, Extract, combined_digest, extracts
from jsna.fingertips.transport import redact
from jsna.footprints.config import Footprints, load_footprints
from jsna.layout import DEFAULT_OUTPUT_DIR, REAL_OUTPUT_DIR
from jsna.plausibility import DEFAULT_MAX_SHRINK
from jsna.publication import OutputRoot
from jsna.publication.files import file_identity
from jsna.raw_store import RawStore
from jsna.remote import open_output_root
from resources.fingertips import FingertipsResource


class RunContext(ConfigurableResource):
    """Where outputs go, which areas (a region, or England), which catalogue and footprints,
    and the API the raw data came from (its address keys the raw stores and is named in
    every output's provenance)."""

    fingertips: FingertipsResource
    output_dir: str = DEFAULT_OUTPUT_DIR
    region: str = DEFAULT_SCOPE  # a region's slug, name or code, or "england" (JSNA_REGION)
    area_type_id: int = UPPER_TIER_AREA_TYPE  # 502 upper tier, 501 lower tier (JSNA_AREA_TYPE)
    catalogue_path: str = ""  # empty: the catalogue shipped with the package
    real_output_dir: str = str(REAL_OUTPUT_DIR)
    max_shrink: float = DEFAULT_MAX_SHRINK  # refuse an indicator losing more than this share of its rows
    footprints_path: str = ""  # custom footprints (JSNA_FOOTPRINTS, --footprints); empty: none
    icbs: bool = True  # fetch and publish every ICB's pack (JSNA_ICBS=no turns it off)
    areas: list[str] = []  # the areas whose packs this run rebuilds (--area); empty: every area of the scope
    drop: list[str] = []  # parts of the last publication this run may leave out ("footprints", "icbs"; --drop)
    launch: str = "{}"  # what manifest.json records of the launch (JSON: settings file, overrides)

    _kept: dict[str, Any] = PrivateAttr(default_factory=dict)

    def _once(self, key: str, make: Any) -> Any:
        if key not in self._kept:
            self._kept[key] = make()
        return self._kept[key]

    @property
    def api_base_url(self) -> str:
        """The API's address as given (it keys the raw stores)."""
        return str(self.fingertips.base_url)

    @property
    def api_name(self) -> str:
        """The API's address as outputs name it (credentials removed)."""
        return redact(self.api_base_url)

    def catalogue(self) -> Catalogue:
        return self._once("catalogue", lambda: load_catalogue(self.catalogue_path or None))

    def footprints(self) -> Footprints:
        return self._once("footprints", lambda: load_footprints(self.footprints_path or None))

    def footprints_key(self) -> str:
        """The footprints' part of a publication's fingerprint (nothing when there are none)."""
        found = self.footprints()
        return f"|footprints={found.sha256}" if found.footprints else ""

    def extracts(self) -> tuple[Extract, ...]:
        """What the raw step fetches (``jsna.extracts``)."""
        return self._once("extracts", lambda: extracts(self.catalogue(), self.area_type_id, icbs=self.icbs))

    def output_root(self) -> OutputRoot:
        return self._once("output_root", lambda: open_output_root(self.output_dir))

    @property
    def state_dir(self) -> Path:
        return self.output_root().state_dir

    def area_list(self) -> AreaList:
        """The areas the API listed, as the raw layer cached them in the state folder (read
        again only when the raw step has replaced the file)."""
        path = area_list_path(self.state_dir, self.area_type_id)
        try:
            version = file_identity(path)
        except OSError:
            version = None
        kept = self._kept.get("area_list")
        if kept is not None and version is not None and kept[0] == version:
            return kept[1]
        found = load_area_list(self.state_dir, self.area_type_id)
        if found is None:
            raise ValueError(
                f"no list of areas of type {self.area_type_id} in {self.state_dir}: "
                "the raw metadata step fetches it (select the raw assets too, or use 'Materialize all')"
            )
        self._kept["area_list"] = (version, found)
        self._kept.pop("scope", None)
        return found

    def scope(self) -> Scope:
        """The areas this refresh publishes, resolved against the cached area list."""
        areas = self.area_list()
        kept = self._kept.get("scope")
        if kept is None or kept[0] is not areas:
            kept = (areas, resolve_scope(self.region, areas))
            self._kept["scope"] = kept
        return kept[1]

    def slugs(self) -> list[str]:
        """The areas whose packs this run rebuilds: the ones asked for (``areas``) that are
        areas of the scope, in the scope's order; every area when none were asked for."""
        scope = self.scope()
        if not self.areas:
            return list(scope.slugs)
        asked = set(self.areas)
        return [s for s in scope.slugs if s in asked]

    def raw_stores(self) -> dict[str, RawStore]:
        """The raw store of each extract (``jsna.extracts``) of this output root and API. The
        councils' asks for every area in England (no ``parent_area_code``): one answer holds
        the region's areas and all those an area is ranked against in England."""
        return self._once(
            "raw_stores",
            lambda: {e.name: RawStore(self.state_dir, self.api_base_url, e.params) for e in self.extracts()},
        )

    def raw_store(self) -> RawStore:
        """The councils' raw store (whether the API declared its data synthetic is kept here)."""
        return self.raw_stores()[COUNCILS]

    def raw_digest(self) -> str:
        """What every extract's raw store holds now, as one fingerprint."""
        return combined_digest({name: store.digest() for name, store in self.raw_stores().items()})

    def data_fingerprint(self) -> str:
        """What a publication is built from: the raw data, the catalogue, the footprints, the
        scope and its areas."""
        scope = self.scope()
        key = scope.region_code or scope.slug
        areas = hashlib.sha256(",".join(a.code + a.name for a in scope.areas).encode()).hexdigest()[:16]
        text = (
            f"{self.raw_digest()}|{self.catalogue().sha256}|{key}|{scope.child_area_type_id}|{areas}"
            f"{self.footprints_key()}"
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]
