"""Zero-config dashboards from recorded metadata and label responses, and from known conventions."""

from __future__ import annotations

import json
from pathlib import Path

from oncall_tui.config.dashboards import Dashboard, PercentilesPanel, SparklinePanel, StatPanel
from oncall_tui.domain.metric_discovery import ServerCatalog, discover, metrics_needing_labels

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "prometheus"


def _data(name: str) -> object:
    return json.loads((FIXTURES / name).read_text())["data"]


def _by_name(dashboards: list[Dashboard]) -> dict[str, Dashboard]:
    return {d.name or "": d for d in dashboards}


def _exprs(dashboard: Dashboard) -> list[str]:
    return [q.expr for p in dashboard.panels if isinstance(p, SparklinePanel | StatPanel) for q in p.queries]


def test_an_alertmanager_only_server_gets_no_dashboards() -> None:
    metadata = _data("codemirror-promql-metadata.json")
    names = _data("codemirror-promql-label-values-__name__.json")
    assert isinstance(metadata, dict) and isinstance(names, list)
    types = {name: entries[0]["type"] for name, entries in metadata.items()}
    catalog = ServerCatalog(frozenset(names), types)
    # alertmanager_http_request_duration_seconds is not any RED convention's metric.
    assert discover(catalog) == []
    assert metrics_needing_labels(catalog.names) == []


def test_http_requests_total_with_code_gets_red_per_job_without_latency() -> None:
    metadata = _data("api-examples/docs-metadata.json")
    labels = _data("api-examples/docs-labels.json")
    assert isinstance(metadata, dict) and isinstance(labels, list)
    names = frozenset(metadata)
    assert metrics_needing_labels(names) == ["http_requests_total"]
    catalog = ServerCatalog(
        names, {"http_requests_total": "counter"}, {"http_requests_total": frozenset(labels)}
    )
    found = _by_name(discover(catalog))
    assert list(found) == ["red-http"]
    red = found["red-http"]
    assert [p.title for p in red.panels] == ["Requests", "Error ratio", "Errors by status"]
    # The recorded labels have no `service`: the job names the service.
    assert red.variables[0].label == "job" and red.variables[0].metric == "http_requests_total"
    assert (
        'sum by (job) (rate(http_requests_total{job=~"$service", code=~"5.."}[$__rate_interval]))'
        in (_exprs(red)[1])
    )


def test_prometheus_and_node_dashboards_appear_with_their_metrics() -> None:
    names = frozenset(
        {
            "prometheus_http_requests_total",
            "prometheus_http_request_duration_seconds_bucket",
            "prometheus_tsdb_head_series",
            "up",
            "node_cpu_seconds_total",
            "node_memory_MemAvailable_bytes",
            "node_memory_MemTotal_bytes",
            "node_load1",
            "node_filesystem_avail_bytes",
            "node_filesystem_size_bytes",
            "node_network_receive_bytes_total",
        }
    )
    found = _by_name(discover(ServerCatalog(names)))
    assert list(found) == ["prometheus", "node"]
    titles = [p.title for p in found["prometheus"].panels]
    assert titles == [
        "API requests",
        "API error ratio",
        "API latency",
        "Head series",
        "Targets down",
        "Targets up",
    ]
    latency = found["prometheus"].panels[2]
    assert isinstance(latency, PercentilesPanel) and latency.histogram_type == "classic"
    node = found["node"]
    assert [p.title for p in node.panels] == [
        "CPU busy by mode",
        "CPU busy",
        "Memory available",
        "Load (1m)",
        "Network",
        "Filesystem used",
    ]
    assert node.variables[0].name == "instance" and node.variables[0].include_all
    assert all('instance=~"$instance"' in e for e in _exprs(node))


def test_opentelemetry_native_histogram_counts_requests_from_the_histogram() -> None:
    base = "http_server_request_duration_seconds"
    catalog = ServerCatalog(
        frozenset({base}),
        {base: "histogram"},
        {base: frozenset({"job", "http_response_status_code", "http_route"})},
    )
    assert metrics_needing_labels(catalog.names) == [base]
    red = _by_name(discover(catalog))["red-otel"]
    exprs = _exprs(red)
    assert exprs[0] == f'sum by (job) (histogram_count(rate({base}{{job=~"$service"}}[$__rate_interval])))'
    assert 'http_response_status_code=~"5.."' in exprs[1]
    latency = red.panels[-1]
    assert isinstance(latency, PercentilesPanel)
    assert (latency.histogram, latency.histogram_type, latency.selector) == (
        base,
        "native",
        '{job=~"$service"}',
    )


def test_micrometer_counts_requests_from_the_histogram_count() -> None:
    base = "http_server_requests_seconds"
    names = frozenset({f"{base}_bucket", f"{base}_count", f"{base}_sum"})
    catalog = ServerCatalog(names, {}, {f"{base}_count": frozenset({"application", "status", "uri"})})
    red = _by_name(discover(catalog))["red-micrometer"]
    assert _exprs(red)[0].startswith(f'sum by (application) (rate({base}_count{{application=~"$service"}}')
    assert 'status=~"5.."' in _exprs(red)[1]


def test_span_metrics_use_service_name_error_status_and_milliseconds() -> None:
    calls = "traces_span_metrics_calls_total"
    duration = "traces_span_metrics_duration_milliseconds"
    catalog = ServerCatalog(
        frozenset({calls, f"{duration}_bucket"}),
        {},
        {calls: frozenset({"service_name", "span_name", "status_code", "span_kind"})},
    )
    red = _by_name(discover(catalog))["red-spans"]
    assert 'status_code="STATUS_CODE_ERROR"' in _exprs(red)[1]
    latency = red.panels[-1]
    assert isinstance(latency, PercentilesPanel) and latency.unit == "ms"
    assert red.variables[0].label == "service_name"
    legacy = ServerCatalog(frozenset({"calls_total", "duration_milliseconds_bucket"}), {}, {})
    assert list(_by_name(discover(legacy))) == ["red-spans-legacy"]


def test_classic_and_native_side_by_side_query_both() -> None:
    base = "http_request_duration_seconds"
    catalog = ServerCatalog(frozenset({"http_requests_total", f"{base}_bucket", base}), {base: "histogram"})
    latency = _by_name(discover(catalog))["red-http"].panels[-1]
    assert isinstance(latency, PercentilesPanel) and latency.histogram_type == "auto"
