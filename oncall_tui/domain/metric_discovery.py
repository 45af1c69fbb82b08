"""Zero-config dashboards from what a Prometheus server actually has.

Input is a :class:`ServerCatalog` (metric names, their metadata types, and the label
names of the few metrics that matter), gathered by ``services/dashboard_catalog.py``.
Output is plain :class:`~oncall_tui.config.dashboards.Dashboard` models, each built only
when its metrics exist:

* ``prometheus`` — the Prometheus server itself (its HTTP API RED, head series, targets);
* ``node`` — USE of hosts when node_exporter metrics exist, with an ``$instance`` picker;
* ``red-<convention>`` — RED per service for each metric convention found: client_golang
  (``http_requests_total`` + ``http_request_duration_seconds``), Micrometer
  (``http_server_requests_seconds``), OpenTelemetry semantic conventions
  (``http_server_request_duration_seconds``) and span metrics (``traces_span_metrics_*`` or
  ``calls_total``/``duration_milliseconds``), with a ``$service`` picker.

Histograms may be classic (``_bucket`` series) or native (one series of histogram samples):
the builders ask :meth:`ServerCatalog.histogram_flavour` which one is there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from oncall_tui.config.dashboards import Dashboard
from oncall_tui.domain.promql import histogram_quantile

SERVICE_LABELS = ("service", "service_name", "application", "app", "job")
"""Labels that name a service, in order of preference."""


@dataclass(frozen=True, slots=True)
class ServerCatalog:
    """What one Prometheus server has: enough to decide which dashboards make sense."""

    names: frozenset[str]
    """Every metric name (``/api/v1/label/__name__/values``)."""
    types: Mapping[str, str] = field(default_factory=dict)
    """Metadata type by metric family (``/api/v1/metadata``); may be empty (some stores lack it)."""
    labels: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Label names of the series of a metric, for the metrics in :func:`metrics_needing_labels`."""

    def has(self, name: str) -> bool:
        """Whether the server has series of ``name``."""
        return name in self.names

    def histogram_flavour(self, base: str) -> str | None:
        """``classic``, ``native``, ``auto`` (both exist) or None for a histogram base name."""
        classic = f"{base}_bucket" in self.names
        native = base in self.names and self.types.get(base, "histogram") == "histogram"
        if classic and native:
            return "auto"
        if classic:
            return "classic"
        return "native" if native else None


@dataclass(frozen=True, slots=True)
class RedConvention:
    """How one metric convention spells requests, errors and latency."""

    key: str
    """Suffix of the dashboard name (``red-<key>``)."""
    title: str
    """Human name of the convention."""
    duration: str
    """Latency histogram base name."""
    requests: str | None
    """Request counter; None = counted from the histogram itself."""
    status_label: str
    """Label carrying the response status."""
    error_match: str
    """Matcher operator and value selecting errors on ``status_label`` (``=~"5.."``)."""
    unit: str = "seconds"
    """Unit of the histogram's observations."""


RED_CONVENTIONS = (
    RedConvention(
        "http",
        "HTTP (client_golang)",
        "http_request_duration_seconds",
        "http_requests_total",
        "code",
        '=~"5.."',
    ),
    RedConvention(
        "micrometer", "HTTP (Micrometer)", "http_server_requests_seconds", None, "status", '=~"5.."'
    ),
    RedConvention(
        "otel",
        "HTTP (OpenTelemetry)",
        "http_server_request_duration_seconds",
        None,
        "http_response_status_code",
        '=~"5.."',
    ),
    RedConvention(
        "spans",
        "Span metrics",
        "traces_span_metrics_duration_milliseconds",
        "traces_span_metrics_calls_total",
        "status_code",
        '="STATUS_CODE_ERROR"',
        "ms",
    ),
    RedConvention(
        "spans-legacy",
        "Span metrics",
        "duration_milliseconds",
        "calls_total",
        "status_code",
        '="STATUS_CODE_ERROR"',
        "ms",
    ),
)
"""Every RED convention the discovery knows, in the order dashboards are listed."""


def _request_metric(convention: RedConvention, catalog: ServerCatalog) -> str | None:
    """The metric whose series count requests: the counter, else the histogram's count."""
    if convention.requests is not None and catalog.has(convention.requests):
        return convention.requests
    if catalog.has(f"{convention.duration}_count"):
        return f"{convention.duration}_count"
    if catalog.histogram_flavour(convention.duration) in ("native", "auto"):
        return convention.duration
    return None


def metrics_needing_labels(names: frozenset[str]) -> list[str]:
    """Metrics whose label names the discovery needs (to pick a service label)."""
    catalog = ServerCatalog(names)
    wanted = [m for c in RED_CONVENTIONS if (m := _request_metric(c, catalog)) is not None]
    return list(dict.fromkeys(wanted))


def discover(catalog: ServerCatalog) -> list[Dashboard]:
    """Every zero-config dashboard whose metrics the server has."""
    found = [_prometheus(catalog), _node(catalog)]
    found.extend(_red(c, catalog) for c in RED_CONVENTIONS)
    return [d for d in found if d is not None]


def _dashboard(
    name: str, title: str, description: str, panels: list[dict[str, Any]], **more: Any
) -> Dashboard:
    return Dashboard.model_validate(
        {"name": name, "title": title, "description": description, "panels": panels, **more}
    )


def _percentiles(
    title: str, base: str, flavour: str, selector: str = "", unit: str = "seconds"
) -> dict[str, Any]:
    return {
        "title": title,
        "kind": "percentiles",
        "histogram": base,
        "histogram_type": flavour,
        "selector": selector,
        "unit": unit,
    }


_RATE = "[$__rate_interval]"


def _panel(title: str, unit: str, *queries: tuple[str, str], **more: Any) -> dict[str, Any]:
    return {"title": title, "unit": unit, "queries": [{"expr": e, "legend": lg} for e, lg in queries], **more}


def _prometheus(catalog: ServerCatalog) -> Dashboard | None:
    if not catalog.has("prometheus_http_requests_total"):
        return None
    requests = "prometheus_http_requests_total"
    panels: list[dict[str, Any]] = [
        {
            "title": "API requests",
            "unit": "reqps",
            "queries": [
                {"expr": f"sum by (handler) (rate({requests}[$__rate_interval]))", "legend": "{{handler}}"}
            ],
            "max_series": 5,
        },
        {
            "title": "API error ratio",
            "unit": "percentunit",
            "thresholds": {"warning": 0.01, "critical": 0.05},
            "queries": [
                {
                    "expr": f'sum(rate({requests}{{code=~"5.."}}[$__rate_interval]))'
                    f" / sum(rate({requests}[$__rate_interval])) or vector(0)",
                    "legend": "5xx ratio",
                }
            ],
        },
    ]
    flavour = catalog.histogram_flavour("prometheus_http_request_duration_seconds")
    if flavour is not None:
        panels.append(_percentiles("API latency", "prometheus_http_request_duration_seconds", flavour))
    if catalog.has("prometheus_tsdb_head_series"):
        panels.append(_panel("Head series", "short", ("sum(prometheus_tsdb_head_series)", "series")))
    if catalog.has("prometheus_tsdb_head_samples_appended_total"):
        samples = "sum(rate(prometheus_tsdb_head_samples_appended_total[$__rate_interval]))"
        panels.append(_panel("Samples ingested", "ops", (samples, "samples/s")))
    if catalog.has("up"):
        panels.append(
            _panel(
                "Targets down",
                "short",
                ("count(up == 0) or vector(0)", "down"),
                kind="stat",
                thresholds={"warning": 1},
            )
        )
        panels.append(_panel("Targets up", "short", ("count(up == 1) or vector(0)", "up"), kind="stat"))
    return _dashboard("prometheus", "Prometheus server", "The Prometheus server's own health.", panels)


def _node(catalog: ServerCatalog) -> Dashboard | None:
    if not catalog.has("node_cpu_seconds_total"):
        return None
    sel = 'instance=~"$instance"'
    cpu = "node_cpu_seconds_total"
    panels = [
        _panel(
            "CPU busy by mode",
            "percentunit",
            (f'avg by (mode) (rate({cpu}{{mode!="idle", {sel}}}{_RATE}))', "{{mode}}"),
        ),
        _panel(
            "CPU busy",
            "percentunit",
            (f'1 - avg by (instance) (rate({cpu}{{mode="idle", {sel}}}{_RATE}))', "{{instance}}"),
            thresholds={"warning": 0.8, "critical": 0.95},
        ),
    ]
    if catalog.has("node_memory_MemAvailable_bytes") and catalog.has("node_memory_MemTotal_bytes"):
        available = f"node_memory_MemAvailable_bytes{{{sel}}} / node_memory_MemTotal_bytes{{{sel}}}"
        panels.append(
            _panel(
                "Memory available",
                "percentunit",
                (available, "{{instance}}"),
                thresholds={"warning": 0.15, "critical": 0.05, "direction": "below"},
            )
        )
    if catalog.has("node_load1"):
        panels.append(_panel("Load (1m)", "short", (f"node_load1{{{sel}}}", "{{instance}}")))
    disk = [
        (f"sum by (instance) (rate(node_disk_{way}_bytes_total{{{sel}}}{_RATE}))", f"{way} {{{{instance}}}}")
        for way in ("read", "written")
        if catalog.has(f"node_disk_{way}_bytes_total")
    ]
    if disk:
        panels.append(_panel("Disk I/O", "bytes_per_second", *disk))
    network = [
        (
            f'sum by (instance) (rate(node_network_{way}_bytes_total{{device!="lo", {sel}}}{_RATE}))',
            f"{'in' if way == 'receive' else 'out'} {{{{instance}}}}",
        )
        for way in ("receive", "transmit")
        if catalog.has(f"node_network_{way}_bytes_total")
    ]
    if network:
        panels.append(_panel("Network", "bytes_per_second", *network))
    if catalog.has("node_filesystem_avail_bytes") and catalog.has("node_filesystem_size_bytes"):
        fs = f'fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|fuse.*", {sel}'
        used = f"1 - node_filesystem_avail_bytes{{{fs}}} / node_filesystem_size_bytes{{{fs}}}"
        panels.append(
            _panel(
                "Filesystem used",
                "percentunit",
                (used, "{{instance}} {{mountpoint}}"),
                thresholds={"warning": 0.8, "critical": 0.9},
            )
        )
    variables = [{"name": "instance", "label": "instance", "metric": cpu, "include_all": True}]
    return _dashboard(
        "node",
        "Nodes — USE",
        "CPU, memory, load, disks and network of node_exporter hosts.",
        panels,
        variables=variables,
    )


def _service_label(metric: str, catalog: ServerCatalog) -> str | None:
    labels = catalog.labels.get(metric, frozenset())
    return next((label for label in SERVICE_LABELS if label in labels), None)


def _red(convention: RedConvention, catalog: ServerCatalog) -> Dashboard | None:
    requests = _request_metric(convention, catalog)
    if requests is None:
        return None
    service = _service_label(requests, catalog) or "job"
    sel = f'{service}=~"$service"'
    has_status = convention.status_label in catalog.labels.get(requests, frozenset({convention.status_label}))
    if requests == convention.duration:
        # Native histogram only: requests are its observation count.
        def rate(extra: str = "") -> str:
            return f"histogram_count(rate({requests}{{{sel}{extra}}}[$__rate_interval]))"
    else:

        def rate(extra: str = "") -> str:
            return f"rate({requests}{{{sel}{extra}}}[$__rate_interval])"

    errors = f", {convention.status_label}{convention.error_match}"
    panels: list[dict[str, Any]] = [
        {
            "title": "Requests",
            "unit": "reqps",
            "queries": [{"expr": f"sum by ({service}) ({rate()})", "legend": f"{{{{{service}}}}}"}],
        }
    ]
    if has_status:
        panels.append(
            {
                "title": "Error ratio",
                "unit": "percentunit",
                "thresholds": {"warning": 0.01, "critical": 0.05},
                "queries": [
                    {
                        "expr": f"(sum by ({service}) ({rate(errors)}) / sum by ({service}) ({rate()}))"
                        f" or (sum by ({service}) ({rate()}) * 0)",
                        "legend": f"{{{{{service}}}}}",
                    }
                ],
            }
        )
        panels.append(
            {
                "title": "Errors by status",
                "unit": "reqps",
                "queries": [
                    {
                        "expr": f"sum by ({convention.status_label}) ({rate(errors)})",
                        "legend": f"{{{{{convention.status_label}}}}}",
                    }
                ],
            }
        )
    flavour = catalog.histogram_flavour(convention.duration)
    if flavour is not None:
        panels.append(
            _percentiles("Latency", convention.duration, flavour, "{" + sel + "}", unit=convention.unit)
        )
    variables = [{"name": "service", "label": service, "metric": requests, "include_all": True}]
    return _dashboard(
        f"red-{convention.key}",
        f"Services — RED ({convention.title})",
        f"Rate, errors and duration per {service} from {requests}.",
        panels,
        variables=variables,
    )


def quantile_expressions(base: str, flavour: str, selector: str = "") -> list[str]:
    """The p50/p95/p99 expressions a discovered latency panel runs (for docs and tests)."""
    return [histogram_quantile(q, base, selector, flavour=flavour) for q in (0.5, 0.95, 0.99)]
