"""An escalation receiver in its own process (so a test can stop or kill it): ``PORT LOG [--hang]``.

Every POST is appended to LOG as one JSON line (its ``Idempotency-Key`` header and body) and
synced to disk before it is answered, so what it took survives a SIGKILL. ``--hang`` takes
requests and never answers (a receiver dying mid-request). ``GET /ready`` answers 200.
Only the standard library: it starts fast and imports nothing of the app.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def main(argv: list[str]) -> None:
    port, log, hang = int(argv[0]), argv[1], "--hang" in argv[2:]
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200 if self.path == "/ready" else 404)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            record = {"key": self.headers.get("Idempotency-Key"), "path": self.path, "body": json.loads(raw)}
            with lock, open(log, "a") as out:
                out.write(json.dumps(record) + "\n")
                out.flush()
                os.fsync(out.fileno())
            if hang:
                threading.Event().wait()
            try:
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except BrokenPipeError:
                pass  # the sender gave up waiting (it was stopped meanwhile): it will retry

        def log_message(self, fmt: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever(poll_interval=0.05)


if __name__ == "__main__":
    main(sys.argv[1:])
