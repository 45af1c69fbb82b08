"""A real HTTP server on loopback that plays one source and misbehaves on demand.

Healthy, it answers with the wire bodies of :class:`tests.support.alert_fakes.AlertBackends`
(Prometheus, Alertmanager or Jaeger). :attr:`FaultServer.fault` switches it to one of
:data:`FAULTS` at any moment; ``None`` heals it. "down" really stops listening (connection
refused) and healing listens again on the same port, so clients see what they would see when
the server process is killed and restarted.

It runs in its own threads, so the app under test (in the pytest event loop) talks to it over
real sockets, with real timeouts.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from tests.support.alert_fakes import AlertBackends

FAULTS = (
    "down",
    "hang",
    "slow",
    "http500",
    "http502",
    "http503",
    "http401",
    "http403",
    "non_json",
    "wrong_shape",
    "truncated",
    "empty",
    "huge",
)
"""Every way a source can fail, as the fault matrix tries them."""

HUGE_BYTES = 50 * 1024 * 1024
"""Size of the ``huge`` body: a 200 of this many bytes that is not what was asked for."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: FaultServer
    # Open connections, cut when the server goes down (a killed process drops its keep-alives too).
    connections: set[socket.socket]

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        self.connections.add(connection)
        return connection, address

    def shutdown_request(self, request: Any) -> None:
        self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        for connection in list(self.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass  # quiet: the test output is for the test

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.server.owner.serve(self, "GET", b"")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.server.owner.serve(self, "POST", self.rfile.read(length))

    def do_DELETE(self) -> None:  # noqa: N802
        self.server.owner.serve(self, "DELETE", b"")


class FaultServer:
    """One source (``prometheus``, ``alertmanager`` or ``jaeger``) on ``http://127.0.0.1:PORT``."""

    def __init__(
        self,
        source: str,
        backends: AlertBackends | None = None,
        *,
        slow_seconds: float = 3.0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.source = source
        """Which source's API it plays."""
        self.backends = backends or AlertBackends()
        """Where healthy bodies come from."""
        self.fault: str | None = None
        """The current fault (one of FAULTS), or None when healthy."""
        self.slow_seconds = slow_seconds
        """How long a ``slow`` answer takes."""
        self.echo_auth = False
        """Answer 401 with a body repeating the request's Authorization header (a leaky server)."""
        self.requests = 0
        """Requests received."""
        self._tls = tls
        self._release = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port: int = probe.getsockname()[1]
            """Loopback port, kept across restarts."""
        self._listen()

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{self.port}"

    def set_fault(self, fault: str | None) -> None:
        """Switch to ``fault`` (None heals; "down" stops listening, anything else listens again)."""
        if fault not in (None, *FAULTS):
            raise ValueError(fault)
        if fault != "hang":
            self._release.set()  # answer whoever is still hanging (with the new behaviour)
        self.fault = fault
        if fault == "down":
            self._stop()
        elif self._server is None:
            self._listen()
        if fault == "hang":
            self._release.clear()

    def close(self) -> None:
        """Stop for good."""
        self._release.set()
        self._stop()

    def __enter__(self) -> FaultServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- serving ------------------------------------------------------------------------------

    def serve(self, handler: _Handler, method: str, body: bytes) -> None:
        self.requests += 1
        fault = self.fault
        if self.echo_auth:
            echoed = handler.headers.get("Authorization", "")
            payload = json.dumps({"error": f"unauthorized: request had Authorization: {echoed}"})
            return self._send(handler, 401, payload.encode())
        if fault == "hang":
            self._release.wait(timeout=120)
            fault = self.fault
        if fault == "slow":
            time.sleep(self.slow_seconds)
        if fault is not None and fault.startswith("http"):
            status = int(fault[4:])
            return self._send(handler, status, json.dumps({"error": f"injected {status}"}).encode())
        if fault == "non_json":
            return self._send(handler, 200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
        if fault == "wrong_shape":
            return self._send(handler, 200, b'{"unexpected":[1,2,3]}')
        if fault == "empty":
            return self._send(handler, 200, b"")
        if fault == "huge":
            return self._send_huge(handler)
        status, content = self._healthy(handler, method, body)
        if fault == "truncated":
            return self._send(handler, status, content[: max(1, len(content) // 2)], declared=len(content))
        return self._send(handler, status, content)

    def _healthy(self, handler: _Handler, method: str, body: bytes) -> tuple[int, bytes]:
        request = httpx.Request(method, f"http://source{handler.path}", content=body or None)
        response = self.backends._handler(self.source)(request)
        return response.status_code, response.content

    @staticmethod
    def _send(
        handler: _Handler,
        status: int,
        content: bytes,
        kind: str = "application/json",
        declared: int | None = None,
    ) -> None:
        with contextlib.suppress(OSError):
            handler.send_response(status)
            handler.send_header("Content-Type", kind)
            handler.send_header("Content-Length", str(declared if declared is not None else len(content)))
            if declared is not None:
                handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.write(content)
            handler.wfile.flush()
        if declared is not None:
            handler.close_connection = True
            with contextlib.suppress(OSError):
                handler.connection.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def _send_huge(handler: _Handler) -> None:
        # A JSON array of zeros, 50 MB of it: valid JSON, the wrong shape for every endpoint.
        head, filler = b"[ ", b"0," * 65536
        with contextlib.suppress(OSError):
            handler.send_response(200)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(HUGE_BYTES))
            handler.end_headers()
            handler.wfile.write(head)
            left = HUGE_BYTES - len(head) - 2
            while left > 0:
                piece = filler[:left]
                handler.wfile.write(piece)
                left -= len(piece)
            handler.wfile.write(b"0]")

    # --- listening ----------------------------------------------------------------------------

    def _listen(self) -> None:
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.owner = self
        server.connections = set()
        if self._tls is not None:
            # The handshake in the handler's thread (on first read), not in the accepting one: a
            # client that never completes it must not block accept() and shutdown().
            server.socket = self._tls.wrap_socket(
                server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def _stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.drop_connections()


def fault_settings(servers: dict[str, FaultServer], *, refresh: float = 1.0, timeout: float = 1.0) -> Any:
    """Settings with one context ``faults`` whose sources are ``servers`` (keyed by source name)."""
    from oncall_tui.config.settings import Settings

    timing = {"refresh": refresh, "timeout": timeout}
    context: dict[str, Any] = {}
    if "prometheus" in servers:
        context["prometheus"] = {"url": servers["prometheus"].url, **timing}
    if "alertmanager" in servers:
        context["alertmanager"] = {"urls": [servers["alertmanager"].url], **timing}
    if "jaeger" in servers:
        context["jaeger"] = {"url": servers["jaeger"].url, **timing}
    return Settings.model_validate({"contexts": {"faults": context}, "user": "alice@laptop"})
