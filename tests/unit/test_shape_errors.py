"""A body of the wrong shape is a shape error for every source and endpoint, never "healthy and empty"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from oncall_tui.clients.alertmanager import AlertmanagerClient
from oncall_tui.clients.http import INCREMENTAL_BYTES
from oncall_tui.clients.jaeger import JaegerClient, TraceQuery
from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.errors import SourceError

NOW = datetime(2026, 3, 11, 13, 0, tzinfo=UTC)

BAD_BODIES = {
    "wrong shape": b'{"unexpected":[1,2,3]}',
    "array of numbers": b"[1,2,3]",
    "empty 200": b"",
    "not JSON": b"<html><body>502 Bad Gateway</body></html>",
    "truncated JSON": b'{"status":"success","data":{"resultType":"vec',
    "null": b"null",
    "big array of numbers": b"[" + b"0," * (INCREMENTAL_BYTES // 2) + b"0]",
}

Call = Callable[[httpx.AsyncClient], Awaitable[Any]]

CALLS: dict[str, Call] = {
    "prometheus buildinfo": lambda c: PrometheusClient(c).buildinfo(),
    "prometheus targets": lambda c: PrometheusClient(c).targets(),
    "prometheus query": lambda c: PrometheusClient(c).query("up", at=NOW),
    "prometheus query_range": lambda c: PrometheusClient(c).query_range(
        "up", NOW - timedelta(hours=1), NOW, 60
    ),
    "prometheus labels": lambda c: PrometheusClient(c).labels(),
    "prometheus exemplars": lambda c: PrometheusClient(c).exemplars("up", NOW - timedelta(hours=1), NOW),
    "alertmanager groups": lambda c: AlertmanagerClient(c).alert_groups(),
    "alertmanager alerts": lambda c: AlertmanagerClient(c).alerts(),
    "alertmanager silences": lambda c: AlertmanagerClient(c).silences(),
    "alertmanager status": lambda c: AlertmanagerClient(c).status(),
    "jaeger services": lambda c: JaegerClient(c).services(),
    "jaeger operations": lambda c: JaegerClient(c).operations("checkout"),
    "jaeger search": lambda c: JaegerClient(c).search(TraceQuery("checkout")),
    "jaeger summaries": lambda c: JaegerClient(c).search_summaries(TraceQuery("checkout")),
    "jaeger trace": lambda c: JaegerClient(c).trace("4bf92f3577b34da6a3ce929d0e0e4736"),
}


@pytest.mark.parametrize("body", BAD_BODIES.values(), ids=BAD_BODIES.keys())
@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
async def test_a_bad_body_on_every_path_is_a_source_error_with_a_reason(call: Call, body: bytes) -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=body))
    async with httpx.AsyncClient(base_url="http://source:1", transport=transport) as client:
        with pytest.raises(SourceError) as caught:
            await call(client)
    error = caught.value
    assert error.kind in {"shape", "decode"}, error.message
    assert "\n" not in error.message and "http://source:1" in error.message


async def test_jaeger_v3_with_no_services_is_still_an_empty_list_not_an_error() -> None:
    # protojson omits empty lists: a real Jaeger with nothing traced yet answers {}.
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"{}"))
    async with httpx.AsyncClient(base_url="http://jaeger:16686", transport=transport) as client:
        assert await JaegerClient(client).services() == []


def test_a_target_prometheus_never_scraped_has_no_scrape_time() -> None:
    import msgspec

    from oncall_tui.models.prometheus import Target

    body = b'{"health":"unknown","lastScrape":"0001-01-01T00:00:00Z","lastScrapeDuration":0}'
    target = msgspec.json.decode(body, type=Target)
    assert target.last_scrape is None and target.last_scrape_duration is None


async def test_jaeger_taken_for_v1_during_an_outage_is_probed_again_once_v1_fails_too() -> None:
    # A proxy's error page answering 200 on /api/v3/services looks like an old Jaeger's UI route.
    outage = True

    def handle(request: httpx.Request) -> httpx.Response:
        if outage:
            return httpx.Response(200, content=b"<html>upstream unavailable</html>")
        if request.url.path == "/api/v3/services":
            return httpx.Response(200, json={"services": ["checkout"]})
        return httpx.Response(404)

    async with httpx.AsyncClient(base_url="http://jaeger:16686", transport=httpx.MockTransport(handle)) as c:
        client = JaegerClient(c)
        with pytest.raises(SourceError):
            await client.services()
        outage = False
        assert await client.services() == ["checkout"]
        assert client.api_generation == "v3"
