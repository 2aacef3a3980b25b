"""The raw layer on disk: each indicator's rows as served, and when they last changed.

Fingertips updates indicators about monthly, so most nights nothing has changed. The
store remembers, per indicator, the ``DataChange.LastUploadedAt`` it was fetched at;
a refresh asks only for indicators whose upload time moved and reuses the stored rows
for the rest. The store lives under the output root and is keyed by the API base URL
and the request parameters, so another output root or another API never reuses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from jsna.fingertips.client import redact

STATE = "state.json"


def store_key(api_base_url: str, params: dict[str, Any]) -> str:
    """A short, stable key for (API, request parameters)."""
    text = json.dumps({"api_base_url": api_base_url.rstrip("/"), **params}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class RawStore:
    """Per-indicator raw rows (all text) plus a state file of upload times."""

    def __init__(self, output_root: Path, api_base_url: str, params: dict[str, Any]) -> None:
        self.api_base_url = api_base_url.rstrip("/")
        self.params = params
        self.dir = Path(output_root) / ".raw" / store_key(self.api_base_url, params)

    def state(self) -> dict[str, Any]:
        try:
            return json.loads((self.dir / STATE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"api_base_url": redact(self.api_base_url), "params": self.params, "indicators": {}}

    def digest(self) -> str:
        """A fingerprint of what is stored (upload times and row counts per indicator)."""
        indicators = self.state()["indicators"]
        return hashlib.sha256(json.dumps(indicators, sort_keys=True).encode()).hexdigest()

    def plan(self, last_uploaded: dict[int, str | None], ids: Iterable[int], full: bool = False) -> list[int]:
        """Ids to fetch: never fetched, or uploaded since (all of them when ``full``)."""
        known = self.state()["indicators"]
        wanted = list(dict.fromkeys(ids))
        if full:
            return wanted
        return [
            i
            for i in wanted
            if str(i) not in known
            or known[str(i)].get("last_uploaded_at") != last_uploaded.get(i)
            or not (self._path(i).exists() or known[str(i)].get("rows") == 0)
        ]

    def save(self, frame: pd.DataFrame, fetched: Iterable[int], last_uploaded: dict[int, str | None]) -> None:
        """Store the fetched indicators' rows, then record their upload times."""
        self.dir.mkdir(parents=True, exist_ok=True)
        state = self.state()
        ids = frame["indicator_id"].astype(int)
        by_id = {int(k): g for k, g in frame.groupby(ids, sort=False)} if len(frame) else {}
        for iid in fetched:
            rows = by_id.get(iid)
            path = self._path(iid)
            if rows is None or rows.empty:
                path.unlink(missing_ok=True)
                count, fetched_at = 0, None
            else:
                rows = rows.reset_index(drop=True)
                _write_parquet(path, rows)
                count, fetched_at = len(rows), str(rows["retrieved_at"].max())
            state["indicators"][str(iid)] = {
                "last_uploaded_at": last_uploaded.get(iid),
                "rows": count,
                "retrieved_at": fetched_at,
            }
        state["indicators"] = dict(sorted(state["indicators"].items(), key=lambda kv: int(kv[0])))
        _write_atomic(self.dir / STATE, (json.dumps(state, indent=2) + "\n").encode())

    def load(self, ids: Iterable[int], columns: list[str]) -> pd.DataFrame:
        """The stored rows of these indicators, in the order asked for."""
        frames = [pd.read_parquet(self._path(i)) for i in ids if self._path(i).exists()]
        if not frames:
            return pd.DataFrame({c: pd.Series([], dtype="string") for c in columns})
        return pd.concat(frames, ignore_index=True).astype("string")

    def load_metadata(self, last_uploaded: dict[int, str | None], max_age_days: float = 7) -> pd.DataFrame | None:
        """The stored metadata, if it was fetched for exactly these ids and upload times,
        and not long ago (definitions can be edited without a new data upload)."""
        path = self.dir / "indicator_metadata.parquet"
        if not path.exists():
            return None
        frame = pd.read_parquet(path)
        fetched = pd.to_datetime(frame["retrieved_at"], utc=True, errors="coerce").min()
        if pd.isna(fetched) or pd.Timestamp.now(tz="UTC") - fetched > pd.Timedelta(days=max_age_days):
            return None
        stored = dict(zip(frame["indicator_id"].astype(int), frame["last_uploaded_at"], strict=True))
        if stored != {i: (u if u is not None else None) for i, u in last_uploaded.items()}:
            return None
        return frame

    def save_metadata(self, frame: pd.DataFrame) -> None:
        _write_parquet(self.dir / "indicator_metadata.parquet", frame)

    def _path(self, iid: int) -> Path:
        return self.dir / "indicators" / f"{int(iid)}.parquet"


def _write_parquet(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")  # concurrent writers never share
    pq.write_table(pa.Table.from_pandas(frame.astype("string"), preserve_index=False), tmp, compression="zstd")
    os.replace(tmp, path)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")  # concurrent writers never share
    tmp.write_bytes(data)
    os.replace(tmp, path)
