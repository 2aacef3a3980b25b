"""The raw layer on disk: each indicator's rows as served, and when they last changed.

Fingertips updates indicators about monthly, so most nights nothing has changed. The
store remembers, per indicator, the ``DataChange.LastUploadedAt`` it was fetched at;
a refresh asks only for indicators whose upload time moved and reuses the stored rows
for the rest. The store lives in the output root's state folder (never inside the
published tree) and is keyed by the API base URL and the request parameters, so another
output root or another API never reuses it.

The store holds the *last good* answer of each indicator: an answer refused as
implausible (``jsna.plausibility``) is not saved, so the stored rows and upload time
stay as they were and the indicator is asked for again the next night. Each file is
written durably (fsync, then rename) with its sha256 in the state: a file that fails its
checksum (truncated by a crash, swapped, edited) is never trusted but fetched again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jsna.fingertips.data_csv import ARROW_TEXT
from jsna.fingertips.transport import redact
from jsna.grouping import rows_at
from jsna.publication import read_nofollow, sha256_file, write_atomic

STATE = "state.json"
REFUSED = "refused by validation"  # an upload time no answer has: the indicator is fetched again
METADATA = "indicator_metadata.parquet"
log = logging.getLogger("jsna.raw_store")


class RawStoreDamagedError(RuntimeError):
    """A stored file changed after its checksum was recorded."""


def store_key(api_base_url: str, params: dict[str, Any]) -> str:
    """A short, stable key for (API, request parameters)."""
    text = json.dumps({"api_base_url": api_base_url.rstrip("/"), **params}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class RawStore:
    """Per-indicator raw rows (all text) plus a state file of upload times and checksums."""

    def __init__(self, state_dir: Path, api_base_url: str, params: dict[str, Any]) -> None:
        self.api_base_url = api_base_url.rstrip("/")
        self.params = params
        self.dir = Path(state_dir) / "raw" / store_key(self.api_base_url, params)

    def state(self) -> dict[str, Any]:
        empty: dict[str, Any] = {"api_base_url": redact(self.api_base_url), "params": self.params, "indicators": {}}
        try:
            state = json.loads(read_nofollow(self.dir / STATE))
        except FileNotFoundError:
            return empty
        except ValueError:
            log.warning("%s is damaged; every indicator will be fetched again", self.dir / STATE)
            return empty
        if not isinstance(state, dict) or not isinstance(state.get("indicators"), dict):
            return empty
        return state

    def _save_state(self, state: dict[str, Any]) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        write_atomic(self.dir / STATE, (json.dumps(state, indent=2) + "\n").encode())

    def digest(self) -> str:
        """A fingerprint of what is stored (upload times, row counts, checksums, and what
        the metadata says, its retrieval and upload times aside): an accepted change of
        polarity or unit without a new data upload is published, not taken for a quiet night."""
        state = self.state()
        content: object = state["indicators"]
        if state.get("metadata_content"):
            content = {"indicators": state["indicators"], "metadata": state["metadata_content"]}
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()

    def last_good(self, iid: int) -> dict[str, Any] | None:
        """What the store holds for an indicator (rows, name, upload time), if anything."""
        return self.state()["indicators"].get(str(int(iid)))

    def intact(self, iid: int, entry: dict[str, Any]) -> bool:
        """The stored file of this indicator exists and matches its recorded sha256."""
        path = self._path(iid)
        if path.is_symlink() or not path.is_file():
            return False
        return entry.get("sha256") == sha256_file(path)

    def plan(self, last_uploaded: dict[int, str | None], ids: Iterable[int], full: bool = False) -> list[int]:
        """Ids to fetch: never fetched, uploaded since, or whose stored file fails its
        checksum (all of them when ``full``)."""
        known = self.state()["indicators"]
        wanted = list(dict.fromkeys(ids))
        if full:
            return wanted
        plan = []
        for i in wanted:
            entry = known.get(str(i))
            if entry is None or entry.get("last_uploaded_at") != last_uploaded.get(i):
                plan.append(i)
            elif entry.get("rows") and not self.intact(i, entry):
                log.warning("the stored rows of indicator %s fail their checksum; fetching them again", i)
                plan.append(i)
        return plan

    def save(
        self, frame: pd.DataFrame, fetched: Iterable[int], last_uploaded: dict[int, str | None], synthetic: bool = False
    ) -> None:
        """Store the fetched indicators' rows, then record their upload times, checksums
        and names (a later answer that swaps two ids is told by its names)."""
        state = self.state()
        ids = frame["indicator_id"].astype(int)
        # Where each indicator's rows are, not a copy of them all at once: one indicator's
        # rows are copied at a time, as its file is written (a large answer is held once).
        at = {int(k): v for k, v in ids.groupby(ids, sort=False).indices.items()} if len(frame) else {}
        for iid in fetched:
            path = self._path(iid)
            entry: dict[str, Any]
            if iid not in at:
                path.unlink(missing_ok=True)
                entry = {"rows": 0, "retrieved_at": None}
            else:
                rows = _as_text(rows_at(frame, at[iid]).reset_index(drop=True))
                entry = {
                    "rows": len(rows),
                    "retrieved_at": str(rows["retrieved_at"].max()),
                    "name": str(rows["indicator_name"].iloc[0]),
                    "sha256": _write_parquet(path, rows),
                }
            state["indicators"][str(iid)] = {"last_uploaded_at": last_uploaded.get(iid), **entry}
        state["indicators"] = dict(sorted(state["indicators"].items(), key=lambda kv: int(kv[0])))
        state["synthetic"] = bool(state.get("synthetic")) or synthetic
        self._save_state(state)

    def last_good_rows(self, iid: int, columns: Iterable[str]) -> pd.DataFrame | None:
        """These columns of an indicator's stored rows, to judge a new answer's losses by
        key (None when nothing is stored or the file fails its checksum)."""
        entry = self.state()["indicators"].get(str(int(iid)))
        if not entry or not entry.get("rows") or not self.intact(iid, entry):
            return None
        return pd.read_parquet(self._path(iid), columns=list(columns)).astype("string")

    def forget_uploads(self, ids: Iterable[int]) -> None:
        """Forget when these indicators were uploaded, so the next refresh fetches them
        again: their stored answer was refused by validation (a headline row broke a rule),
        and once Fingertips is mended a normal refresh must see it, not only ``--full``."""
        state = self.state()
        touched = False
        for iid in ids:
            entry = state["indicators"].get(str(int(iid)))
            if entry is not None and entry.get("last_uploaded_at") != REFUSED:
                entry["last_uploaded_at"] = REFUSED
                touched = True
        if touched:
            self._save_state(state)

    def load(self, ids: Iterable[int], columns: list[str]) -> pd.DataFrame:
        """The stored rows of these indicators, in the order asked for."""
        known = self.state()["indicators"]
        frames = []
        for i in ids:
            entry = known.get(str(i))
            if not entry or not entry.get("rows"):
                continue
            if not self.intact(i, entry):  # checked again here: rows failing their checksum never go on
                raise RawStoreDamagedError(f"{self._path(i)} fails its checksum; run the refresh again to re-fetch it")
            frames.append(pq.read_table(self._path(i)))
        if not frames:
            return pd.DataFrame({c: pd.Series([], dtype="string") for c in columns})
        # One Arrow table made into one frame: every stored column is text, read as "string".
        return pa.concat_tables(frames, promote_options="permissive").to_pandas(types_mapper=ARROW_TEXT.get)

    def load_metadata(self, last_uploaded: dict[int, str | None], max_age_days: float = 7) -> pd.DataFrame | None:
        """The stored metadata, if intact, fetched for exactly these ids and upload times,
        and not long ago (definitions can be edited without a new data upload)."""
        path = self.dir / METADATA
        if not path.is_file() or path.is_symlink() or self.state().get("metadata_sha256") != sha256_file(path):
            return None
        frame = pd.read_parquet(path)
        fetched = pd.to_datetime(frame["retrieved_at"], utc=True, errors="coerce").min()
        if pd.isna(fetched) or pd.Timestamp.now(tz="UTC") - fetched > pd.Timedelta(days=max_age_days):
            return None
        # A null upload time (Fingertips serves some) is missing on both sides, never pd.NA
        # compared with None (whose truth value is ambiguous).
        stored = {
            int(i): None if pd.isna(u) or u == "" else str(u)
            for i, u in zip(frame["indicator_id"], frame["last_uploaded_at"], strict=True)
        }
        if stored != {int(i): (None if u is None else str(u)) for i, u in last_uploaded.items()}:
            return None
        return frame

    def stored_metadata(self) -> pd.DataFrame | None:
        """The last good metadata, however old (to compare a new answer's meaning with)."""
        path = self.dir / METADATA
        if not path.is_file() or path.is_symlink() or self.state().get("metadata_sha256") != sha256_file(path):
            return None
        return pd.read_parquet(path)

    def save_metadata(self, frame: pd.DataFrame) -> None:
        digest = _write_parquet(self.dir / METADATA, frame)
        state = self.state()
        state["metadata_sha256"] = digest
        # What the metadata says, not when it was fetched or uploaded (the upload times of
        # accepted answers are in the indicators' entries; a refused night changes nothing).
        meaning = frame.drop(columns=["retrieved_at", "last_uploaded_at"], errors="ignore").to_csv(index=False).encode()
        state["metadata_content"] = hashlib.sha256(meaning).hexdigest()
        self._save_state(state)

    def mark_synthetic(self, synthetic: bool) -> None:
        """Remember that this API declared its data synthetic, even if an answer is empty."""
        state = self.state()
        if synthetic and not state.get("synthetic"):
            state["synthetic"] = True
            self._save_state(state)

    def _path(self, iid: int) -> Path:
        return self.dir / "indicators" / f"{int(iid)}.parquet"


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as text. Columns that are text already stay as they are: an answer is
    parsed into Arrow-backed text, and making Python strings of it only for Arrow to copy
    them back was a sixth of the raw step. A request's URL and time are categories (the
    same on each of its rows): each row takes its category's text. ``load`` reads every
    column as "string" whatever text type it was written with."""
    text = {}
    for column, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.StringDtype):
            continue
        series = frame[column]
        if isinstance(dtype, pd.CategoricalDtype):
            categories = series.cat.categories.astype("string")
            codes = series.cat.codes.to_numpy()
            text[column] = categories.take(codes, allow_fill=True, fill_value=pd.NA).array
        else:
            text[column] = series.astype("string").array
    return frame.assign(**text) if text else frame


def _write_parquet(path: Path, frame: pd.DataFrame) -> str:
    """Write durably under a temporary name, then rename; return the file's sha256."""
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pandas(_as_text(frame), preserve_index=False), sink, compression="zstd")
    data = sink.getvalue().to_pybytes()
    write_atomic(path, data)
    return hashlib.sha256(data).hexdigest()
