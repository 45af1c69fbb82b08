"""JaegerClient against recorded Jaeger responses served by a real loopback HTTP server.

The server is stdlib ``http.server`` in a thread on port 0, serving the fixtures in
``tests/fixtures/jaeger/`` by path. One flavour speaks API v3 (``/api/v3/...``), the other only the
legacy ``/api/...`` (its ``/api/v3`` paths answer 404 like a Jaeger v1 query service).
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from oncall_tui.clients.http import build_async_client
from oncall_tui.clients.jaeger import (
    JaegerClient,
    TraceQuery,
    go_duration,
    parse_tag_filter,
    rfc3339_nanos,
    trace_has_tags,
)
from oncall_tui.clock import FakeClock
from oncall_tui.config.settings import SourceSettings
from oncall_tui.errors import NotFoundError, SourceError
from oncall_tui.trace_io import parse_traces

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "jaeger"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NO_TRACES = json.dumps({"error": {"httpCode": 404, "message": "No traces found"}}).encode()
TRACE_NOT_FOUND = json.dumps({"error": {"httpCode": 404, "message": "trace not found"}}).encode()

Route = tuple[int, bytes]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class Server:
    """Routes a path (without query) to a status and body; records every request's path and query."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.seen: list[tuple[str, dict[str, list[str]]]] = []

    def handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - stdlib name
                url = urlsplit(self.path)
                path = unquote(url.path)
                server.seen.append((path, parse_qs(url.query)))
                status, body = server.routes.get(path, (404, b"404 page not found\n"))
                self.send_response(status)
                self.send_header("Content-Type", "application/json" if body[:1] in b"{[" else "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
                pass

        return Handler

    def queries(self, path: str) -> list[dict[str, list[str]]]:
        return [q for p, q in self.seen if p == path]


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[tuple[Server, str]]:
    state = Server(routes)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), state.handler())
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


V3_ROUTES: dict[str, Route] = {
    "/api/v3/services": (200, fixture("v3/jaeger-apiv3-GetServices.json")),
    "/api/v3/operations": (200, fixture("v3/jaeger-apiv3-GetOperations.json")),
    "/api/v3/traces": (200, fixture("v3/jaeger-apiv3-FindTraces.json")),
    "/api/v3/traces/00000000000000000000000000000001": (200, fixture("v3/jaeger-apiv3-GetTrace.json")),
    "/api/v3/trace-summaries": (200, fixture("v3/jaeger-apiv3-FindTraceSummaries.json")),
}

TEST_TRACE = json.loads(fixture("v1-traces/jaeger-ui-testTrace.json"))
V1_ROUTES: dict[str, Route] = {
    "/api/services": (200, json.dumps({"data": ["service1", "service2"], "total": 2}).encode()),
    "/api/services/service 1/operations": (200, json.dumps({"data": ["op1", "op2"], "total": 2}).encode()),
    "/api/traces": (200, json.dumps({"data": [TEST_TRACE], "total": 1, "limit": 0, "offset": 0}).encode()),
    "/api/traces/83a9efd15c1c98a977e0711cc93ee28b": (200, fixture("v1-traces/jaeger-otlp2jaeger-out.json")),
}


@pytest.fixture
async def v3() -> AsyncIterator[tuple[Server, JaegerClient]]:
    with serve(dict(V3_ROUTES)) as (server, url):
        async with build_async_client(url, SourceSettings()) as http:
            yield server, JaegerClient(http, clock=FakeClock(NOW))


@pytest.fixture
async def v1() -> AsyncIterator[tuple[Server, JaegerClient]]:
    with serve(dict(V1_ROUTES)) as (server, url):
        async with build_async_client(url, SourceSettings()) as http:
            yield server, JaegerClient(http, clock=FakeClock(NOW))


# --- API v3 --------------------------------------------------------------------------------------


async def test_v3_services_operations_and_generation(v3: tuple[Server, JaegerClient]) -> None:
    server, client = v3
    assert client.api_generation is None
    assert await client.services() == ["foo"]
    assert client.api_generation == "v3"
    assert await client.operations("foo") == ["get_users"]
    assert server.queries("/api/v3/operations") == [{"service": ["foo"]}]
    # The generation is probed once, not per call.
    assert len(server.queries("/api/v3/services")) == 2  # probe + the services call itself


async def test_v3_search_sends_the_query_and_parses_otlp(v3: tuple[Server, JaegerClient]) -> None:
    server, client = v3
    query = TraceQuery(
        service="foo",
        operation="foobar",
        lookback=timedelta(hours=2),
        min_duration=timedelta(milliseconds=150),
        max_duration=timedelta(seconds=3),
        limit=5,
    )
    traces = await client.search(query)
    assert [(t.trace_id, t.span_count, t.error_count) for t in traces] == [
        ("00000000000000000000000000000001", 1, 1)
    ]
    [params] = server.queries("/api/v3/traces")
    assert params["query.serviceName"] == ["foo"] and params["query.service_name"] == ["foo"]
    assert params["query.operationName"] == ["foobar"]
    assert params["query.startTimeMin"] == ["2026-03-01T10:00:00.000000000Z"]
    assert params["query.startTimeMax"] == ["2026-03-01T12:00:00.000000000Z"]
    assert params["query.durationMin"] == ["0.15s"] and params["query.durationMax"] == ["3s"]
    assert params["query.searchDepth"] == ["5"]


async def test_v3_no_traces_found_is_an_empty_result(v3: tuple[Server, JaegerClient]) -> None:
    server, client = v3
    server.routes["/api/v3/traces"] = (404, NO_TRACES)
    server.routes["/api/v3/trace-summaries"] = (404, NO_TRACES)
    assert await client.search(TraceQuery(service="foo")) == []
    assert await client.search_summaries(TraceQuery(service="foo")) == []


async def test_v3_trace_by_id_and_missing_trace(v3: tuple[Server, JaegerClient]) -> None:
    server, client = v3
    trace = await client.trace("00000000000000000000000000000001")
    assert trace.span_ids == ["0000000000000002"] and trace.operations == ["foobar"]
    server.routes["/api/v3/traces/00000000000000000000000000000009"] = (404, TRACE_NOT_FOUND)
    with pytest.raises(NotFoundError, match="trace 00000000000000000000000000000009 not found"):
        await client.trace("00000000000000000000000000000009")


async def test_v3_trace_summaries_load_without_spans(v3: tuple[Server, JaegerClient]) -> None:
    server, client = v3
    [summary] = await client.search_summaries(TraceQuery(service="frontend"))
    assert summary.trace_id == "00000000000000000000000000000001"
    assert (summary.root_service, summary.root_operation) == ("frontend", "HTTP GET /")
    assert (summary.span_count, summary.error_count, summary.services) == (2, 1, ["frontend"])
    # min 1000000000000 ns, max 1001000000000 ns -> 1 s, starting 1000 s after the epoch.
    assert summary.duration_us == 1_000_000
    assert summary.start == datetime(1970, 1, 1, 0, 16, 40, tzinfo=UTC)
    assert server.queries("/api/v3/traces") == []


async def test_v3_without_trace_summaries_falls_back_to_full_traces(v3: tuple[Server, JaegerClient]) -> None:
    server, client = v3
    del server.routes["/api/v3/trace-summaries"]
    [summary] = await client.search_summaries(TraceQuery(service="foo"))
    assert (summary.root_operation, summary.span_count, summary.error_count) == ("foobar", 1, 1)
    await client.search_summaries(TraceQuery(service="foo"))
    # Remembered: the missing endpoint is asked once.
    assert len(server.queries("/api/v3/trace-summaries")) == 1


async def test_v3_server_error_is_a_one_line_source_error(v3: tuple[Server, JaegerClient]) -> None:
    server, client = v3
    body = json.dumps({"error": {"httpCode": 500, "message": "storage unavailable"}}).encode()
    server.routes["/api/v3/traces"] = (500, body)
    with pytest.raises(SourceError, match="HTTP 500 .*storage unavailable") as info:
        await client.search(TraceQuery(service="foo"))
    assert "\n" not in str(info.value)


async def test_v3_tag_filter_is_applied_even_when_the_server_ignores_it(
    v3: tuple[Server, JaegerClient],
) -> None:
    server, client = v3
    server.routes["/api/v3/traces"] = (200, fixture("v3/jaeger-pr9263-otel-demo-error_timeout_masked.json"))
    hit = await client.search(TraceQuery(service="frontend", tags={"service.name": "cart"}))
    assert len(hit) == 1
    assert await client.search(TraceQuery(service="frontend", tags={"service.name": "nope"})) == []
    assert server.queries("/api/v3/traces")[0]["query.attributes"] == ['{"service.name":"cart"}']


async def test_v3_error_tag_filter_matches_the_otlp_error_status(v3: tuple[Server, JaegerClient]) -> None:
    # OTLP spans mark errors with status.code 2 and carry no `error` attribute: in this capture the
    # three error spans are redis-manual's, and none of its spans has an `error` attribute.
    server, client = v3
    server.routes["/api/v3/traces"] = (200, fixture("v3/jaeger-pr9263-hotrod-n_plus_one_full_serial.json"))
    [hit] = await client.search(TraceQuery(service="frontend", tags={"error": "true"}))
    assert hit.trace_id == "fe65c5beefbe4e96119efbba3da07e99"
    assert len(await client.search(TraceQuery(service="frontend", tags=ERROR_ON_REDIS))) == 1
    # All of one span: mysql has spans, but none of them is an error.
    assert (
        await client.search(TraceQuery(service="frontend", tags={"error": "true", "service.name": "mysql"}))
        == []
    )
    assert (
        len(
            await client.search(
                TraceQuery(service="frontend", tags={"error": "false", "service.name": "mysql"})
            )
        )
        == 1
    )
    assert server.queries("/api/v3/traces")[0]["query.attributes"] == ['{"error":"true"}']

    # A trace whose only span is an error has no span for error=false.
    server.routes["/api/v3/traces"] = (200, fixture("v3/jaeger-apiv3-FindTraces.json"))
    assert len(await client.search(TraceQuery(service="foo", tags={"error": "true"}))) == 1
    assert await client.search(TraceQuery(service="foo", tags={"error": "false"})) == []


ERROR_ON_REDIS = {"error": "true", "service.name": "redis-manual"}


def test_error_tag_filter_on_v1_traces_uses_the_error_flag() -> None:
    # A v1 span marked only with otel.status_code=ERROR (as otlp->jaeger conversion writes it) is an
    # error span; a span tagged error=true still is.
    otel_marked = parse_traces(
        json.dumps(
            {
                "traceID": "t1",
                "spans": [
                    {
                        "spanID": "a",
                        "operationName": "GET",
                        "processID": "p1",
                        "startTime": 1,
                        "duration": 5,
                        "tags": [{"key": "otel.status_code", "type": "string", "value": "ERROR"}],
                    },
                    {
                        "spanID": "b",
                        "operationName": "SELECT",
                        "processID": "p1",
                        "startTime": 2,
                        "duration": 1,
                        "references": [{"refType": "CHILD_OF", "traceID": "t1", "spanID": "a"}],
                    },
                ],
                "processes": {"p1": {"serviceName": "api", "tags": []}},
            }
        ).encode()
    )[0]
    assert trace_has_tags(otel_marked, {"error": "true"})
    assert trace_has_tags(otel_marked, {"error": "true", "service.name": "api"}) is False  # no such tag
    assert trace_has_tags(otel_marked, {"error": "false"})  # span b
    [test_trace] = parse_traces(fixture("v1-traces/jaeger-ui-testTrace.json"))
    assert trace_has_tags(test_trace, {"error": "true"})


# --- legacy API ------------------------------------------------------------------------------------


async def test_legacy_server_is_detected_by_the_v3_404_and_remembered(
    v1: tuple[Server, JaegerClient],
) -> None:
    server, client = v1
    assert await client.services() == ["service1", "service2"]
    assert client.api_generation == "v1"
    assert await client.operations("service 1") == ["op1", "op2"]
    assert len(server.queries("/api/v3/services")) == 1


async def test_legacy_search_sends_the_query_and_parses_jaeger_json(v1: tuple[Server, JaegerClient]) -> None:
    server, client = v1
    query = TraceQuery(
        service="service1",
        operation="op1",
        tags={"error": "true"},
        lookback=timedelta(minutes=30),
        min_duration=timedelta(milliseconds=1),
        limit=10,
    )
    [trace] = await client.search(query)
    assert (trace.trace_id, trace.span_count, trace.error_count) == ("trace-123", 11, 1)
    [params] = server.queries("/api/traces")
    end = int(NOW.timestamp() * 1_000_000)
    assert params["service"] == ["service1"] and params["operation"] == ["op1"]
    assert params["tags"] == ['{"error":"true"}']
    assert params["start"] == [str(end - 30 * 60 * 1_000_000)] and params["end"] == [str(end)]
    assert params["lookback"] == ["1800s"] and params["minDuration"] == ["0.001s"]
    assert params["limit"] == ["10"]


async def test_legacy_absolute_window_and_summaries(v1: tuple[Server, JaegerClient]) -> None:
    server, client = v1
    start = datetime(2026, 2, 28, 9, 0, tzinfo=UTC)
    end = datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    [summary] = await client.search_summaries(TraceQuery(service="service1", start=start, end=end))
    assert (summary.root_service, summary.span_count, summary.services) == (
        "service1",
        11,
        ["service1", "service2"],
    )
    [params] = server.queries("/api/traces")
    assert "lookback" not in params
    assert params["start"] == [str(int(start.timestamp() * 1_000_000))]


async def test_legacy_trace_by_id_and_missing(v1: tuple[Server, JaegerClient]) -> None:
    server, client = v1
    trace = await client.trace("83a9efd15c1c98a977e0711cc93ee28b")
    assert trace.span_count == 2
    with pytest.raises(NotFoundError):
        await client.trace("ffff")


async def test_legacy_garbage_body_is_a_source_error(v1: tuple[Server, JaegerClient]) -> None:
    server, client = v1
    server.routes["/api/traces"] = (200, b"<html>proxy error</html>")
    with pytest.raises(SourceError, match="not JSON"):
        await client.search(TraceQuery(service="service1"))


async def test_unreachable_server_is_a_source_error() -> None:
    with serve({}) as (_, url):
        pass  # the port is closed again once the server is gone
    async with build_async_client(url, SourceSettings()) as http:
        with pytest.raises(SourceError) as info:
            await JaegerClient(http).services()
    assert info.value.kind == "unreachable"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(seconds=3), "3s"),
        (timedelta(milliseconds=150), "0.15s"),
        (timedelta(microseconds=1), "0.000001s"),
    ],
)
def test_go_duration(value: timedelta, text: str) -> None:
    assert go_duration(value) == text


def test_tag_filter_text() -> None:
    assert parse_tag_filter('error=true http.status_code=500 "peer.service=my svc"') == {
        "error": "true",
        "http.status_code": "500",
        "peer.service": "my svc",
    }
    assert parse_tag_filter("  ") == {}
    with pytest.raises(ValueError, match="'oops' is not key=value"):
        parse_tag_filter("a=1 oops")


def test_rfc3339_nanos() -> None:
    assert rfc3339_nanos(datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)) == "2026-01-02T03:04:05.000678000Z"
