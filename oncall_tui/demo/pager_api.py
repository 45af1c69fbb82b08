"""A team's chat and pager, as far as escalation needs them: webhook receivers that keep what they get.

The demo's escalation policy notifies these, so ``e`` (and auto-escalation) can be tried
without sending anything off the machine; ``GET /received`` lists what arrived.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from oncall_tui.demo.server import Request, Response, json_response, text_response

RECEIVER_PATHS = {"/webhook": "webhook", "/slack": "slack"}
"""Path -> kind of receiver listening there."""


class PagerAPI:
    """Accepts generic JSON webhook and Slack-compatible posts; remembers them in order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: list[dict[str, Any]] = []

    @property
    def received(self) -> list[dict[str, Any]]:
        """What arrived so far: ``{"kind": ..., "body": ...}`` in arrival order."""
        with self._lock:
            return list(self._received)

    def __call__(self, request: Request) -> Response:
        if request.method == "GET" and request.path == "/received":
            return json_response(self.received)
        kind = RECEIVER_PATHS.get(request.path)
        if kind is None or request.method != "POST":
            return text_response("not found\n", 404)
        try:
            body = json.loads(request.body or b"null")
        except ValueError:
            return text_response("invalid_payload\n", 400)
        with self._lock:
            self._received.append({"kind": kind, "body": body})
        # Slack answers a plain "ok"; generic receivers usually answer JSON.
        return text_response("ok") if kind == "slack" else json_response({"status": "received"})
