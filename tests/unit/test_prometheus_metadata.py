"""``PrometheusClient.metadata()`` on the recorded ``/api/v1/metadata`` responses."""

from __future__ import annotations

from pathlib import Path

import httpx

from oncall_tui.clients.http import build_async_client
from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.config.settings import SourceSettings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "prometheus"


def _serving(name: str, seen: list[httpx.Request]) -> PrometheusClient:
    body = (FIXTURES / name).read_bytes()

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    return PrometheusClient(
        build_async_client("http://prom.test", SourceSettings(), transport=httpx.MockTransport(handle))
    )


async def test_metadata_maps_families_to_types() -> None:
    seen: list[httpx.Request] = []
    metadata = await _serving("codemirror-promql-metadata.json", seen).metadata()
    assert seen[0].url.path == "/api/v1/metadata"
    assert metadata.type_of("alertmanager_alerts") == "gauge"
    assert metadata.type_of("alertmanager_http_request_duration_seconds") == "histogram"
    assert metadata.type_of("nope") is None
    assert metadata.metrics["alertmanager_alerts"][0].help == "How many alerts by state."


async def test_metadata_of_one_metric_keeps_every_distinct_entry() -> None:
    seen: list[httpx.Request] = []
    metadata = await _serving("api-examples/docs-metadata.json", seen).metadata(
        "http_requests_total", limit=2
    )
    assert seen[0].url.params["metric"] == "http_requests_total" and seen[0].url.params["limit"] == "2"
    assert [e.help for e in metadata.metrics["http_requests_total"]] == [
        "Number of HTTP requests",
        "Amount of HTTP requests",
    ]
