"""A Jaeger query service (API v3) over ``httpx.MockTransport``, serving the recorded fixture traces.

Services, operations and trace summaries are derived from the fixture files in
``tests/fixtures/jaeger/`` (through the real parser, so they agree with what the waterfall shows);
``/api/v3/traces/{id}`` answers with the recorded file's bytes, so the app's real client, decoding
and error mapping are exercised. ``broken`` makes every call fail like a refused connection.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from oncall_tui.clock import Clock
from oncall_tui.config.settings import Settings
from oncall_tui.domain.traces import summarize
from oncall_tui.models.jaeger import Trace
from oncall_tui.services.sources import SourceSet
from oncall_tui.trace_io import load_trace_file

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "jaeger"
JAEGER_URL = "http://jaeger.prod-eu.example:16686"

TRACE_FILES = [
    FIXTURES / "v3" / "jaeger-pr9263-hotrod-n_plus_one_full_serial.json",
    FIXTURES / "v3" / "jaeger-pr9263-otel-demo-error_timeout_masked.json",
    FIXTURES / "v1-traces" / "jaeger-ui-testTrace.json",
    FIXTURES / "v1-traces" / "jaeger-ui-spanAmongEachOtherGroupedAndSpans.json",
    FIXTURES / "v3" / "jaeger-otlp2jaeger-in.json",
]
"""Fixture traces the fake serves (HotROD, OTel demo, Jaeger UI test traces, an orphan-only trace)."""


def fixture_trace(name: str) -> Trace:
    """The first trace of a fixture file named by its stem or file name."""
    for path in FIXTURES.rglob("*.json"):
        if path.name == name or path.stem == name:
            return load_trace_file(path)[0]
    raise KeyError(name)


def _summary_json(trace: Trace) -> dict[str, Any]:
    s = summarize(trace)
    start_ns = int(s.start.timestamp() * 1_000_000) * 1000
    per_service: dict[str, list[int]] = {}
    for i in range(trace.span_count):
        counts = per_service.setdefault(trace.service(i), [0, 0])
        counts[0] += 1
        counts[1] += trace.errors[i]
    return {
        "traceId": s.trace_id,
        "rootServiceName": s.root_service,
        "rootOperationName": s.root_operation,
        "minStartTimeUnixNano": str(start_ns),
        "maxEndTimeUnixNano": str(start_ns + s.duration_us * 1000),
        "spanCount": s.span_count,
        "errorSpanCount": s.error_count,
        "services": [{"name": n, "spanCount": c[0], "errorSpanCount": c[1]} for n, c in per_service.items()],
    }


class FakeJaeger:
    """Serves the fixture traces; records every request path."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.broken = False
        """When true, every request fails with a refused connection."""
        self.requests: list[str] = []
        """Request paths (with query), in order."""
        self.files: dict[str, Path] = {}
        """Trace id → fixture file."""
        self.traces: dict[str, Trace] = {}
        """Trace id → parsed trace."""
        for path in TRACE_FILES:
            trace = load_trace_file(path)[0]
            self.files[trace.trace_id] = path
            self.traces[trace.trace_id] = trace

    def settings(self) -> Settings:
        return Settings.model_validate(
            {"contexts": {"prod-eu": {"jaeger": {"url": JAEGER_URL}}}, "user": "alice@laptop"}
        )

    def source_set_factory(self) -> Callable[[str, Settings], SourceSet]:
        def factory(name: str, settings: Settings) -> SourceSet:
            return SourceSet(
                name,
                settings.contexts[name],
                resolver=lambda *_: None,
                transports=lambda _source: httpx.MockTransport(self.handle),
                clock=self.clock,
            )

        return factory

    def services(self) -> list[str]:
        return sorted({t.service(i) for t in self.traces.values() for i in range(t.span_count)})

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests.append(f"{path}?{request.url.query.decode()}" if request.url.query else path)
        if self.broken:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request)
        if path == "/api/v3/services":
            return httpx.Response(200, json={"services": self.services()})
        if path == "/api/v3/operations":
            service = request.url.params.get("service", "")
            ops = sorted(
                {
                    t.operations[i]
                    for t in self.traces.values()
                    for i in range(t.span_count)
                    if t.service(i) == service
                }
            )
            return httpx.Response(200, json={"operations": [{"name": op, "spanKind": ""} for op in ops]})
        if path == "/api/v3/trace-summaries":
            service = request.url.params.get("query.serviceName", "")
            found = [
                _summary_json(t)
                for t in self.traces.values()
                if any(t.service(i) == service for i in range(t.span_count))
            ]
            if not found:
                return httpx.Response(404, json={"error": {"httpCode": 404, "message": "No traces found"}})
            return httpx.Response(200, content=json.dumps({"summaries": found}).encode())
        if path.startswith("/api/v3/traces/"):
            trace_id = path.rsplit("/", 1)[1]
            for known, file in self.files.items():
                if known.lower().lstrip("0") == trace_id.lower().lstrip("0"):
                    return httpx.Response(200, content=file.read_bytes())
            return httpx.Response(404, json={"error": {"httpCode": 404, "message": "No traces found"}})
        return httpx.Response(404, json={"error": {"httpCode": 404, "message": "not found"}})
