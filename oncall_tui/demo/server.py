"""Loopback HTTP servers for the demo: a ``ThreadingHTTPServer`` per API, each in a daemon thread.

The servers run outside the Textual event loop, so a slow handler never blocks the
UI, and the app reaches them through the same httpx clients as real servers.
``stop()`` shuts the accept loop down, closes every open keep-alive connection
and the listening socket, so the port is free again when it returns.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    """An HTTP request as the API handlers see it."""

    method: str
    """``GET``, ``POST``, ``DELETE`` …"""
    path: str
    """Path without the query string."""
    query: dict[str, list[str]]
    """Query-string parameters (and, for form POSTs, the form fields), each a list."""
    body: bytes = b""
    """Raw request body."""
    headers: dict[str, str] = field(default_factory=dict)
    """Request headers, names lower-cased."""

    def param(self, name: str, default: str | None = None) -> str | None:
        """First value of a parameter, or ``default``."""
        values = self.query.get(name)
        return values[0] if values else default


@dataclass(frozen=True)
class Response:
    """What a handler answers."""

    status: int
    """HTTP status code."""
    body: bytes = b""
    """Response body."""
    content_type: str = "application/json"
    """Content-Type header."""


def json_response(payload: Any, status: int = 200) -> Response:
    """A compact JSON response (``allow_nan`` off: callers format NaN/Inf as strings)."""
    return Response(status, json.dumps(payload, separators=(",", ":"), allow_nan=False).encode())


def text_response(text: str, status: int = 200) -> Response:
    """A plain-text response, as Go's ``http.Error`` and ready endpoints send."""
    return Response(status, text.encode(), "text/plain; charset=utf-8")


Handler = Callable[[Request], Response]
"""An API: a function from request to response; must be thread-safe."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: Handler, name: str) -> None:
        self.api = handler
        self.api_name = name
        self.connections: set[socket.socket] = set()
        self.lock = threading.Lock()
        super().__init__(address, _RequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # socketserver prints a traceback to stderr here; under Textual that would draw over
        # the screen. A broken connection to the demo only concerns that one client.
        return

    def close_connections(self) -> None:
        with self.lock:
            connections = list(self.connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _RequestHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps httpx's pooled connections alive between polls.
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 60

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's parameter name
        # Never write to stderr: it would draw over the Textual screen.
        return

    def _handle(self) -> None:
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            self._send(text_response("bad Content-Length\n", 400))
            return
        body = self.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            for key, values in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items():
                query.setdefault(key, []).extend(values)
        request = Request(self.command, split.path, query, body, headers)
        try:
            response = self.server.api(request)
        except Exception as exc:  # a bug in a demo handler must answer 500, not kill the connection
            response = text_response(f"internal error in demo {self.server.api_name}: {exc}\n", 500)
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)

    do_GET = _handle
    do_POST = _handle
    do_DELETE = _handle
    do_PUT = _handle
    do_HEAD = _handle


class DemoServer:
    """One API served on ``127.0.0.1`` at an ephemeral port."""

    def __init__(self, handler: Handler, name: str) -> None:
        self.handler = handler
        """The API answering requests."""
        self.name = name
        """Name for thread names and error texts."""
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"demo {self.name} server is not running")
        return int(self._server.server_address[1])

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        if self._server is not None:
            return
        server = _Server(("127.0.0.1", 0), self.handler, self.name)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"demo-{self.name}", daemon=True
        )
        self._server, self._thread = server, thread
        thread.start()

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
