"""Prometheus/Alertmanager/Jaeger stand-ins for pilot and snapshot tests.

They answer through ``httpx.MockTransport`` with bodies in the real servers' wire
format, so the app's real clients, decoding and error mapping are exercised; a
source can be switched "down" (connection refused) or to "garbage" at any time.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx

from oncall_tui.clock import Clock
from oncall_tui.config.settings import Settings
from oncall_tui.services.sources import SecretResolver, SourceSet

PROM_URL = "http://prometheus.prod-eu.example:9090"
AM_URLS = ["http://alertmanager-0.prod-eu.example:9093", "http://alertmanager-1.prod-eu.example:9093"]
JAEGER_URL = "http://jaeger.prod-eu.example:16686"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class FakeBackends:
    """Serves all three sources; ``down`` and ``garbage`` hold source names to break."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.down: set[str] = set()
        """Sources (or peer hosts) that refuse connections."""
        self.garbage: set[str] = set()
        """Sources that answer 200 with a non-JSON body."""
        self.requests: list[str] = []
        """Every request path seen, in order."""

    def settings(self) -> Settings:
        return Settings.model_validate(self.raw_settings())

    def raw_settings(self) -> dict[str, Any]:
        """config.toml as data: contexts prod-eu (every source) and staging (Prometheus only)."""
        return {
            "contexts": {
                "prod-eu": {
                    "prometheus": {"url": PROM_URL},
                    "alertmanager": {"urls": AM_URLS},
                    "jaeger": {"url": JAEGER_URL},
                },
                "staging": {"prometheus": {"url": PROM_URL}},
            },
            "user": "alice@laptop",
        }

    def source_set_factory(
        self, resolver: SecretResolver | None = None
    ) -> Callable[[str, Settings], SourceSet]:
        """Sources served by this fake; secrets resolve to none unless ``resolver`` is given."""

        def factory(name: str, settings: Settings) -> SourceSet:
            return SourceSet(
                name,
                settings.contexts[name],
                resolver=resolver or (lambda *_: None),
                transports=lambda source: httpx.MockTransport(self._handler(source)),
                clock=self.clock,
            )

        return factory

    def _handler(self, source: str) -> Callable[[httpx.Request], httpx.Response]:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(f"{request.url.host}{request.url.path}")
            host = request.url.host
            if source in self.down or host in self.down:
                raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
            if source in self.garbage:
                return httpx.Response(200, content=b"<html>502 Bad Gateway</html>")
            body = self._body(source, request)
            if body is None:
                return httpx.Response(404, json={"error": "not found"})
            return httpx.Response(200, content=json.dumps(body).encode())

        return handle

    def _body(self, source: str, request: httpx.Request) -> Any:
        path = request.url.path
        now = self.clock.now()
        if source == "prometheus":
            if path == "/api/v1/status/buildinfo":
                return {
                    "status": "success",
                    "data": {
                        "version": "2.53.1",
                        "revision": "14cfec3f6048b735e08c1e9c64c8d4211d32bab4",
                        "branch": "HEAD",
                        "buildUser": "root@4c8e5c8e5c8e",
                        "buildDate": "20240710-10:16:27",
                        "goVersion": "go1.22.5",
                    },
                }
            if path == "/api/v1/targets":
                return {
                    "status": "success",
                    "data": {"activeTargets": self._targets(now), "droppedTargets": []},
                }
        if source == "alertmanager" and path == "/api/v2/status":
            return {
                "cluster": {
                    "name": "01J3ZK6M0A9N1C2D3E4F5G6H7J",
                    "status": "ready",
                    "peers": [
                        {"name": "01J3ZK6M0A9N1C2D3E4F5G6H7J", "address": "10.0.4.11:9094"},
                        {"name": "01J3ZK6M0B8M2B3C4D5E6F7G8H", "address": "10.0.4.12:9094"},
                    ],
                },
                "versionInfo": {
                    "version": "0.27.0",
                    "revision": "0aa3c2aad14cff039931923ab16b26b7481783b5",
                    "branch": "HEAD",
                    "buildUser": "root@22cd11f671e9",
                    "buildDate": "20240228-11:51:20",
                    "goVersion": "go1.21.7",
                },
                "config": {"original": "route:\n  receiver: pager\n"},
                "uptime": _iso(now - timedelta(days=3)),
            }
        if source == "jaeger":
            if path == "/api/v3/services":
                return {"services": ["checkout", "frontend", "inventory", "payments"]}
            if path == "/api/services":
                return {"data": ["checkout", "frontend", "inventory", "payments"], "total": 4}
        return None

    def _targets(self, now: datetime) -> list[dict[str, Any]]:
        def target(job: str, instance: str, health: str, error: str = "", ago: float = 3.0) -> dict[str, Any]:
            return {
                "discoveredLabels": {"__address__": instance, "job": job},
                "labels": {"instance": instance, "job": job},
                "scrapePool": job,
                "scrapeUrl": f"http://{instance}/metrics",
                "globalUrl": f"http://{instance}/metrics",
                "lastError": error,
                "lastScrape": _iso(now - timedelta(seconds=ago)),
                "lastScrapeDuration": 0.0123,
                "health": health,
                "scrapeInterval": "15s",
                "scrapeTimeout": "10s",
            }

        return [
            target("prometheus", "localhost:9090", "up"),
            target("node", "web-1.prod-eu:9100", "up"),
            target("node", "web-2.prod-eu:9100", "up", ago=7),
            target(
                "node",
                "db-1.prod-eu:9100",
                "down",
                'Get "http://db-1.prod-eu:9100/metrics": '
                "dial tcp 10.0.4.21:9100: connect: connection refused",
                ago=12,
            ),
            target("checkout", "checkout-7d9f:8080", "up"),
        ]
