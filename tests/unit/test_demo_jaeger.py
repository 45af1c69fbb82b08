"""The demo Jaeger query service: API v3 (OTLP JSON) and the legacy v1 UI JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.demo import DemoEnvironment

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "jaeger"


@pytest.fixture
def env() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(FakeClock()) as demo:
        yield demo


@pytest.fixture
def jaeger(env: DemoEnvironment) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=env.jaeger_url, timeout=10) as client:
        yield client


def window(env: DemoEnvironment, minutes: int = 10) -> dict[str, str]:
    now = env.clock.now()
    return {
        "query.start_time_min": (now - timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z"),
        "query.start_time_max": now.isoformat().replace("+00:00", "Z"),
    }


def otlp_spans(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for rs in body["result"]["resourceSpans"]:
        service = next(
            a["value"]["stringValue"] for a in rs["resource"]["attributes"] if a["key"] == "service.name"
        )
        for ss in rs["scopeSpans"]:
            out.extend((service, span) for span in ss["spans"])
    return out


def test_services_and_operations(jaeger: httpx.Client) -> None:
    assert jaeger.get("/api/v3/services").json() == {
        "services": ["checkout", "frontend", "inventory", "payments"]
    }
    ops = jaeger.get("/api/v3/operations", params={"service": "payments"}).json()["operations"]
    assert {"name": "POST /charges", "spanKind": "server"} in ops
    legacy = jaeger.get("/api/services").json()
    assert legacy == {
        "data": ["checkout", "frontend", "inventory", "payments"],
        "total": 4,
        "limit": 0,
        "offset": 0,
        "errors": None,
    }
    legacy_ops = jaeger.get("/api/services/checkout/operations").json()["data"]
    assert "POST /orders" in legacy_ops


def test_v3_search_returns_otlp_across_services(env: DemoEnvironment, jaeger: httpx.Client) -> None:
    response = jaeger.get("/api/v3/traces", params={"query.service_name": "payments", **window(env)})
    assert response.status_code == 200
    spans = otlp_spans(response.json())
    assert {service for service, _ in spans} == {"frontend", "checkout", "payments", "inventory"}
    for _, span in spans:
        assert len(span["traceId"]) == 32 and len(span["spanId"]) == 16
        assert int(span["endTimeUnixNano"]) > int(span["startTimeUnixNano"])
        assert span["kind"] in (1, 2, 3)
    errors = [s for _, s in spans if s["status"].get("code") == 2]
    assert errors, "the incident produces failing payment spans"
    # Each trace has one root (no parentSpanId) and every parent is in the trace.
    by_trace: dict[str, list[dict[str, Any]]] = {}
    for _, span in spans:
        by_trace.setdefault(span["traceId"], []).append(span)
    for trace_spans in by_trace.values():
        ids = {s["spanId"] for s in trace_spans}
        assert sum(1 for s in trace_spans if "parentSpanId" not in s) == 1
        assert all(s["parentSpanId"] in ids for s in trace_spans if "parentSpanId" in s)


def test_v3_shape_matches_recorded_jaeger(env: DemoEnvironment, jaeger: httpx.Client) -> None:
    recorded = json.loads((FIXTURES / "v3" / "jaeger-apiv3-GetTrace.json").read_text())
    search = jaeger.get("/api/v3/traces", params={"query.serviceName": "frontend", **window(env, 1)}).json()
    trace_id = otlp_spans(search)[0][1]["traceId"]
    ours = jaeger.get(f"/api/v3/traces/{trace_id}").json()
    assert set(ours) == set(recorded) == {"result"}
    assert set(ours["result"]) == set(recorded["result"])
    rec_span = recorded["result"]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    our_span = ours["result"]["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert set(rec_span) <= set(our_span)


def test_v3_not_found_is_jaegers_404(env: DemoEnvironment, jaeger: httpx.Client) -> None:
    missing = jaeger.get("/api/v3/traces/0123456789abcdef0123456789abcdef")
    assert missing.status_code == 404
    assert json.loads(missing.text) == {"error": {"httpCode": 404, "message": "No traces found"}}
    none = jaeger.get(
        "/api/v3/traces", params={"query.service_name": "checkout", "query.duration_min": "1h", **window(env)}
    )
    assert none.status_code == 404
    assert json.loads(none.text)["error"]["message"] == "No traces found"
    no_window = jaeger.get("/api/v3/traces", params={"query.service_name": "checkout"})
    assert no_window.status_code == 400


def test_v3_filters_and_summaries(env: DemoEnvironment, jaeger: httpx.Client) -> None:
    params = {
        "query.service_name": "payments",
        "query.operation_name": "POST /charges",
        "query.duration_min": "1s",
        "query.search_depth": "3",
        **window(env, 30),
    }
    summaries = jaeger.get("/api/v3/trace-summaries", params=params).json()["summaries"]
    assert 1 <= len(summaries) <= 3
    for s in summaries:
        assert s["rootServiceName"] == "frontend"
        assert s["rootOperationName"] == "POST /api/checkout"
        assert int(s["maxEndTimeUnixNano"]) - int(s["minStartTimeUnixNano"]) >= 1_000_000_000
        assert {svc["name"] for svc in s["services"]} == {"frontend", "checkout", "payments", "inventory"}
        assert s["spanCount"] == sum(svc["spanCount"] for svc in s["services"])


def test_legacy_search_and_get(env: DemoEnvironment, jaeger: httpx.Client) -> None:
    now_us = int(env.clock.now().timestamp() * 1e6)
    body = jaeger.get(
        "/api/traces",
        params={
            "service": "checkout",
            "start": now_us - 600_000_000,
            "end": now_us,
            "limit": 5,
            "tags": '{"error":"true"}',
        },
    ).json()
    assert body["errors"] is None
    traces = body["data"]
    assert 1 <= len(traces) <= 5
    trace = traces[0]
    assert set(trace) == {"traceID", "spans", "processes", "warnings"}
    services = {p["serviceName"] for p in trace["processes"].values()}
    assert "checkout" in services
    assert any(t["key"] == "error" and t["value"] is True for s in trace["spans"] for t in s["tags"])
    span = trace["spans"][0]
    recorded = json.loads((FIXTURES / "v1-traces" / "jaeger-ui-testTraceNormal.json").read_text())["spans"][0]
    assert set(span) == set(recorded)
    one = jaeger.get(f"/api/traces/{trace['traceID']}").json()
    assert one["data"] == [trace]
    missing = jaeger.get("/api/traces/0123456789abcdef0123456789abcdef")
    assert missing.status_code == 404
    assert missing.json()["errors"] == [{"code": 404, "msg": "trace not found"}]
    assert jaeger.get("/api/traces").status_code == 400


def test_future_traces_do_not_exist(env: DemoEnvironment) -> None:
    future = env.traces.trace_id(1000)
    with httpx.Client(base_url=env.jaeger_url) as client:
        assert client.get(f"/api/v3/traces/{future}").status_code == 404
    assert env.traces.slot_of(future) == 1000
    assert env.traces.slot_of("f" * 32) is None


def test_legacy_lookback_as_the_ui_sends_it(jaeger: httpx.Client) -> None:
    two_days = jaeger.get("/api/traces", params={"service": "inventory", "lookback": "2d", "limit": 2}).json()
    assert len(two_days["data"]) == 2
    bad = jaeger.get("/api/traces", params={"service": "inventory", "lookback": "soon"})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["code"] == 400
