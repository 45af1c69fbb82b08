"""The demo's Jaeger query API: v3 (OTLP JSON) and the legacy v1 UI JSON, from the trace generator.

Shapes follow Jaeger's query service: v3 wraps traces in ``{"result": {"resourceSpans":
[...]}}`` and answers an empty search or unknown id with HTTP 404 and
``{"error":{"httpCode":404,"message":"No traces found"}}``; v1 answers in the
``{"data":…,"total":…,"limit":0,"offset":0,"errors":null}`` envelope.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from oncall_tui.clock import Clock
from oncall_tui.demo.scenario import SERVICES
from oncall_tui.demo.server import Request, Response, json_response
from oncall_tui.demo.traces import OPERATIONS, RETENTION_SLOTS, DemoSpan, DemoTrace, TraceGenerator

DEFAULT_LIMIT = 100
"""Traces returned by a search without a limit (Jaeger's default)."""
MAX_SCAN = 3000
"""Newest trace slots one search looks at (like a storage's search depth): about 8 hours."""
_KIND = {"internal": 1, "server": 2, "client": 3, "producer": 4, "consumer": 5}
_GO_DURATION = re.compile(r"^(?:(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$")
_GO_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_HOSTS = {
    "frontend": "frontend-7c9d4-x2k8p",
    "checkout": "checkout-5f6b8-q9wzl",
    "payments": "payments-79d5c-hh2tn",
    "inventory": "inventory-6b4f9-m4r7s",
}


class ParamError(Exception):
    """A malformed parameter (HTTP 400)."""


def parse_go_duration(text: str, name: str) -> float:
    """Go's ``time.ParseDuration`` for the units Jaeger accepts → seconds."""
    t = text.strip()
    if t in ("0", ""):
        return 0.0
    if not _GO_DURATION.match(t):
        raise ParamError(f'malformed parameter {name}: time: invalid duration "{text}"')
    return sum(float(n) * _GO_UNITS[u] for n, u in re.findall(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)", t))


def parse_rfc3339(text: str, name: str) -> float:
    iso = re.sub(r"(\.\d{6})\d+", r"\1", text.strip()).replace("Z", "+00:00").replace("z", "+00:00")
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        raise ParamError(f'malformed parameter {name}: parsing time "{text}" as RFC3339Nano failed') from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


# --- rendering -----------------------------------------------------------------------------------


def _v1_tag(key: str, value: str | int | bool | float) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"key": key, "type": "bool", "value": value}
    if isinstance(value, int):
        return {"key": key, "type": "int64", "value": value}
    if isinstance(value, float):
        return {"key": key, "type": "float64", "value": value}
    return {"key": key, "type": "string", "value": value}


def _otlp_value(value: str | int | bool | float) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    return {"stringValue": value}


def _process_tags(service: str) -> dict[str, str]:
    host = _HOSTS.get(service, service)
    return {
        "hostname": host,
        "ip": f"10.0.{1 + SERVICES.index(service) if service in SERVICES else 9}.17",
        "telemetry.sdk.language": "go",
        "telemetry.sdk.name": "opentelemetry",
    }


def v1_trace(trace: DemoTrace) -> dict[str, Any]:
    """A trace in Jaeger UI JSON (the objects inside ``data`` of ``/api/traces``)."""
    pids: dict[str, str] = {}
    for s in trace.spans:
        pids.setdefault(s.service, f"p{len(pids) + 1}")
    spans = []
    for s in trace.spans:
        tags = dict(s.tags)
        if s.error:
            tags["otel.status_code"] = "ERROR"
        spans.append(
            {
                "traceID": trace.trace_id,
                "spanID": s.span_id,
                "flags": 1,
                "operationName": s.operation,
                "references": (
                    [{"refType": "CHILD_OF", "traceID": trace.trace_id, "spanID": s.parent_id}]
                    if s.parent_id
                    else []
                ),
                "startTime": s.start_us,
                "duration": s.duration_us,
                "tags": [_v1_tag(k, v) for k, v in tags.items()],
                "logs": [
                    {
                        "timestamp": ts,
                        "fields": [_v1_tag("event", name)] + [_v1_tag(k, v) for k, v in attrs.items()],
                    }
                    for ts, name, attrs in s.events
                ],
                "processID": pids[s.service],
                "warnings": None,
            }
        )
    processes = {
        pid: {"serviceName": svc, "tags": [_v1_tag(k, v) for k, v in _process_tags(svc).items()]}
        for svc, pid in pids.items()
    }
    return {"traceID": trace.trace_id, "spans": spans, "processes": processes, "warnings": None}


def _otlp_span(trace: DemoTrace, s: DemoSpan) -> dict[str, Any]:
    span: dict[str, Any] = {"traceId": trace.trace_id, "spanId": s.span_id}
    if s.parent_id:
        span["parentSpanId"] = s.parent_id
    span["name"] = s.operation
    span["kind"] = _KIND.get(s.kind, 1)
    span["startTimeUnixNano"] = str(s.start_us * 1000)
    span["endTimeUnixNano"] = str((s.start_us + s.duration_us) * 1000)
    attrs = [
        {"key": k, "value": _otlp_value(v)} for k, v in s.tags.items() if k not in ("span.kind", "error")
    ]
    if attrs:
        span["attributes"] = attrs
    if s.events:
        span["events"] = [
            {
                "timeUnixNano": str(ts * 1000),
                "name": name,
                "attributes": [{"key": k, "value": _otlp_value(v)} for k, v in attrs_.items()],
            }
            for ts, name, attrs_ in s.events
        ]
    if s.error:
        message = next((a.get("exception.message", "") for _, _, a in s.events), "")
        span["status"] = {"code": 2, "message": message} if message else {"code": 2}
    else:
        span["status"] = {}
    return span


def otlp_resource_spans(trace: DemoTrace) -> list[dict[str, Any]]:
    """One ``resourceSpans`` entry per service of the trace (OTLP JSON, as Jaeger v3 writes it)."""
    by_service: dict[str, list[DemoSpan]] = {}
    for s in trace.spans:
        by_service.setdefault(s.service, []).append(s)
    out = []
    for service, spans in by_service.items():
        attrs = {
            "service.name": service,
            **{
                ("host.name" if k == "hostname" else k): v
                for k, v in _process_tags(service).items()
                if k != "ip"
            },
        }
        out.append(
            {
                "resource": {"attributes": [{"key": k, "value": _otlp_value(v)} for k, v in attrs.items()]},
                "scopeSpans": [
                    {
                        "scope": {"name": "oncall-tui-demo", "version": "1.0.0"},
                        "spans": [_otlp_span(trace, s) for s in spans],
                    }
                ],
            }
        )
    return out


def trace_summary(trace: DemoTrace) -> dict[str, Any]:
    """A ``TraceSummary`` of ``/api/v3/trace-summaries``."""
    services: dict[str, list[int]] = {}
    for s in trace.spans:
        entry = services.setdefault(s.service, [0, 0])
        entry[0] += 1
        entry[1] += int(s.error)
    return {
        "errorSpanCount": trace.error_count,
        "maxEndTimeUnixNano": str(trace.end_us * 1000),
        "minStartTimeUnixNano": str(trace.start_us * 1000),
        "orphanSpanCount": 0,
        "rootOperationName": trace.root.operation,
        "rootServiceName": trace.root.service,
        "services": [
            {"errorSpanCount": e, "name": name, "spanCount": n} for name, (n, e) in sorted(services.items())
        ],
        "spanCount": len(trace.spans),
        "traceId": trace.trace_id,
    }


# --- the API -------------------------------------------------------------------------------------


class _Query:
    def __init__(
        self,
        service: str,
        operation: str,
        start: float,
        end: float,
        limit: int,
        min_duration: float,
        max_duration: float,
        tags: dict[str, str],
    ) -> None:
        self.service = service
        self.operation = operation
        self.start = start
        self.end = end
        self.limit = limit
        self.min_duration = min_duration
        self.max_duration = max_duration
        self.tags = tags

    def span_matches(self, s: DemoSpan) -> bool:
        if self.service and s.service != self.service:
            return False
        if self.operation and s.operation != self.operation:
            return False
        seconds = s.duration_us / 1e6
        if self.min_duration and seconds < self.min_duration:
            return False
        if self.max_duration and seconds > self.max_duration:
            return False
        for key, want in self.tags.items():
            have = {**_process_tags(s.service), **{k: v for k, v in s.tags.items()}}
            if key == "error" and want == "true" and s.error:
                continue
            value = have.get(key)
            if value is None:
                return False
            text = str(value).lower() if isinstance(value, bool) else str(value)
            if text != want:
                return False
        return True


class JaegerAPI:
    """Request handler of the demo Jaeger query service."""

    def __init__(self, traces: TraceGenerator, clock: Clock) -> None:
        self.traces = traces
        """Where traces come from."""
        self.clock = clock
        """Source of "now": traces that would start later do not exist yet."""

    def now(self) -> float:
        return self.clock.now().timestamp()

    def __call__(self, request: Request) -> Response:
        path = request.path
        if request.method not in ("GET", "HEAD"):
            return Response(405, b"Method Not Allowed\n", "text/plain; charset=utf-8")
        try:
            if path == "/api/v3/services":
                return json_response({"services": sorted(OPERATIONS)})
            if path == "/api/v3/operations":
                return json_response(
                    {
                        "operations": self._operations(
                            request.param("service") or "",
                            request.param("spanKind") or request.param("span_kind"),
                        )
                    }
                )
            if path == "/api/v3/traces":
                return self.v3_find(request, summaries=False)
            if path == "/api/v3/trace-summaries":
                return self.v3_find(request, summaries=True)
            m = re.fullmatch(r"/api/v3/traces/([^/]+)", path)
            if m:
                return self.v3_get(m.group(1))
            if path == "/api/services":
                services = sorted(OPERATIONS)
                return _v1_envelope(services, total=len(services))
            m = re.fullmatch(r"/api/services/([^/]+)/operations", path)
            if m:
                names = sorted({op for op, _ in OPERATIONS.get(m.group(1), [])})
                return _v1_envelope(names, total=len(names))
            if path == "/api/operations":
                service = request.param("service") or "" or ""
                if not service:
                    return _v1_error(400, "parameter 'service' is required")
                ops = self._operations(service, request.param("spanKind"))
                return _v1_envelope(ops, total=len(ops))
            if path == "/api/traces":
                return self.v1_find(request)
            m = re.fullmatch(r"/api/traces/([^/]+)", path)
            if m:
                return self.v1_get(m.group(1))
        except ParamError as exc:
            if path.startswith("/api/v3/"):
                return _v3_error(400, str(exc))
            return _v1_error(400, str(exc))
        return Response(404, b"404 page not found\n", "text/plain; charset=utf-8")

    def _operations(self, service: str, kind: str | None) -> list[dict[str, str]]:
        ops = OPERATIONS.get(service, [])
        return [{"name": n, "spanKind": k} for n, k in sorted(ops) if not kind or kind == k]

    def _lookup(self, trace_id: str) -> DemoTrace | None:
        text = trace_id.strip().lower()
        if not re.fullmatch(r"[0-9a-f]{1,32}", text):
            raise ParamError(f"malformed parameter trace_id: {trace_id!r} is not a valid trace id")
        k = self.traces.slot_of(text.rjust(32, "0"))
        if k is None or k < -RETENTION_SLOTS or self.traces.slot_start(k) > self.now():
            return None
        return self.traces.trace(k)

    def _search(self, q: _Query) -> list[DemoTrace]:
        now = self.now()
        end = min(q.end, now)
        slots = [k for k in self.traces.slots_between(q.start, end) if k >= -RETENTION_SLOTS]
        found: list[DemoTrace] = []
        for k in reversed(slots[-MAX_SCAN:]):
            start = self.traces.slot_start(k)
            if not q.start <= start <= end:
                continue
            trace = self.traces.trace(k)
            if any(q.span_matches(s) for s in trace.spans):
                found.append(trace)
                if len(found) >= q.limit:
                    break
        return found

    # --- v3 ---

    def _v3_query(self, request: Request) -> _Query:
        def get(canonical: str, old: str) -> str:
            return request.param(canonical) or request.param(old) or ""

        tmin, tmax = (
            get("query.startTimeMin", "query.start_time_min"),
            get("query.startTimeMax", "query.start_time_max"),
        )
        if not tmin or not tmax:
            raise ParamError("query.start_time_min and query.start_time_max are required")
        depth_text = get("query.searchDepth", "query.search_depth") or request.param("query.num_traces") or ""
        try:
            depth = int(depth_text) if depth_text else DEFAULT_LIMIT
        except ValueError:
            raise ParamError(
                f'malformed parameter query.search_depth: invalid syntax "{depth_text}"'
            ) from None
        attrs_text = get("query.attributes", "query.attributes")
        try:
            attrs = {str(k): str(v) for k, v in json.loads(attrs_text).items()} if attrs_text else {}
        except (json.JSONDecodeError, AttributeError):
            raise ParamError("malformed parameter query.attributes: not a JSON object") from None
        return _Query(
            get("query.serviceName", "query.service_name"),
            get("query.operationName", "query.operation_name"),
            parse_rfc3339(tmin, "query.start_time_min"),
            parse_rfc3339(tmax, "query.start_time_max"),
            depth if depth > 0 else DEFAULT_LIMIT,
            parse_go_duration(get("query.durationMin", "query.duration_min"), "query.duration_min"),
            parse_go_duration(get("query.durationMax", "query.duration_max"), "query.duration_max"),
            attrs,
        )

    def v3_find(self, request: Request, *, summaries: bool) -> Response:
        found = self._search(self._v3_query(request))
        if summaries:
            return json_response({"summaries": [trace_summary(t) for t in found]})
        if not found:
            return _v3_error(404, "No traces found")
        return json_response(
            {"result": {"resourceSpans": [rs for t in found for rs in otlp_resource_spans(t)]}}
        )

    def v3_get(self, trace_id: str) -> Response:
        trace = self._lookup(trace_id)
        if trace is None:
            return _v3_error(404, "No traces found")
        return json_response({"result": {"resourceSpans": otlp_resource_spans(trace)}})

    # --- v1 ---

    def v1_find(self, request: Request) -> Response:
        service = request.param("service") or ""
        if not service:
            return _v1_error(400, "parameter 'service' is required")
        now = self.now()
        end = _micros(request.param("end"), "end", now)
        start_text = request.param("start")
        lookback = 3600.0
        lookback_text = request.param("lookback") or ""
        # Like Jaeger, ``lookback`` only matters without ``start``; the UI also sends "2d" and "custom".
        if not start_text and lookback_text and lookback_text != "custom":
            days = re.fullmatch(r"(\d+)d", lookback_text)
            lookback = int(days.group(1)) * 86400.0 if days else parse_go_duration(lookback_text, "lookback")
        start = _micros(start_text, "start", end - lookback)
        limit_text = request.param("limit") or ""
        try:
            limit = int(limit_text) if limit_text else DEFAULT_LIMIT
        except ValueError:
            raise ParamError(f'strconv.ParseInt: parsing "{limit_text}": invalid syntax') from None
        tags: dict[str, str] = {}
        tags_json = request.param("tags")
        if tags_json:
            try:
                tags.update({str(k): str(v) for k, v in json.loads(tags_json).items()})
            except (json.JSONDecodeError, AttributeError):
                raise ParamError(f"malformed 'tags' parameter, cannot unmarshal JSON: {tags_json}") from None
        for tag in request.query.get("tag", []):
            key, sep, value = tag.partition(":")
            if not sep:
                raise ParamError(f"malformed 'tag' parameter, expecting key:value, received: {tag}")
            tags[key] = value
        q = _Query(
            service,
            request.param("operation") or "",
            start,
            end,
            limit if limit > 0 else DEFAULT_LIMIT,
            parse_go_duration(request.param("minDuration") or "", "minDuration"),
            parse_go_duration(request.param("maxDuration") or "", "maxDuration"),
            tags,
        )
        return _v1_envelope([v1_trace(t) for t in self._search(q)], total=0)

    def v1_get(self, trace_id: str) -> Response:
        try:
            trace = self._lookup(trace_id)
        except ParamError:
            return _v1_error(400, f"cannot parse traceID: {trace_id}")
        if trace is None:
            return _v1_error(404, "trace not found")
        return _v1_envelope([v1_trace(trace)], total=0)


def _micros(text: str | None, name: str, default: float) -> float:
    if not text:
        return default
    try:
        return int(text) / 1e6
    except ValueError:
        raise ParamError(f'strconv.ParseInt: parsing "{text}": invalid syntax') from None


def _v1_envelope(data: Any, *, total: int) -> Response:
    return json_response({"data": data, "total": total, "limit": 0, "offset": 0, "errors": None})


def _v1_error(code: int, message: str) -> Response:
    return json_response(
        {"data": None, "total": 0, "limit": 0, "offset": 0, "errors": [{"code": code, "msg": message}]}, code
    )


def _v3_error(code: int, message: str) -> Response:
    # Jaeger writes these with Go's http.Error: text/plain and a trailing newline, JSON inside.
    body = json.dumps({"error": {"httpCode": code, "message": message}}, separators=(",", ":")) + "\n"
    return Response(code, body.encode(), "text/plain; charset=utf-8")
