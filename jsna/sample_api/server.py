"""The offline sample API: a real HTTP server on 127.0.0.1 speaking the Fingertips API.

It serves the endpoints in ``fingertips-api.md`` with synthetic data, including the
100-id truncation of the live service, so the pipeline can be developed, tested and
benchmarked with no internet. Every answer carries ``X-Data-Synthetic: true``; the
pipeline reads that header and labels every output it writes as synthetic.
"""

from __future__ import annotations

import gzip
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

from jsna.sample_api import damage
from jsna.sample_api.areas import LONDON_BOROUGHS
from jsna.sample_api.faults import Fault, SampleApiState
from jsna.sample_api.routes import ROUTES, _ids

log = logging.getLogger("jsna.sample_api")

HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>Access denied</title></head>"
    b"<body><h1>Proxy error</h1><p>The request was blocked.</p></body></html>"
)


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
        return ROUTES[path.removeprefix("/api/")](self.server.state, query, faults)  # KeyError: not found

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
