"""A Fingertips API client that survives a slow, sometimes failing public service.

Plain Python (no Dagster) so it can be used from a notebook; ``resources``
wraps it as a Dagster resource. What it guarantees:

* bounded waiting: connect and read timeouts, and a total time budget for retries;
* retries with exponential backoff and full jitter on connection errors, timeouts,
  bodies cut short, 429 (honouring ``Retry-After``) and 500/502/503/504;
* TLS verification always on; proxies from the standard environment variables;
* at most 100 indicator ids per request (the server silently drops the rest), and a
  check that every id asked for came back;
* answers that are not what was asked for (HTML with status 200, an unexpected CSV
  header, a body cut short) are refused, never parsed into wrong data.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from jsna.fingertips.data_csv import parse_data_csv, refuse_html
from jsna.fingertips.errors import (
    FingertipsError,
    FingertipsResponseError,
)
from jsna.fingertips.http import (
    DEFAULT_BASE_URL,
    MAX_IDS_PER_REQUEST,
    Answer,
    ClientBounds,
    DataFetch,
    HttpClient,
    MetadataFetch,
    RequestRecord,
    chunked,
    log,
)
from jsna.fingertips.metadata import parse_metadata_csv
from jsna.memory import release_freed

__all__ = ["DEFAULT_BASE_URL", "MAX_IDS_PER_REQUEST", "ClientBounds", "DataFetch", "FingertipsClient", "MetadataFetch"]


class FingertipsClient(HttpClient):
    """Talks to a Fingertips-style API (the live one, a mirror, or the sample API)."""

    # -- Endpoints -----------------------------------------------------------------
    def fetch_data(
        self,
        indicator_ids: Iterable[int],
        *,
        child_area_type_id: int = 502,
        parent_area_type_id: int = 6,
        parent_area_code: str | None = None,
        progress: Callable[[int, int], None] | None = None,
        gaps_expected: bool = False,
    ) -> DataFetch:
        """Fetch ``all_data`` rows for the ids, in concurrent chunks of at most 100. Ids that
        come back with no rows are a warning, or one line at INFO when ``gaps_expected``."""
        ids = list(dict.fromkeys(int(i) for i in indicator_ids))
        chunks = chunked(ids, self.data_chunk_size(len(ids)))
        params: dict[str, object] = {
            "child_area_type_id": child_area_type_id,
            "parent_area_type_id": parent_area_type_id,
        }
        if parent_area_code:
            params["parent_area_code"] = parent_area_code
        done = 0
        lock = threading.Lock()

        def one(chunk: list[int]) -> tuple[pd.DataFrame, RequestRecord, bool]:
            nonlocal done
            answer = self._data_chunk(chunk, params)
            with lock:
                done += 1
                if progress:
                    progress(done, len(chunks))
            return answer

        results = self._map(one, chunks)
        frames = [r[0] for r in results]
        requests, synthetic = [r[1] for r in results], any(r[2] for r in results)
        del results  # each answer's frame is held once, by ``frames``, until the concat
        if frames:
            lengths = [len(f) for f in frames]
            frame = pd.concat(frames, ignore_index=True).astype("string")
            frame["request_url"] = repeated([r.url for r in requests], lengths)
            frame["retrieved_at"] = repeated([r.retrieved_at for r in requests], lengths)
        else:
            frame = parse_data_csv(b"").frame.assign(request_url="", retrieved_at="").astype("string")
        del frames
        release_freed()  # the answers' bodies and parsed chunks, now joined into one frame
        served = served_ids(frame)
        empty = [i for i in ids if i not in served]
        if empty and gaps_expected:
            log.info("%d of %d indicators have no data at area type %s", len(empty), len(ids), child_area_type_id)
        elif empty:
            log.warning("no data came back at area type %s for indicator ids %s", child_area_type_id, empty)
        return DataFetch(frame=frame, empty_ids=empty, requests=requests, synthetic=synthetic)

    def _data_chunk(self, chunk: list[int], params: dict[str, object]) -> tuple[pd.DataFrame, RequestRecord, bool]:
        """One request of ``all_data`` rows: parsed, and refused if it holds ids not asked for."""
        query = {"indicator_ids": ",".join(str(i) for i in chunk), **params}
        answer = self.get("all_data/csv/by_indicator_id", query, chunk)
        refuse_html(answer.body, answer.content_type, answer.record.url)
        try:
            parsed = parse_data_csv(answer.body, url=answer.record.url)
        except FingertipsError as exc:
            raise type(exc)(
                exc.reason, url=answer.record.url, indicator_ids=chunk, status=answer.record.status
            ) from exc
        frame = parsed.frame
        stray = sorted(served_ids(frame) - set(chunk))
        if stray:
            raise FingertipsResponseError(
                f"the answer holds indicator ids that were not asked for: {stray[:10]}",
                url=answer.record.url,
                indicator_ids=chunk,
            )
        return frame, answer.record, answer.synthetic

    def fetch_change_dates(self, indicator_ids: Iterable[int]) -> MetadataFetch:
        """Only ``DataChange.LastUploadedAt`` per id (one JSON request per 100 ids): what a
        refresh asks first, to learn whether anything changed."""
        ids = list(dict.fromkeys(int(i) for i in indicator_ids))
        results = self._map(self.fetch_last_uploaded_chunk, chunked(ids, self.chunk_size))
        last: dict[int, str | None] = {}
        for changes, _ in results:
            last.update(changes)
        return MetadataFetch(
            frame=parse_metadata_csv(b""),
            last_uploaded=last,
            unknown_ids=[i for i in ids if i not in last],
            requests=[answer.record for _, answer in results],
            synthetic=any(answer.synthetic for _, answer in results),
        )

    def fetch_metadata(
        self, indicator_ids: Iterable[int], change_dates: dict[int, str | None] | None = None
    ) -> MetadataFetch:
        """Indicator metadata: text fields from the CSV, change dates from the JSON (unless
        ``change_dates`` already holds them)."""
        ids = list(dict.fromkeys(int(i) for i in indicator_ids))

        def one(chunk: list[int]) -> tuple[pd.DataFrame, dict[int, str | None], list[Answer]]:
            params = {"indicator_ids": ",".join(str(i) for i in chunk)}
            text = self.get("indicator_metadata/csv/by_indicator_id", params, chunk)
            refuse_html(text.body, text.content_type, text.record.url)
            frame = parse_metadata_csv(text.body, url=text.record.url)
            if change_dates is not None:
                return frame, {i: change_dates.get(i) for i in chunk if i in change_dates}, [text]
            changes = self.fetch_last_uploaded_chunk(chunk)
            return frame, changes[0], [text, changes[1]]

        results = self._map(one, chunked(ids, self.chunk_size))
        frames = [r[0] for r in results if not r[0].empty]
        frame = pd.concat(frames, ignore_index=True) if frames else parse_metadata_csv(b"")
        last: dict[int, str | None] = {}
        for r in results:
            last.update(r[1])
        known = set(frame["indicator_id"].astype(int)) if not frame.empty else set()
        answers = [a for r in results for a in r[2]]
        return MetadataFetch(
            frame=frame,
            last_uploaded=last,
            unknown_ids=[i for i in ids if i not in known],
            requests=[a.record for a in answers],
            synthetic=any(a.synthetic for a in answers),
        )

    def fetch_last_uploaded_chunk(self, chunk: list[int]) -> tuple[dict[int, str | None], Answer]:
        """One JSON metadata request (at most 100 ids)."""
        params = {"indicator_ids": ",".join(str(i) for i in chunk)}
        answer = self.get("indicator_metadata/by_indicator_id", params, chunk)
        payload = self._json(answer, chunk)
        if not isinstance(payload, dict):
            raise FingertipsResponseError(
                "indicator metadata JSON is not an object keyed by indicator id",
                url=answer.record.url,
                indicator_ids=chunk,
            )
        out: dict[int, str | None] = {}
        for key, item in payload.items():
            change = (item or {}).get("DataChange") or {}
            out[int(key)] = change.get("LastUploadedAt")
        return out, answer

    def fetch_areas(self, area_type_id: int) -> list[dict[str, object]]:
        """Areas of one type: ``[{"Code", "Name", "Short", "AreaTypeId"}]``."""
        answer = self.get("areas/by_area_type", {"area_type_id": area_type_id})
        payload = self._json(answer, ())
        if not isinstance(payload, list):
            raise FingertipsResponseError("areas answer is not a JSON list", url=answer.record.url)
        return payload

    def fetch_parent_to_child(self, child_area_type_id: int, parent_area_type_id: int) -> dict[str, list[str]]:
        """Parent code -> child codes, for resolving a region's areas."""
        answer = self.get(
            "parent_to_child_areas",
            {"child_area_type_id": child_area_type_id, "parent_area_type_id": parent_area_type_id},
        )
        payload = self._json(answer, ())
        if not isinstance(payload, dict):
            raise FingertipsResponseError("parent_to_child_areas answer is not an object", url=answer.record.url)
        return payload


def repeated(values: list[str], lengths: list[int]) -> pd.Categorical:
    """``values[k]`` repeated ``lengths[k]`` times, as a categorical of text: a request's URL
    and time are the same on each of its rows, and as text they cost as much as the row."""
    categories, codes = np.unique(np.array(values, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(
        np.repeat(codes.astype(np.int32), lengths), categories=pd.Index(categories, dtype="string")
    )


def served_ids(frame: pd.DataFrame) -> set[int]:
    """The indicator ids an answer holds, as numbers (text that is not one left out). Read
    from the column's distinct values: an England-wide answer repeats a few ids over a
    hundred thousand rows, and parsing every row took 2% of a refresh."""
    distinct = pd.Series(frame["indicator_id"].unique(), dtype=object)
    return set(pd.to_numeric(distinct, errors="coerce").dropna().astype(int))
