"""PrometheusClient against recorded Prometheus responses served by httpx.MockTransport.

The bodies are the upstream examples in ``tests/fixtures/prometheus/`` (see
ATTRIBUTION.md). Network failures (refused, timeout, TLS) use real loopback
sockets, so the error text is what a user would really see.
"""

from __future__ import annotations

import asyncio
import math
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from oncall_tui.clients.http import TurnTaking, build_async_client
from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.config.settings import SourceSettings
from oncall_tui.errors import NotFoundError, SourceError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "prometheus"
BASE = "http://prometheus.test:9090"

Handler = Callable[[httpx.Request], httpx.Response]


def fixture(name: str) -> bytes:
    """A recorded body from tests/fixtures/prometheus/ (``api-examples/`` names included)."""
    return (FIXTURES / name).read_bytes()


class Recorder:
    """Serves one response per path and keeps the requests it saw."""

    def __init__(self, routes: dict[str, httpx.Response]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = self.routes.get(request.url.path)
        if response is None:
            return httpx.Response(404, text="404 page not found\n")
        return response


def ok(body: bytes | str, status: int = 200, content_type: str = "application/json") -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return httpx.Response(status, content=content, headers={"Content-Type": content_type})


def prometheus(routes: dict[str, httpx.Response], settings: SourceSettings | None = None) -> PrometheusClient:
    transport = httpx.MockTransport(Recorder(routes))
    return PrometheusClient(build_async_client(BASE, settings or SourceSettings(), transport=transport))


def recorded(client: PrometheusClient) -> Recorder:
    turns = client._client._transport
    assert isinstance(turns, TurnTaking)
    transport = turns.inner  # the MockTransport built in prometheus()
    assert isinstance(transport, httpx.MockTransport)
    handler = transport.handler
    assert isinstance(handler, Recorder)
    return handler


NOW = datetime(2026, 1, 3, 10, 17, tzinfo=UTC)


def success(result_type: str, result: str) -> httpx.Response:
    """A success envelope around a hand-written ``result`` (for shapes no recording has)."""
    return ok(f'{{"status":"success","data":{{"resultType":"{result_type}","result":{result}}}}}')


# --- real loopback failures, shared with test_alertmanager_client -----------------------------


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@asynccontextmanager
async def hanging_server() -> AsyncIterator[int]:
    """A server that accepts connections and never answers; yields its port."""
    release = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await release.wait()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        release.set()
        server.close()
        await server.wait_closed()


def self_signed_context(directory: Path) -> ssl.SSLContext:
    """A server TLS context with a fresh self-signed certificate for 127.0.0.1."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oncall-tui test")])
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(datetime.now(UTC) - timedelta(days=1))
        .not_valid_after(datetime.now(UTC) + timedelta(days=1))
        .add_extension(san, critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


@asynccontextmanager
async def untrusted_tls_server(directory: Path) -> AsyncIterator[int]:
    """A TLS server whose certificate no default trust store accepts; yields its port."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=self_signed_context(directory))
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


# --- queries ------------------------------------------------------------------------------


async def test_instant_vector_from_the_docs() -> None:
    client = prometheus({"/api/v1/query": ok(fixture("api-examples/docs-query-vector.json"))})
    result = await client.query("up", at=NOW)

    assert result.result_type == "vector"
    assert [(s.metric["job"], s.value) for s in result.vector] == [("prometheus", 1.0), ("node", 0.0)]
    assert result.vector[0].metric == {"__name__": "up", "job": "prometheus", "instance": "localhost:9090"}
    assert result.vector[0].timestamp == 1435781451.781
    assert result.warnings == [] and result.infos == []
    sent = recorded(client).requests[0].url.params
    assert sent["query"] == "up"
    assert float(sent["time"]) == NOW.timestamp()


async def test_instant_vector_from_the_openapi_examples() -> None:
    client = prometheus({"/api/v1/query": ok(fixture("api-examples/openapi-query-vector.json"))})
    result = await client.query("up")

    assert {s.metric["job"]: s.value for s in result.vector} == {"prometheus": 1.0, "alertmanager": 1.0}
    assert "time" not in recorded(client).requests[0].url.params


async def test_scalar_result() -> None:
    client = prometheus({"/api/v1/query": ok(fixture("api-examples/openapi-query-scalar.json"))})
    result = await client.query("scalar(42)")

    assert result.result_type == "scalar"
    assert result.scalar is not None
    assert (result.scalar.timestamp, result.scalar.value) == (1767436620, 42.0)
    assert result.vector == [] and result.matrix == []


async def test_string_result() -> None:
    client = prometheus(
        {
            "/api/v1/query": ok(
                '{"status":"success","data":{"resultType":"string","result":[1767436620,"hi"]}}'
            )
        }
    )
    result = await client.query('"hi"')

    assert result.string is not None
    assert result.string.value == "hi"


async def test_instant_query_of_a_range_selector_is_a_matrix() -> None:
    client = prometheus({"/api/v1/query": ok(fixture("api-examples/openapi-query-matrix.json"))})
    result = await client.query("up[5m]")

    assert result.result_type == "matrix"
    assert result.matrix[0].timestamps == [1767436320, 1767436620]
    assert result.matrix[0].values == [1.0, 1.0]


async def test_native_histogram_in_an_instant_vector() -> None:
    client = prometheus({"/api/v1/query": ok(fixture("api-examples/openapi-query-native-histogram.json"))})
    result = await client.query("http_request_duration_seconds")

    sample = result.vector[0]
    assert sample.value is None
    assert sample.timestamp == 1767436620
    assert sample.histogram is not None
    assert (sample.histogram.count, sample.histogram.sum) == (12.5, 42.1)
    first, second = sample.histogram.buckets
    assert (first.boundary_rule, first.lower, first.upper, first.count) == (0, 0.7071067811865475, 1.0, 5.0)
    assert (second.lower, second.upper, second.count) == (1.0, 1.414213562373095, 7.5)


async def test_range_query_from_the_docs() -> None:
    client = prometheus({"/api/v1/query_range": ok(fixture("api-examples/docs-query_range-matrix.json"))})
    start = NOW - timedelta(minutes=30)
    result = await client.query_range("up", start, NOW, timedelta(seconds=15))

    assert result.result_type == "matrix"
    assert len(result.matrix) == 2
    node = result.matrix[1]
    assert node.metric["job"] == "node"
    assert node.timestamps == [1435781430.781, 1435781445.781, 1435781460.781]
    assert node.values == [0.0, 0.0, 1.0]
    sent = recorded(client).requests[0].url.params
    assert (float(sent["start"]), float(sent["end"]), float(sent["step"])) == (
        start.timestamp(),
        NOW.timestamp(),
        15.0,
    )


async def test_range_query_openapi_example_and_server_timeout() -> None:
    client = prometheus({"/api/v1/query_range": ok(fixture("api-examples/openapi-query_range-matrix.json"))})
    result = await client.query_range("up", NOW - timedelta(hours=1), NOW, 1800, eval_timeout=5)

    assert result.matrix[0].values == [1.0, 1.0, 1.0]
    assert recorded(client).requests[0].url.params["timeout"] == "5s"


async def test_range_query_with_native_histograms() -> None:
    body = fixture("api-examples/openapi-query_range-native-histograms.json")
    client = prometheus({"/api/v1/query_range": ok(body)})
    result = await client.query_range("http_request_duration_seconds", NOW - timedelta(hours=1), NOW, 60)

    series = result.matrix[0]
    assert series.values == []
    assert [p.timestamp for p in series.histograms] == [1767433020]
    assert series.histograms[0].histogram.count == 12.5
    assert len(series.histograms[0].histogram.buckets) == 2


async def test_empty_matrix() -> None:
    client = prometheus({"/api/v1/query_range": ok(fixture("jaeger-spm-empty-matrix.json"))})
    result = await client.query_range("nothing", NOW - timedelta(hours=1), NOW, 60)

    assert result.result_type == "matrix"
    assert result.matrix == []


async def test_huge_value_string_becomes_a_float() -> None:
    client = prometheus({"/api/v1/query_range": ok(fixture("jaeger-spm-service-span-name-matrix.json"))})
    result = await client.query_range("calls", NOW - timedelta(hours=1), NOW, 60)

    assert result.matrix[0].metric == {"span_name": "/OrderResult", "service_name": "emailservice"}
    assert result.matrix[0].values == [9223372036854.0]


async def test_special_float_values() -> None:
    body = (
        '{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},'
        '"values":[[1,"NaN"],[2,"+Inf"],[3,"-Inf"],[4,"1e-3"]]}]}}'
    )
    client = prometheus({"/api/v1/query_range": ok(body)})
    values = (await client.query_range("x", NOW - timedelta(minutes=1), NOW, 15)).matrix[0].values

    assert math.isnan(values[0])
    assert values[1:] == [math.inf, -math.inf, 0.001]


async def test_status_warning_is_tolerated_and_warnings_surface() -> None:
    client = prometheus({"/api/v1/query_range": ok(fixture("jaeger-spm-warning-response.json"))})
    result = await client.query_range("x", NOW - timedelta(minutes=1), NOW, 15)

    assert result.warnings == ["warning0", "warning1"]
    assert result.matrix == []


async def test_warnings_and_infos_on_success() -> None:
    body = (
        '{"status":"success","warnings":["partial response from store-1"],'
        '"infos":["PromQL info: metric might not be a counter"],'
        '"data":{"resultType":"vector","result":[]}}'
    )
    client = prometheus({"/api/v1/query": ok(body)})
    result = await client.query("rate(x[5m])")

    assert result.warnings == ["partial response from store-1"]
    assert result.infos == ["PromQL info: metric might not be a counter"]


async def test_naive_datetimes_are_refused() -> None:
    client = prometheus({})
    with pytest.raises(ValueError, match="timezone-aware"):
        await client.query("up", at=datetime(2026, 1, 1))  # noqa: DTZ001 (the point of the test)
    with pytest.raises(ValueError, match="step"):
        await client.query_range("up", NOW - timedelta(hours=1), NOW, 0)
    assert recorded(client).requests == []


# --- metadata -----------------------------------------------------------------------------


async def test_targets_from_the_docs() -> None:
    client = prometheus({"/api/v1/targets": ok(fixture("api-examples/docs-targets.json"))})
    targets = await client.targets()

    (target,) = targets.active
    assert (target.job, target.instance, target.health) == ("prometheus", "127.0.0.1:9090", "up")
    assert target.scrape_url == "http://127.0.0.1:9090/metrics"
    assert target.last_error == ""
    assert target.last_scrape == datetime(2017, 1, 17, 14, 7, 44, 723715, tzinfo=UTC)
    assert target.last_scrape_duration == 0.050688943
    assert (target.scrape_interval, target.scrape_timeout) == ("1m", "10s")
    (dropped,) = targets.dropped
    assert (dropped.job, dropped.instance) == ("node", "127.0.0.1:9100")


async def test_targets_state_filter_is_sent() -> None:
    client = prometheus({"/api/v1/targets": ok(fixture("api-examples/docs-targets.json"))})
    await client.targets(state="active")

    assert recorded(client).requests[0].url.params["state"] == "active"


@pytest.mark.parametrize(
    ("name", "first", "count"),
    [
        ("api-examples/docs-labels.json", "__name__", 21),
        ("api-examples/openapi-labels.json", "__name__", 22),
        ("codemirror-promql-labels.json", "__name__", 5),
    ],
)
async def test_label_names(name: str, first: str, count: int) -> None:
    client = prometheus({"/api/v1/labels": ok(fixture(name))})
    labels = await client.labels()

    assert labels.names[0] == first
    assert len(labels.names) == count


async def test_label_names_with_matchers_and_range() -> None:
    client = prometheus({"/api/v1/labels": ok(fixture("codemirror-promql-labels.json"))})
    await client.labels(
        ['up{job="node"}', "process_start_time_seconds"], start=NOW - timedelta(hours=1), end=NOW
    )

    params = recorded(client).requests[0].url.params
    assert params.get_list("match[]") == ['up{job="node"}', "process_start_time_seconds"]
    assert float(params["end"]) == NOW.timestamp()


async def test_label_values() -> None:
    client = prometheus({"/api/v1/label/code/values": ok(fixture("api-examples/docs-label-values.json"))})

    assert (await client.label_values("code")).names == ["200", "504"]


async def test_metric_names_are_label_values_of_dunder_name() -> None:
    body = fixture("codemirror-promql-label-values-__name__.json")
    client = prometheus({"/api/v1/label/__name__/values": ok(body)})
    names = (await client.label_values("__name__")).names

    assert names[:2] == ["ALERTS", "ALERTS_FOR_STATE"]
    assert "alertmanager_http_request_duration_seconds_bucket" in names


async def test_label_name_cannot_escape_the_path() -> None:
    client = prometheus({})
    with pytest.raises(NotFoundError):
        await client.label_values("../../status/config")

    assert (
        recorded(client)
        .requests[0]
        .url.raw_path.startswith(b"/api/v1/label/..%2F..%2Fstatus%2Fconfig/values")
    )


async def test_exemplars_from_the_docs_link_to_traces() -> None:
    client = prometheus({"/api/v1/query_exemplars": ok(fixture("api-examples/docs-query_exemplars.json"))})
    exemplars = await client.exemplars("test_exemplar_metric_total", NOW - timedelta(hours=1), NOW)

    assert [s.series_labels["service"] for s in exemplars.series] == ["bar", "foo"]
    foo = exemplars.series[1].exemplars
    assert [(e.trace_id, e.value, e.timestamp) for e in foo] == [
        ("Olp9XHlq763ccsfa", 19.0, 1600096955.479),
        ("hCtjygkIHwAN9vs4", 20.0, 1600096965.489),
    ]


async def test_exemplars_with_a_traceID_label() -> None:
    client = prometheus({"/api/v1/query_exemplars": ok(fixture("api-examples/openapi-query_exemplars.json"))})
    exemplars = await client.exemplars("http_requests_total", NOW - timedelta(hours=1), NOW)

    assert exemplars.series[0].exemplars[0].trace_id == "abc123def456"
    assert exemplars.series[0].exemplars[0].value == 1.5


async def test_buildinfo() -> None:
    client = prometheus({"/api/v1/status/buildinfo": ok(fixture("api-examples/docs-status-buildinfo.json"))})
    info = await client.buildinfo()

    assert (info.version, info.go_version, info.build_user) == ("2.13.1", "go1.13.1", "julius@desktop")


# --- Prometheus's own errors --------------------------------------------------------------


@pytest.mark.parametrize("status", [503, 200])
async def test_error_envelope_becomes_an_api_error(status: int) -> None:
    body = fixture("api-examples/openapi-error-internal.json")
    client = prometheus({"/api/v1/query": ok(body, status)})
    with pytest.raises(SourceError) as caught:
        await client.query("up")

    error = caught.value
    assert error.kind == "api"
    assert error.status == status
    assert "internal" in error.message and "TSDB not ready" in error.message
    assert "\n" not in error.message


@pytest.mark.parametrize(
    ("status", "error_type", "text"),
    [
        (400, "bad_data", 'invalid parameter \\"query\\": 1:4: parse error: unexpected end of input'),
        (422, "execution", "query processing would load too many samples into memory"),
        (503, "timeout", "query timed out in expression evaluation"),
    ],
)
async def test_query_errors_name_type_and_text(status: int, error_type: str, text: str) -> None:
    body = f'{{"status":"error","errorType":"{error_type}","error":"{text}"}}'
    client = prometheus({"/api/v1/query": ok(body, status)})
    with pytest.raises(SourceError) as caught:
        await client.query("up{")

    assert caught.value.kind == "api"
    assert caught.value.status == status
    assert error_type in caught.value.message
    assert text.replace('\\"', '"') in caught.value.message


async def test_multiline_error_text_is_one_line() -> None:
    body = '{"status":"error","errorType":"bad_data","error":"1:1: parse error:\\n  unexpected\\n  end"}'
    client = prometheus({"/api/v1/query": ok(body, 400)})
    with pytest.raises(SourceError) as caught:
        await client.query("(")

    assert "\n" not in caught.value.message
    assert "parse error: unexpected end" in caught.value.message


# --- bad input: every failure a one-line SourceError -------------------------------------


@pytest.mark.parametrize(
    ("response", "kind", "status", "needle"),
    [
        (ok("upstream connect error", 502, "text/plain"), "http", 502, "HTTP 502"),
        (ok("<html>Internal Server Error</html>", 500, "text/html"), "http", 500, "HTTP 500"),
        (ok("Unauthorized", 401, "text/plain"), "http", 401, "HTTP 401"),
        (ok("<html><body>login</body></html>", 200, "text/html"), "decode", None, "not JSON"),
        (ok(b"", 200), "decode", None, "empty response body"),
        (ok("  \n", 200), "decode", None, "empty response body"),
        (ok("[1, 2, 3]"), "shape", None, "unexpected response shape"),
        (ok('{"data": {}}'), "shape", None, "unexpected response shape"),
        (success("vector", "5"), "shape", None, "shape"),
        (
            ok('{"status":"success","data":{"resultType":"vector","result":[{"metric":{}}]}}'),
            "shape",
            None,
            "neither",
        ),
        (
            ok('{"status":"success","data":{"resultType":"matrix","result":[{"values":[[1,"x"]]}]}}'),
            "shape",
            None,
            "x",
        ),
        (success("tensor", "[]"), "shape", None, "tensor"),
        (ok('{"status":"success"}'), "shape", None, "no data"),
        (ok('{"status":"pending","data":{"resultType":"vector","result":[]}}'), "shape", None, "pending"),
        (ok('{"status":"error"}', 400), "api", 400, "no error text"),
        (ok('{"status":"error","errorType":"internal","error":"boom","data":5}'), "api", 200, "boom"),
    ],
    ids=[
        "502-text",
        "500-html",
        "401",
        "html-200",
        "empty",
        "blank",
        "array",
        "no-status",
        "result-not-list",
        "no-value",
        "value-not-number",
        "unknown-result-type",
        "no-data",
        "unknown-status",
        "error-without-text",
        "error-with-odd-data",
    ],
)
async def test_bad_responses(response: httpx.Response, kind: str, status: int | None, needle: str) -> None:
    client = prometheus({"/api/v1/query": response})
    with pytest.raises(SourceError) as caught:
        await client.query("up")

    error = caught.value
    assert (error.kind, error.status) == (kind, status)
    assert needle in error.message
    assert "\n" not in error.message
    # Every failure names the URL it came from, Prometheus's own error text included.
    assert f"{BASE}/api/v1/query" in error.message


async def test_unknown_endpoint_is_not_found() -> None:
    client = prometheus({})
    with pytest.raises(NotFoundError) as caught:
        await client.buildinfo()

    assert caught.value.status == 404
    assert "/api/v1/status/buildinfo" in caught.value.message


async def test_refused_connection() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    client = PrometheusClient(build_async_client(url, SourceSettings()))
    with pytest.raises(SourceError) as caught:
        await client.query("up")
    await client.aclose()

    assert caught.value.kind == "unreachable"
    # httpx (through anyio) words a refused connection "All connection attempts failed".
    assert url in caught.value.message
    assert "\n" not in caught.value.message


async def test_timeout() -> None:
    async with hanging_server() as port:
        client = PrometheusClient(build_async_client(f"http://127.0.0.1:{port}", SourceSettings(timeout=0.2)))
        with pytest.raises(SourceError) as caught:
            await client.query("up")
        await client.aclose()

    assert caught.value.kind == "timeout"
    assert "timeout after 0.2s" in caught.value.message


async def test_tls_failure(tmp_path: Path) -> None:
    async with untrusted_tls_server(tmp_path) as port:
        client = PrometheusClient(build_async_client(f"https://127.0.0.1:{port}", SourceSettings()))
        with pytest.raises(SourceError) as caught:
            await client.query("up")
        await client.aclose()

    assert caught.value.kind == "tls"
    assert "certificate" in caught.value.message.lower()
    assert "\n" not in caught.value.message
