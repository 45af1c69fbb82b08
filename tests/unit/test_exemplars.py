"""Alert -> expression -> exemplar traces."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import msgspec

from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.domain.exemplars import (
    expression_from_generator_url,
    is_about_errors,
    is_error_series,
    newest_traces,
)
from oncall_tui.models.prometheus import Exemplar, Exemplars, ExemplarSeries

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def test_expression_is_read_from_a_prometheus_generator_url() -> None:
    url = "http://prometheus:9090/graph?g0.expr=sum%28rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B5m%5D%29%29+%3E+1&g0.tab=1"
    assert expression_from_generator_url(url) == 'sum(rate(http_requests_total{code=~"5.."}[5m])) > 1'
    assert expression_from_generator_url("http://thanos/alerts") is None
    assert expression_from_generator_url("") is None


def test_newest_trace_first_and_each_trace_once() -> None:
    series = ExemplarSeries(
        series_labels={"__name__": "http_request_duration_seconds_bucket", "service": "checkout"},
        exemplars=[
            Exemplar(labels={"trace_id": "aaa"}, value=0.2, timestamp=100.0),
            Exemplar(labels={"traceID": "bbb"}, value=1.5, timestamp=300.0),
            Exemplar(labels={"trace_id": "aaa"}, value=0.3, timestamp=200.0),
            Exemplar(labels={"span_id": "no-trace"}, value=9.0, timestamp=400.0),
        ],
    )
    traces = newest_traces(Exemplars(series=[series]))
    assert [(t.trace_id, t.at.timestamp()) for t in traces] == [("bbb", 300.0), ("aaa", 200.0)]
    assert traces[0].series["service"] == "checkout"


async def test_recorded_prometheus_exemplars_response_links_its_traces() -> None:
    body = (FIXTURES / "prometheus" / "api-examples" / "docs-query_exemplars.json").read_bytes()
    transport = httpx.MockTransport(lambda _request: httpx.Response(200, content=body))
    async with httpx.AsyncClient(base_url="http://prometheus:9090", transport=transport) as http:
        result = await PrometheusClient(http).exemplars(
            "test_exemplar_metric_total", datetime(2020, 9, 14, tzinfo=UTC), datetime(2020, 9, 15, tzinfo=UTC)
        )
    expected = {e["labels"]["trace_id"] for s in msgspec.json.decode(body)["data"] for e in s["exemplars"]}
    traces = newest_traces(result)
    assert {t.trace_id for t in traces} == expected
    assert [t.at for t in traces] == sorted((t.at for t in traces), reverse=True)


def test_an_error_rate_expression_prefers_traces_of_failed_requests_newest_first() -> None:
    ok = ExemplarSeries(
        series_labels={"__name__": "http_requests_total", "code": "200"},
        exemplars=[Exemplar({"trace_id": "new-ok"}, 1.0, 500.0), Exemplar({"trace_id": "both"}, 1.0, 50.0)],
    )
    failed = ExemplarSeries(
        series_labels={"__name__": "http_requests_total", "code": "503"},
        exemplars=[Exemplar({"trace_id": "old-err"}, 1.0, 100.0), Exemplar({"trace_id": "both"}, 1.0, 40.0)],
    )
    result = Exemplars(series=[ok, failed])
    assert [t.trace_id for t in newest_traces(result)] == ["new-ok", "old-err", "both"]
    preferred = newest_traces(result, prefer_errors=True)
    assert [(t.trace_id, t.error) for t in preferred] == [
        ("old-err", True),
        ("both", True),
        ("new-ok", False),
    ]


def test_what_counts_as_about_errors_and_as_a_failed_request() -> None:
    assert is_about_errors(
        'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))'
    )
    assert is_about_errors("rate(grpc_server_handled_total[5m])", "CheckoutHighErrorRate")
    assert not is_about_errors('histogram_quantile(0.99, rate(x_bucket{le="5"}[5m])) > 0.5', "SlowResponses")
    assert is_error_series({"code": "500"}) and is_error_series({"otel_status_code": "ERROR"})
    assert not is_error_series({"code": "404"}) and not is_error_series({"status": "ok"})
