"""The publication: a run publishes everything or nothing, one refresh at a time.

Its narrow API: the refresh lease (``lease``), staging and the atomic commit
(``transaction``), the manifest's checks and repair (``repair``); and apart from the
transaction, the path rules (``paths``), file helpers (``files``) and a table's CSV for
Excel (``csv_export``) it is built on.
"""

from jsna.publication.csv_export import csv_bytes, defuse_formulas, defuse_text
from jsna.publication.files import (
    locked_file,
    parquet_bytes,
    read_nofollow,
    sha256_file,
    write_atomic,
)
from jsna.publication.paths import UnsafePathError, refuse_links
from jsna.publication.repair import MANIFEST, ManifestDamagedError
from jsna.publication.transaction import (
    STAGING,
    OutputRoot,
    ProvenanceError,
    Publication,
    RefreshLockedError,
    default_state_dir,
)

__all__ = [
    "MANIFEST",
    "STAGING",
    "ManifestDamagedError",
    "OutputRoot",
    "ProvenanceError",
    "Publication",
    "RefreshLockedError",
    "UnsafePathError",
    "csv_bytes",
    "default_state_dir",
    "defuse_formulas",
    "defuse_text",
    "locked_file",
    "parquet_bytes",
    "read_nofollow",
    "refuse_links",
    "sha256_file",
    "write_atomic",
]
