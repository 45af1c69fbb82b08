"""The demo's Prometheus HTTP API v1, answering with real Prometheus's JSON shapes.

Values are strings, timestamps are seconds as JSON numbers (milliseconds after
the point), errors are ``{"status":"error","errorType":...,"error":...}`` with
Prometheus's status codes.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from oncall_tui.clock import Clock
from oncall_tui.demo.promql import (
    Evaluator,
    Matrix,
    PromQLError,
    Scalar,
    Vector,
    VectorSel,
    parse,
    parse_duration,
    selectors,
)
from oncall_tui.demo.scenario import LATENCY_BUCKETS, Scenario, format_float, format_le
from oncall_tui.demo.series import SCRAPE_INTERVAL, Labels
from oncall_tui.demo.server import Request, Response, json_response, text_response
from oncall_tui.demo.traces import TraceGenerator

MAX_POINTS = 11000
"""Prometheus refuses range queries with more points per series than this."""
BUILD_INFO = {
    "version": "2.53.4",
    "revision": "oncall-tui-demo",
    "branch": "HEAD",
    "buildUser": "oncall-tui@demo",
    "buildDate": "20250101-00:00:00",
    "goVersion": "go1.22.12",
}
"""``/api/v1/status/buildinfo`` of the demo server."""
MAX_EXEMPLAR_TRACES = 500
"""Newest traces considered for one exemplar query."""
METADATA: dict[str, tuple[str, str]] = {
    "ALERTS": ("gauge", "Alerts pending or firing (synthesised by the rule manager)."),
    "ALERTS_FOR_STATE": ("gauge", "Unix time an alert became active (synthesised by the rule manager)."),
    "http_requests_total": ("counter", "Total number of HTTP requests by service, method and status code."),
    "http_request_duration_seconds": ("histogram", "Latency of HTTP requests in seconds."),
    "node_cpu_seconds_total": ("counter", "Seconds the CPUs spent in each mode."),
    "node_memory_MemAvailable_bytes": ("gauge", "Memory information field MemAvailable_bytes."),
    "node_memory_MemTotal_bytes": ("gauge", "Memory information field MemTotal_bytes."),
    "node_load1": ("gauge", "1m load average."),
    "node_filesystem_avail_bytes": ("gauge", "Filesystem space available to non-root users in bytes."),
    "node_filesystem_size_bytes": ("gauge", "Filesystem size in bytes."),
    "node_network_receive_bytes_total": ("counter", "Network device statistic receive_bytes."),
    "process_cpu_seconds_total": ("counter", "Total user and system CPU time spent in seconds."),
    "process_resident_memory_bytes": ("gauge", "Resident memory size in bytes."),
    "prometheus_http_requests_total": ("counter", "Counter of HTTP requests."),
    "prometheus_http_request_duration_seconds": ("histogram", "Histogram of latencies for HTTP requests."),
    "prometheus_tsdb_head_series": ("gauge", "Total number of series in the head block."),
    "up": ("gauge", "1 if the last scrape of the target succeeded, 0 otherwise."),
}
"""``/api/v1/metadata``: type and help of every metric family the demo serves."""


class ApiError(Exception):
    """An error answered in Prometheus's error envelope."""

    def __init__(self, message: str, error_type: str = "bad_data", status: int = 400) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.status = status


def fmt_ts(ts: float) -> int | float:
    """A timestamp as Prometheus writes it: seconds, at most millisecond precision."""
    ms = round(ts * 1000)
    return ms // 1000 if ms % 1000 == 0 else ms / 1000


def rfc3339(ts: float) -> str:
    """RFC 3339 with nanoseconds in UTC, as Go's ``time.RFC3339Nano`` writes it."""
    dt = datetime.fromtimestamp(ts, UTC)
    frac = f"{dt.microsecond:06d}".rstrip("0")
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "Z"


def parse_time(text: str | None, name: str, default: float | None = None) -> float:
    """A ``time``/``start``/``end`` parameter: unix seconds or RFC 3339."""
    if text is None or text == "":
        if default is not None:
            return default
        raise ApiError(f'invalid parameter "{name}": cannot parse "" to a valid timestamp')
    try:
        value = float(text)
        if math.isfinite(value):
            return value
    except ValueError:
        pass
    iso = re.sub(r"(\.\d{6})\d+", r"\1", text.strip())
    try:
        dt = datetime.fromisoformat(iso.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ApiError(f'invalid parameter "{name}": cannot parse "{text}" to a valid timestamp') from None
    if dt.tzinfo is None:
        raise ApiError(f'invalid parameter "{name}": cannot parse "{text}" to a valid timestamp')
    return dt.timestamp()


def parse_step(text: str | None) -> float:
    if not text:
        raise ApiError('invalid parameter "step": cannot parse "" to a valid duration')
    try:
        value = float(text)
    except ValueError:
        try:
            value = parse_duration(text)
        except PromQLError:
            raise ApiError(f'invalid parameter "step": cannot parse "{text}" to a valid duration') from None
    if value <= 0:
        raise ApiError(
            "zero or negative query resolution step widths are not accepted. Try a positive integer"
        )
    return value


def _metric(labels: Labels) -> dict[str, str]:
    return dict(labels)


class PrometheusAPI:
    """Request handler of the demo Prometheus."""

    def __init__(self, scenario: Scenario, clock: Clock, traces: TraceGenerator) -> None:
        self.clock = clock
        """Source of "now"."""
        self.use(scenario, traces)

    def use(self, scenario: Scenario, traces: TraceGenerator) -> None:
        """Serve ``scenario`` (a restarted demo's) from now on."""
        self.scenario = scenario
        """The synthetic world."""
        self.traces = traces
        """Traces that exemplars point to."""
        self.evaluator = Evaluator(scenario.series)
        """PromQL subset evaluator over the scenario's series."""

    def now(self) -> float:
        return self.clock.now().timestamp()

    def __call__(self, request: Request) -> Response:
        path = request.path
        if path == "/-/ready":
            return text_response("Prometheus Server is Ready.\n")
        if path == "/-/healthy":
            return text_response("Prometheus Server is Healthy.\n")
        routes = {
            "/api/v1/query": (self.query, True),
            "/api/v1/query_range": (self.query_range, True),
            "/api/v1/query_exemplars": (self.query_exemplars, True),
            "/api/v1/series": (self.series, True),
            "/api/v1/labels": (self.labels, True),
            "/api/v1/targets": (self.targets, False),
            "/api/v1/alerts": (self.alerts, False),
            "/api/v1/rules": (self.rules, False),
            "/api/v1/metadata": (self.metadata, False),
            "/api/v1/status/buildinfo": (self.buildinfo, False),
        }
        route = routes.get(path)
        handler: Any = None
        post_ok = False
        if route is not None:
            handler, post_ok = route
        else:
            m = re.fullmatch(r"/api/v1/label/([^/]+)/values", path)
            if m:
                name = m.group(1)
                handler = lambda req: self.label_values(req, name)  # noqa: E731
        if handler is None:
            return text_response("404 page not found\n", 404)
        if request.method not in ("GET", "HEAD") and not (post_ok and request.method == "POST"):
            return text_response("Method Not Allowed\n", 405)
        try:
            data = handler(request)
        except ApiError as exc:
            return json_response(
                {"status": "error", "errorType": exc.error_type, "error": str(exc)}, exc.status
            )
        return json_response({"status": "success", "data": data})

    # --- query ---

    def _parse(self, query: str | None) -> Any:
        if query is None or query == "":
            raise ApiError('invalid parameter "query": 1:1: parse error: no expression found in input')
        try:
            return parse(query)
        except PromQLError as exc:
            raise ApiError(f'invalid parameter "query": {exc}') from None

    def query(self, request: Request) -> dict[str, Any]:
        expr = self._parse(request.param("query"))
        ts = parse_time(request.param("time"), "time", self.now())
        try:
            value = self.evaluator.instant(expr, ts)
        except PromQLError as exc:
            raise ApiError(str(exc), "execution", 422) from None
        if isinstance(value, Scalar):
            return {"resultType": "scalar", "result": [fmt_ts(ts), format_float(value.value)]}
        if isinstance(value, Vector):
            samples = sorted(value.samples, key=lambda s: s.labels)
            return {
                "resultType": "vector",
                "result": [
                    {"metric": _metric(s.labels), "value": [fmt_ts(ts), format_float(s.value)]}
                    for s in samples
                ],
            }
        return {
            "resultType": "matrix",
            "result": [
                {"metric": _metric(labels), "values": [[fmt_ts(t), format_float(v)] for t, v in points]}
                for labels, points in sorted(value.series, key=lambda x: x[0])
            ],
        }

    def query_range(self, request: Request) -> dict[str, Any]:
        expr = self._parse(request.param("query"))
        start = parse_time(request.param("start"), "start")
        end = parse_time(request.param("end"), "end")
        if end < start:
            raise ApiError('invalid parameter "end": end timestamp must not be before start time')
        step = parse_step(request.param("step"))
        if (end - start) / step > MAX_POINTS:
            raise ApiError(
                "exceeded maximum resolution of 11,000 points per timeseries. "
                "Try decreasing the query resolution (?step=XX)"
            )
        series: dict[Labels, list[list[Any]]] = {}
        n = int(math.floor((end - start) / step + 1e-9))
        for i in range(n + 1):
            ts = start + i * step
            try:
                value = self.evaluator.instant(expr, ts)
            except PromQLError as exc:
                raise ApiError(str(exc), "execution", 422) from None
            if isinstance(value, Matrix):
                raise ApiError(
                    'invalid parameter "query": invalid expression type "range vector" for range query, '
                    "must be Scalar or instant Vector"
                )
            if isinstance(value, Scalar):
                series.setdefault((), []).append([fmt_ts(ts), format_float(value.value)])
                continue
            for s in value.samples:
                series.setdefault(s.labels, []).append([fmt_ts(ts), format_float(s.value)])
        return {
            "resultType": "matrix",
            "result": [
                {"metric": _metric(k), "values": v} for k, v in sorted(series.items(), key=lambda x: x[0])
            ],
        }

    # --- metadata ---

    def _matched_series(self, request: Request, required: bool) -> list[Labels]:
        matches = request.query.get("match[]", [])
        if not matches:
            if required:
                raise ApiError("no match[] parameter provided")
            return [s.labels for s in self.scenario.series]
        found: dict[Labels, None] = {}
        for text in matches:
            expr = self._parse(text)
            if not isinstance(expr, VectorSel):
                raise ApiError(
                    f'invalid parameter "match[]": 1:1: parse error: expected vector selector in {text!r}'
                )
            for s in self.evaluator.select(expr.matchers):
                found[s.labels] = None
        return list(found)

    def series(self, request: Request) -> list[dict[str, str]]:
        return [dict(labels) for labels in sorted(self._matched_series(request, True))]

    def labels(self, request: Request) -> list[str]:
        return sorted({name for labels in self._matched_series(request, False) for name, _ in labels})

    def label_values(self, request: Request, name: str) -> list[str]:
        if not re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", name):
            raise ApiError(f'invalid label name: "{name}"')
        values = {dict(labels).get(name) for labels in self._matched_series(request, False)}
        return sorted(v for v in values if v)

    def buildinfo(self, request: Request) -> dict[str, str]:
        return dict(BUILD_INFO)

    def targets(self, request: Request) -> dict[str, Any]:
        now = self.now()
        state = request.param("state", "any")
        active = []
        for i, t in enumerate(self.scenario.targets):
            last = math.floor(now / SCRAPE_INTERVAL) * SCRAPE_INTERVAL - (i * 1.37) % SCRAPE_INTERVAL
            address = t.instance
            active.append(
                {
                    "discoveredLabels": {
                        "__address__": address,
                        "__metrics_path__": t.metrics_path,
                        "__scheme__": "http",
                        "__scrape_interval__": "15s",
                        "__scrape_timeout__": "10s",
                        "job": t.job,
                    },
                    "labels": {"instance": t.instance, "job": t.job},
                    "scrapePool": t.job,
                    "scrapeUrl": f"http://{address}{t.metrics_path}",
                    "globalUrl": f"http://{address}{t.metrics_path}",
                    "lastError": t.last_error,
                    "lastScrape": rfc3339(last),
                    "lastScrapeDuration": round(0.002 + 0.02 * ((i * 7919) % 13) / 13, 6)
                    if t.up
                    else 0.000912,
                    "health": "up" if t.up else "down",
                    "scrapeInterval": "15s",
                    "scrapeTimeout": "10s",
                }
            )
        pools = sorted({t.job for t in self.scenario.targets})
        return {
            "activeTargets": active if state in ("any", "active") else [],
            "droppedTargets": [],
            "droppedTargetCounts": {p: 0 for p in pools},
        }

    def alerts(self, request: Request) -> dict[str, Any]:
        now = self.now()
        out = []
        for a in self.scenario.active_alerts(now):
            out.append(
                {
                    "labels": a.rule.all_labels(),
                    "annotations": {
                        "summary": a.rule.summary,
                        "description": a.rule.description,
                        "runbook_url": a.rule.runbook,
                    },
                    "state": a.state,
                    "activeAt": rfc3339(a.active_at),
                    "value": "1e+00",
                }
            )
        return {"alerts": out}

    def rules(self, request: Request) -> dict[str, Any]:
        now = self.now()
        last_eval = math.floor(now / SCRAPE_INTERVAL) * SCRAPE_INTERVAL
        wanted_type = request.param("type")
        rules = []
        for rule in self.scenario.rules:
            if wanted_type == "record":
                continue
            active = self.scenario.rules_state(rule, now)
            annotations = {
                "description": rule.description,
                "runbook_url": rule.runbook,
                "summary": rule.summary,
            }
            alerts = []
            if active is not None:
                alerts.append(
                    {
                        "labels": {**rule.all_labels(), "alertstate": active.state},
                        "annotations": annotations,
                        "state": active.state,
                        "activeAt": rfc3339(active.active_at),
                        "value": "1e+00",
                    }
                )
            rules.append(
                {
                    "state": active.state if active is not None else "inactive",
                    "name": rule.name,
                    "query": rule.expr,
                    "duration": int(rule.for_seconds),
                    "keepFiringFor": 0,
                    "labels": {k: v for k, v in rule.labels.items() if k in ("severity", "team")},
                    "annotations": annotations,
                    "alerts": alerts,
                    "health": "ok",
                    "evaluationTime": 0.000412,
                    "lastEvaluation": rfc3339(last_eval),
                    "type": "alerting",
                }
            )
        return {
            "groups": [
                {
                    "name": "demo",
                    "file": "/etc/prometheus/rules/demo.yml",
                    "rules": rules,
                    "interval": int(SCRAPE_INTERVAL),
                    "limit": 0,
                    "evaluationTime": 0.00231,
                    "lastEvaluation": rfc3339(last_eval),
                }
            ]
        }

    def metadata(self, request: Request) -> dict[str, list[dict[str, str]]]:
        metric = request.param("metric")
        return {
            name: [{"type": kind, "help": text, "unit": ""}]
            for name, (kind, text) in sorted(METADATA.items())
            if not metric or metric == name
        }

    # --- exemplars ---

    def query_exemplars(self, request: Request) -> list[dict[str, Any]]:
        expr = self._parse(request.param("query"))
        now = self.now()
        start = parse_time(request.param("start"), "start", now - 3600)
        end = min(parse_time(request.param("end"), "end", now), now)
        if end < start:
            raise ApiError('invalid parameter "end": end timestamp must not be before start time')
        wanted: dict[Labels, None] = {}
        for sel in selectors(expr):
            for s in self.evaluator.select(sel.matchers):
                if s.name in ("http_request_duration_seconds_bucket", "http_requests_total"):
                    wanted[s.labels] = None
        if not wanted:
            return []
        found: dict[Labels, list[dict[str, Any]]] = {}
        slots = [
            k for k in self.traces.slots_between(start, end) if start <= self.traces.slot_start(k) <= end
        ]
        for k in slots[-MAX_EXEMPLAR_TRACES:]:
            trace = self.traces.trace(k)
            seen: set[str] = set()
            for span in trace.spans:
                if (
                    span.kind != "server"
                    or span.service in seen
                    or span.service not in self.scenario.services
                ):
                    continue
                seen.add(span.service)
                model = self.scenario.services[span.service]
                common = {"instance": f"{span.service}:8080", "job": span.service, "service": span.service}
                seconds = span.duration_us / 1e6
                le = next(b for b in LATENCY_BUCKETS if seconds <= b)
                bucket = tuple(
                    sorted(
                        {
                            **common,
                            "__name__": "http_request_duration_seconds_bucket",
                            "le": format_le(le),
                        }.items()
                    )
                )
                counter = tuple(
                    sorted(
                        {
                            **common,
                            "__name__": "http_requests_total",
                            "code": "500" if span.error else "200",
                            "method": model.method,
                        }.items()
                    )
                )
                ts = fmt_ts(span.start_us / 1e6 + seconds)
                for labels, value in ((bucket, format_float(round(seconds, 6))), (counter, "1")):
                    if labels in wanted:
                        found.setdefault(labels, []).append(
                            {"labels": {"trace_id": trace.trace_id}, "value": value, "timestamp": ts}
                        )
        return [
            {"seriesLabels": dict(k), "exemplars": v} for k, v in sorted(found.items(), key=lambda x: x[0])
        ]
