"""Where every published file lives, relative to the output root.

The one place a published path is spelled: assets stage files at these paths, the
refresh checks them for currency, pages link to them and the CLI names them. When the
next geographies arrive (every council, ICBs, footprints) they change here only.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

from jsna.areas import Scope, region_slug
from jsna.publication import MANIFEST

DEFAULT_OUTPUT_DIR = "data/output"
# Where real outputs live (the project's own data/output): synthetic data is never written here.
REAL_OUTPUT_DIR = Path(__file__).resolve().parent.parent / DEFAULT_OUTPUT_DIR
AREAS_DIR = "areas"
LEGACY_AREAS_DIR = "boroughs"  # the area folders before every council in England (retired on upgrade)
REGION_DIR = "london"  # the default scope's table folder; every scope's is its slug
ICBS_DIR = "icbs"  # one folder per Integrated Care Board
FOOTPRINTS_DIR = "footprints"  # one folder per custom footprint (JSNA_FOOTPRINTS)
CHANGES_DIR = "changes"
QUARANTINE_DIR = "quarantine"
INDEX = "index.html"
SYNTHETIC_MARK = "_SYNTHETIC"  # in the name of every CSV of synthetic data
__all__ = ["MANIFEST", "AreaFiles", "area", "changes", "dictionary", "link", "quarantine", "region_table"]


def _name(stem: str, suffix: str, synthetic: bool) -> str:
    """A file name; a CSV of synthetic data says so in its name (a CSV opened in Excel shows
    no provenance otherwise)."""
    mark = SYNTHETIC_MARK if synthetic and suffix == "csv" else ""
    return f"{stem}{mark}.{suffix}"


@dataclass(frozen=True)
class AreaFiles:
    """The files one area publishes (CSV names marked when ``synthetic``): a council under
    ``areas/``, an ICB under ``icbs/``, a custom footprint under ``footprints/``."""

    slug: str
    synthetic: bool = False
    base: str = AREAS_DIR

    @property
    def folder(self) -> str:
        return f"{self.base}/{self.slug}"

    def neighbourhoods(self, suffix: str = "parquet") -> str:
        """A council's MSOA values, with the council and England beside them."""
        return f"{self.folder}/{_name('neighbourhoods', suffix, self.synthetic)}"

    def table(self, suffix: str = "parquet") -> str:
        """Every indicator value for the area, with its region and England beside it."""
        return f"{self.folder}/{_name('indicator_values', suffix, self.synthetic)}"

    def inequalities(self, suffix: str = "parquet") -> str:
        """Each group served for the area and its comparators, beside its reference."""
        return f"{self.folder}/{_name('inequalities', suffix, self.synthetic)}"

    def gradients(self, suffix: str = "parquet") -> str:
        """The gap across the area's deprivation groups and neighbourhoods (SII, RII)."""
        return f"{self.folder}/{_name('inequality_gradients', suffix, self.synthetic)}"

    def summary(self, suffix: str = "parquet") -> str:
        """Each indicator's latest headline value with comparisons, trend and rank."""
        return f"{self.folder}/{_name('summary', suffix, self.synthetic)}"

    @property
    def workbook(self) -> str:
        return f"{self.folder}/jsna_mental_wellbeing_{self.slug}.xlsx"

    @property
    def report(self) -> str:
        return f"{self.folder}/report.html"

    @property
    def chapter(self) -> str:
        """The draft JSNA chapter (Word), for the analyst to finish."""
        return f"{self.folder}/jsna_chapter_{self.slug}.docx"

    def files(self) -> tuple[str, ...]:
        """Every file of the area: a publication that lacks one is not complete."""
        council = (
            (self.neighbourhoods("parquet"), self.neighbourhoods("csv"), self.inequalities("parquet"),
             self.inequalities("csv"), self.gradients("parquet"), self.gradients("csv"))
            if self.base == AREAS_DIR
            else ()
        )  # fmt: skip
        return (
            self.table("parquet"),
            self.table("csv"),
            *council,
            self.summary("parquet"),
            self.summary("csv"),
            self.workbook,
            self.report,
            self.chapter,
        )


def area(slug: str, synthetic: bool = False) -> AreaFiles:
    return AreaFiles(slug, synthetic)


def icb(slug: str, synthetic: bool = False) -> AreaFiles:
    return AreaFiles(slug, synthetic, ICBS_DIR)


def footprint(slug: str, synthetic: bool = False) -> AreaFiles:
    return AreaFiles(slug, synthetic, FOOTPRINTS_DIR)


def region_table(
    suffix: str = "parquet", synthetic: bool = False, scope: str = REGION_DIR, stem: str = "indicator_values"
) -> str:
    """Every area of the scope (``london``, ``north-west``, ``england``), its regions and
    England in one table (``stem``: the table, ``indicator_values`` or ``inequalities``)."""
    return f"{scope}/{_name(stem, suffix, synthetic)}"


SCOPE_INEQUALITY_TABLES = ("inequalities", "inequality_gradients")


def changes(day: str, suffix: str, synthetic: bool = False) -> str:
    """What one day's publications changed (``day`` as YYYY-MM-DD)."""
    return f"{CHANGES_DIR}/{_name(day, suffix, synthetic)}"


def quarantine(suffix: str, synthetic: bool = False, table: str = "indicator_values") -> str:
    """The rows a table's contract refused (``indicator_values``, ``neighbourhood_values``,
    ``icb_values``), as served, with the reason."""
    return f"{QUARANTINE_DIR}/{_name(f'{table}_quarantine', suffix, synthetic)}"


def dictionary(suffix: str = "csv", synthetic: bool = False) -> str:
    """Every published table, column, file and indicator, described."""
    return _name("data_dictionary", suffix, synthetic)


DICTIONARY = dictionary("csv")


def region_files(synthetic: bool = False, scope: str = REGION_DIR) -> tuple[str, ...]:
    """The scope-wide files every complete publication holds."""
    return (
        region_table("parquet", scope=scope),
        region_table("csv", synthetic, scope),
        *(
            region_table(suffix, synthetic, scope, stem)
            for stem in SCOPE_INEQUALITY_TABLES
            for suffix in ("parquet", "csv")
        ),
        dictionary("csv", synthetic),
        INDEX,
    )


def link(from_file: str, to_file: str) -> str:
    """A relative link from one published file (a page) to another."""
    return posixpath.relpath(to_file, posixpath.dirname(from_file) or ".")


def table_dirs(scope: Scope) -> tuple[str, ...]:
    """The folders of a scope's tables: its own (``london``, ``england``) and, for
    England, one per region (each region's areas, the region and England)."""
    regions = tuple(region_slug(r.name) for r in scope.regions) if scope.is_england else ()
    return (scope.slug, *(r for r in regions if r != scope.slug))


def retired(
    relpath: str,
    area_slugs: list[str],
    tables: tuple[str, ...],
    icb_slugs: list[str] | None = None,
    footprint_slugs: list[str] | None = None,
) -> bool:
    """Whether a published file belongs to nothing the scope publishes now: an area gone
    upstream (``areas/<slug>/`` of a slug no longer listed; an ICB merged away; a footprint
    taken out of the footprints file), the old ``boroughs/`` layout,
    or the table of a scope no longer published here. The commit removes it."""
    parts = relpath.split("/")
    if parts[0] == LEGACY_AREAS_DIR:
        return True
    if parts[0] == AREAS_DIR and len(parts) >= 3:
        return parts[1] not in set(area_slugs)
    if parts[0] == ICBS_DIR and len(parts) >= 3:
        return parts[1] not in set(icb_slugs or [])
    if parts[0] == FOOTPRINTS_DIR and len(parts) >= 3:
        return parts[1] not in set(footprint_slugs or [])
    scope_table = parts[-1].startswith(("indicator_values", *SCOPE_INEQUALITY_TABLES))
    if len(parts) == 2 and scope_table and parts[0] not in (CHANGES_DIR, QUARANTINE_DIR):
        return parts[0] not in tables
    return False
