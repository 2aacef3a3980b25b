"""The offline sample API: a real HTTP server on 127.0.0.1 speaking the Fingertips API.

It serves the endpoints in ``fingertips-api.md`` with synthetic data, including the
100-id truncation of the live service, so the pipeline can be developed, tested and
benchmarked with no internet. Every answer carries ``X-Data-Synthetic: true``; the
pipeline reads that header and labels every output it writes as synthetic.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jsna.sample_api import damage, data
from jsna.sample_api.areas import ENGLAND_CODE, LONDON_BOROUGHS, REGIONS, SampleArea
from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.indicators import known_indicators

MAX_IDS = 100  # the live server keeps the first 100 ids and silently drops the rest
log = logging.getLogger("jsna.sample_api")

HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Access denied</title></head>"
    b"<body><h1>Proxy error</h1><p>The request was blocked.</p></body></html>"
)
_PROFILE_ROWS = (
    (50, "Adult mental health and wellbeing", "mental-health-and-wellbeing", 1938132720),
    (91, "Suicide prevention", "suicide", 1938132828),
    (159, "Children and young people's mental health", "cypmh", 1938133090),
    (84, "Dementia", "dementia", 1938133052),
    (19, "Public Health Outcomes Framework", "public-health-outcomes-framework", 1000049),
    (130, "Wider determinants of health", "wider-determinants", 1938133043),
)
PROFILES = [{"Id": i, "Name": n, "Key": k, "GroupIds": [g]} for i, n, k, g in _PROFILE_ROWS]


def _ids(query: dict[str, list[str]]) -> list[int]:
    raw = ",".join(query.get("indicator_ids", []))
    ids = [int(x) for x in raw.split(",") if x.strip().lstrip("-").isdigit()]
    return ids[:MAX_IDS]


def _csv(header: tuple[str, ...] | list[str], rows: list[tuple[str, ...]] | list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


class SampleApiHandler(BaseHTTPRequestHandler):
    """Routes requests; the shared ``SampleApiState`` lives on the server object."""

    server: SampleApiServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        log.debug("%s - %s", self.address_string(), format % args)

    # -- routing -------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        parts = urlsplit(self.path)
        path, query = parts.path.rstrip("/"), parse_qs(parts.query)
        state = self.server.state
        if path == "/_sample/config":
            return self._send(200, json.dumps(state.snapshot()).encode(), "application/json", log=False)
        if not path.startswith("/api/"):
            return self._send(404, b"not found", "text/plain", log=False)
        self._entry = state.log(path, parts.query)
        faults = state.take_faults(f"{path}?{parts.query}")  # a fault may match a query too
        delay = state.latency_seconds
        if path.endswith("all_data/csv/by_indicator_id"):
            delay += state.seconds_per_indicator * len(_ids(query))
        delay += sum(f.seconds for f in faults if f.kind == "delay")
        if delay:
            time.sleep(delay)
        for fault in faults:
            if fault.kind == "reset":
                return self._reset(path, parts.query)
            if fault.kind == "status":
                headers = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                return self._send(fault.status, b"Service unavailable", "text/plain", headers, query=parts.query)
            if fault.kind == "html":
                return self._send(200, HTML_PAGE, "text/html; charset=utf-8", query=parts.query)
        try:
            body, content_type = self._route(path, query, faults)
        except KeyError:
            return self._send(404, b"unknown endpoint", "text/plain", query=parts.query)
        except ValueError as exc:
            return self._send(400, str(exc).encode(), "text/plain", query=parts.query)
        for fault in faults:
            if fault.kind == "empty":
                return self._send(200, b"", content_type, query=parts.query)
            if fault.kind == "no_content":
                return self._send(204, b"", content_type, query=parts.query)
            if fault.kind == "header_only":
                return self._send(200, body.split(b"\r\n", 1)[0] + b"\r\n", content_type, query=parts.query)
            if fault.kind == "drip":
                return self._drip(body, content_type, fault.seconds)
            if fault.kind == "oversize":
                return self._oversize(content_type, fault.size)
            if fault.kind == "gzip_unterminated":
                packed = gzip.compress(body, mtime=0)
                cut = packed[: len(packed) * 2 // 3]
                return self._send(200, cut, content_type, {"Content-Encoding": "gzip"}, query=parts.query)
            if fault.kind == "truncate":
                return self._send(200, body[: len(body) // 2], content_type, declared=len(body), query=parts.query)
            if fault.kind == "chunked_short":
                return self._chunked_short(body, content_type)
            body_kind = damage.body_damage(fault.seed) if fault.kind == "damage" else fault.kind
            if body_kind == "cut_last_field":
                return self._send(200, damage.cut_last_field(body), content_type, query=parts.query)
            if body_kind == "gzip_members":
                packed = damage.gzip_members(body)
                return self._send(200, packed, content_type, {"Content-Encoding": "gzip"}, query=parts.query)
            if fault.kind == "truncate_chunked":
                cut = body[: len(body) // 2]
                return self._send(200, cut, content_type, query=parts.query)
        return self._send(200, body, content_type, query=parts.query)

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        if urlsplit(self.path).path.rstrip("/") != "/_sample/config":
            return self._send(404, b"not found", "text/plain")
        length = int(self.headers.get("Content-Length") or 0)
        try:
            self.server.state.configure(json.loads(self.rfile.read(length) or b"{}"))
        except (ValueError, TypeError) as exc:
            return self._send(400, str(exc).encode(), "text/plain", log=False)
        return self._send(200, json.dumps(self.server.state.snapshot()).encode(), "application/json", log=False)

    def _route(self, path: str, query: dict[str, list[str]], faults: list[Fault]) -> tuple[bytes, str]:
        state = self.server.state
        known = known_indicators()
        endpoint = path.removeprefix("/api/")
        if endpoint == "all_data/csv/by_indicator_id":
            child = int(query.get("child_area_type_id", ["502"])[0])
            parent_type = int(query.get("parent_area_type_id", ["6"])[0])
            parent_code = query.get("parent_area_code", [None])[0]
            below_councils = child == data.MSOA_AREA_TYPE and parent_type in data.AREA_TYPE_NAMES
            below_england = child == data.ICB_AREA_TYPE and parent_type == 15
            councils = {a.code for a in state.areas()}
            parents = councils if below_councils else {ENGLAND_CODE} if below_england else set(REGIONS)
            if parent_code is not None and parent_code not in parents:
                raise ValueError(f"unknown parent_area_code {parent_code}")
            header = list(data.SERVED_HEADER)
            rows: list[list[str]] = []
            for iid in _ids(query):
                ind = known.get(iid)
                if ind is None:
                    continue
                revision = state.revisions.get(iid, 0)
                if below_councils or below_england:
                    code = None if below_england else parent_code
                    served = data.child_rows(ind, child, code, revision, state.areas(), parent_type)
                elif child in data.AREA_TYPE_NAMES and parent_type == 6:
                    served = data.indicator_rows(ind, parent_code, revision, state.areas(), child)
                else:
                    continue
                rows.extend(list(r) for r in served)
            header, rows = _apply_column_faults(header, rows, faults)
            body = _csv(header, rows)
            return (b"\xef\xbb\xbf" + body if state.bom else body), "text/csv; charset=utf-8"
        if endpoint == "indicator_metadata/csv/by_indicator_id":
            rows_meta = [list(data.metadata_row(known[i])) for i in _ids(query) if i in known]
            for fault in faults:
                if fault.kind == "set_metadata" and fault.column in data.METADATA_HEADER:
                    at, iid = data.METADATA_HEADER.index(fault.column), data.METADATA_HEADER.index("Indicator ID")
                    for row in rows_meta:
                        if row[iid] == str(fault.indicator_id):
                            row[at] = fault.value
            return _csv(data.METADATA_HEADER, rows_meta), "text/csv; charset=utf-8"
        if endpoint == "indicator_metadata/by_indicator_id":
            payload = {str(i): _metadata_json(known[i], state.revisions.get(i, 0)) for i in _ids(query) if i in known}
            for fault in faults:
                if fault.kind == "null_upload" and str(fault.indicator_id) in payload:
                    payload[str(fault.indicator_id)]["DataChange"]["LastUploadedAt"] = None
            return json.dumps(payload).encode(), "application/json"
        if endpoint == "data_changes":
            iid = int(query.get("indicator_id", ["0"])[0])
            if iid not in known:
                return b"null", "application/json"
            when = data.last_uploaded(known[iid], state.revisions.get(iid, 0))
            return json.dumps({"LastUploadedAt": when, "LastDeletedAt": None}).encode(), "application/json"
        if endpoint == "areas/by_area_type":
            area_type = int(query.get("area_type_id", ["502"])[0])
            for fault in faults:
                if fault.kind == "flap_areas" and fault.area_code:
                    state.removed_areas ^= {fault.area_code}  # gone in one list, back in the next
            listed = _areas(area_type, state.areas())
            for fault in faults:
                if fault.kind == "keep_areas":
                    listed = damage.keep_areas(listed, fault.size)
                elif fault.kind == "extra_areas":
                    listed = damage.extra_areas(listed, fault.size, area_type)
            return json.dumps(listed).encode(), "application/json"
        if endpoint == "parent_to_child_areas":
            child = int(query.get("child_area_type_id", ["502"])[0])
            parent_type = int(query.get("parent_area_type_id", ["6"])[0])
            served = data.parent_to_child(state.areas()) if child in data.AREA_TYPE_NAMES and parent_type == 6 else {}
            return json.dumps(served).encode(), "application/json"
        if endpoint == "profiles":
            return json.dumps(PROFILES).encode(), "application/json"
        raise KeyError(endpoint)

    # -- answers -------------------------------------------------------------------
    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        declared: int | None = None,
        query: str = "",
        log: bool = True,
    ) -> None:
        entry = getattr(self, "_entry", None)
        if log and entry is not None:
            entry["status"] = status
            entry["bytes"] = len(body)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("X-Data-Synthetic", "true")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if (
            declared is None
            and status == 200
            and content_type.startswith("text/csv")
            and body
            and not body.endswith(b"\n")
        ):
            # A cut body with no declared length: close the connection to end it.
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(declared if declared is not None else len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        if declared is not None:
            self.close_connection = True

    def _chunked_short(self, body: bytes, content_type: str) -> None:
        """What a proxy that re-chunks a cut answer sends: the original Content-Length
        beside ``Transfer-Encoding: chunked``, and whole rows that stop early. Only the
        declared length shows that rows are missing (HTTP clients follow the chunks)."""
        cut = body[: body.rfind(b"\n", 0, len(body) // 2) + 1]
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("X-Data-Synthetic", "true")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(f"{len(cut):x}\r\n".encode() + cut + b"\r\n0\r\n\r\n")
        self.close_connection = True

    def _drip(self, body: bytes, content_type: str, seconds: float) -> None:
        """Headers at once, then the body one byte every ``seconds``."""
        self._entry["status"] = 200
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("X-Data-Synthetic", "true")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for i in range(len(body)):
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
                time.sleep(seconds)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def _oversize(self, content_type: str, size: int) -> None:
        """A valid-looking answer of ``size`` bytes, generated as it is sent."""
        self._entry["status"] = 200
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("X-Data-Synthetic", "true")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        block = b"x" * 65536
        try:
            sent = 0
            while sent < size:
                chunk = block[: min(len(block), size - sent)]
                self.wfile.write(chunk)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def _reset(self, path: str, query: str) -> None:
        self._entry["status"] = 0
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        self.close_connection = True
        self.connection.close()


def _apply_column_faults(
    header: list[str], rows: list[list[str]], faults: list[Fault]
) -> tuple[list[str], list[list[str]]]:
    for fault in faults:
        if fault.kind == "drop_column" and fault.column in header:
            i = header.index(fault.column)
            header = header[:i] + header[i + 1 :]
            rows = [r[:i] + r[i + 1 :] for r in rows]
        elif fault.kind == "rename_column" and fault.column in header:
            header = [fault.new_name or "" if h == fault.column else h for h in header]
        elif fault.kind == "extra_column":
            header = [*header, fault.column or "Unexpected"]
            rows = [[*r, fault.value] for r in rows]
        elif fault.kind == "drop_rows":
            c = header.index("Indicator ID")
            mine = [r for r in rows if r[c] == str(fault.indicator_id)]
            keep = {id(r) for r in mine[: fault.size]}
            rows = [r for r in rows if r[c] != str(fault.indicator_id) or id(r) in keep]
        elif fault.kind == "duplicate_rows":
            c, k = header.index("Indicator ID"), header.index("Category")
            copies = [list(r) for r in rows if r[c] == str(fault.indicator_id) and r[k] == (fault.category or "")]
            rows = rows + copies
        elif fault.kind == "swap_ids":
            c = header.index("Indicator ID")
            a, b = str(fault.indicator_id), str(fault.other_id)
            for r in rows:
                r[c] = b if r[c] == a else a if r[c] == b else r[c]
        elif fault.kind == "drop_area":
            rows = damage.drop_area(header, rows, fault.area_code)
        elif fault.kind == "swap_columns":
            header = damage.swap_columns(header, fault.column, fault.new_name)
        elif fault.kind == "damage":
            _, header, rows = damage.damage_rows(header, rows, fault.seed)
        elif fault.kind == "set_value" and fault.column in header:
            i = header.index(fault.column)
            a, c, k = header.index("Area Code"), header.index("Indicator ID"), header.index("Category")
            for r in rows:
                if (
                    (fault.indicator_id is None or r[c] == str(fault.indicator_id))
                    and (fault.area_code is None or r[a] == fault.area_code)
                    and (fault.category is None or r[k] == fault.category)
                ):
                    r[i] = fault.value
    return header, rows


def _metadata_json(ind: Any, revision: int) -> dict[str, Any]:
    return {
        "IID": ind.id,
        "Descriptive": {"Name": ind.name.strip(), "Definition": f"{ind.name.strip()} (synthetic sample definition)."},
        "Unit": {"Label": ind.unit, "Value": 100 if ind.unit == "%" else 1},
        "ValueType": {"Name": ind.value_type},
        "YearType": {"Name": ind.year_type},
        "ConfidenceIntervalMethod": {"Name": "Synthetic"},
        "DataChange": {"LastUploadedAt": data.last_uploaded(ind, revision), "LastDeletedAt": None},
    }


def _areas(area_type_id: int, served: tuple[SampleArea, ...]) -> list[dict[str, Any]]:
    if area_type_id == 15:
        return [{"Code": ENGLAND_CODE, "Name": "England", "Short": "England", "AreaTypeId": 15}]
    if area_type_id == 6:
        return [{"Code": c, "Name": n, "Short": n.removesuffix(" region"), "AreaTypeId": 6} for c, n in REGIONS.items()]
    if area_type_id in data.AREA_TYPE_NAMES:
        return [{"Code": a.code, "Name": a.name, "Short": a.name, "AreaTypeId": area_type_id} for a in served]
    if area_type_id == data.MSOA_AREA_TYPE:
        places = data.neighbourhood_places(None, served)[1]
    elif area_type_id == data.ICB_AREA_TYPE:
        places = data.icb_places()
    else:
        return []
    return [{"Code": p.code, "Name": p.name, "Short": p.name, "AreaTypeId": area_type_id} for p in places]


class SampleApiServer(ThreadingHTTPServer):
    """The HTTP server, holding the shared state."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str = "127.0.0.1", port: int = 0, state: SampleApiState | None = None) -> None:
        self.state = state or SampleApiState()
        super().__init__((host, port), SampleApiHandler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/api"


@contextmanager
def running_sample_api(state: SampleApiState | None = None, host: str = "127.0.0.1") -> Iterator[SampleApiServer]:
    """Start the sample API on a free port in a background thread, for tests and benchmarks."""
    server = SampleApiServer(host, 0, state)
    thread = threading.Thread(target=server.serve_forever, name="sample-api", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


__all__ = ["LONDON_BOROUGHS", "SampleApiServer", "SampleApiState", "running_sample_api"]
