"""Every environment variable the project reads, named once with what it sets, and the one
function that reads them.

A variable read in some corner of the code is a setting nobody can find: the README's
settings table, ``pipelines.environment.Launch`` (what a launch publishes) and the client's
bounds (``resources.fingertips``) all go through ``read`` here, and a test keeps every other
module away from ``os.environ``. Reading an unlisted name is a programming error, so a typo
cannot silently fall back to a default.
"""

from __future__ import annotations

import os
from pathlib import Path

VARIABLES: dict[str, str] = {
    # What a publication holds (pipelines.environment.PUBLICATION_KEYS; jsna.toml keys too).
    "JSNA_REGION": "which areas: a region's slug, name or code, or england",
    "JSNA_AREA_TYPE": "the council area type (502 upper tier, 501 lower tier)",
    "JSNA_ICBS": "whether the ICB packs are published (no leaves them out)",
    "JSNA_FOOTPRINTS": "a footprints file (custom footprints such as South London Listens)",
    "JSNA_CATALOGUE": "an indicator catalogue in place of the shipped one",
    "JSNA_OUTPUT_DIR": "the output root (a folder or an object-store URI)",
    # How a launch runs.
    "JSNA_SETTINGS": "the settings file (default jsna.toml in the current folder)",
    "JSNA_DROP": "parts of the last publication this launch may leave out",
    "JSNA_MAX_SHRINK": "largest share of an indicator's rows that may vanish in one refresh",
    "JSNA_REAL_OUTPUT_DIR": "where real outputs live (synthetic data are never written there)",
    "JSNA_UI_BANNER": "a banner on every asset in the UI (the sample's SYNTHETIC notice)",
    "FINGERTIPS_API_URL": "the API base URL",
    # The client's bounds: each field of resources.fingertips.FingertipsResource as JSNA_<FIELD>.
    "JSNA_CONNECT_TIMEOUT": "seconds to wait for a connection",
    "JSNA_READ_TIMEOUT": "seconds to wait between bytes of an answer",
    "JSNA_MAX_ATTEMPTS": "attempts per request",
    "JSNA_RETRY_BUDGET_SECONDS": "time bound of a whole request, retries included",
    "JSNA_BACKOFF_BASE_SECONDS": "backoff before the second attempt",
    "JSNA_BACKOFF_MAX_SECONDS": "longest wait between attempts",
    "JSNA_MAX_CONCURRENCY": "requests in flight at once",
    "JSNA_MAX_RESPONSE_MB": "largest answer accepted, encoded or decoded",
    # Where state lives and how work is spread: the process, not the publication.
    "DAGSTER_HOME": "the Dagster instance (unset: a throw-away one per refresh)",
    "JSNA_STATE_DIR": "a folder for state folders, in place of one beside the output root",
    "JSNA_CACHE_DIR": "a cache folder: object-store roots' working copies, charts drawn as pictures",
    "JSNA_WORKERS": "worker processes for a large scope (1 turns them off)",
    "JSNA_POOL_MIN_AREAS": "smallest scope rendered by worker processes",
    "CI": "set by CI systems: no terminal progress line",
    # The offline sample API and the test suite only.
    "JSNA_SAMPLE_ENGLAND": "the sample API's England: full (153 councils, the default) or named (45: London and "
    "the named areas elsewhere)",
    "JSNA_FAILPOINT": "kill the process at this named point of a publication (reliability tests)",
}


def read(name: str, default: str = "") -> str:
    """The variable's value, ``default`` when unset (an empty value is returned as set)."""
    if name not in VARIABLES:
        raise KeyError(f"{name} is not one of the project's environment variables (jsna.environment)")
    return os.environ.get(name, default)


def is_set(name: str) -> bool:
    """Whether the variable is present at all (``JSNA_FOOTPRINTS=`` means "no footprints")."""
    if name not in VARIABLES:
        raise KeyError(f"{name} is not one of the project's environment variables (jsna.environment)")
    return name in os.environ


def cache_folder() -> Path:
    """The machine's cache folder (``JSNA_CACHE_DIR``, default ``~/.cache/jsna``): object-store
    roots' working copies and the chapter's drawn charts live under it."""
    return Path(read("JSNA_CACHE_DIR") or Path.home() / ".cache" / "jsna")
