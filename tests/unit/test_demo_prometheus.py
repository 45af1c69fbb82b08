"""The demo Prometheus answers over real loopback HTTP in real Prometheus's shapes."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from oncall_tui.clock import FakeClock
from oncall_tui.demo import DemoEnvironment

ERROR_RATIO = (
    'sum(rate(http_requests_total{service="checkout",code=~"5.."}[5m])) / '
    'sum(rate(http_requests_total{service="checkout"}[5m]))'
)
P99 = (
    "histogram_quantile(0.99, sum by (le) "
    '(rate(http_request_duration_seconds_bucket{service="checkout"}[5m])))'
)


@pytest.fixture
def env() -> Iterator[DemoEnvironment]:
    with DemoEnvironment(FakeClock()) as demo:
        yield demo


@pytest.fixture
def prom(env: DemoEnvironment) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=env.prometheus_url, timeout=10) as client:
        yield client


def query(prom: httpx.Client, q: str, **params: Any) -> Any:
    response = prom.get("/api/v1/query", params={"query": q, **params})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "success"
    return body["data"]


def only_value(data: Any) -> float:
    assert data["resultType"] == "vector"
    assert len(data["result"]) == 1
    ts, value = data["result"][0]["value"]
    assert isinstance(ts, int | float)
    assert isinstance(value, str)
    return float(value)


def test_instant_vector_has_prometheus_shape(env: DemoEnvironment, prom: httpx.Client) -> None:
    data = query(prom, "up")
    assert data["resultType"] == "vector"
    by_instance = {r["metric"]["instance"]: r for r in data["result"]}
    assert by_instance["node-3:9100"]["value"][1] == "0"
    assert by_instance["checkout:8080"]["value"][1] == "1"
    assert by_instance["checkout:8080"]["metric"] == {
        "__name__": "up",
        "instance": "checkout:8080",
        "job": "checkout",
    }
    # Timestamp is a JSON number of seconds; a whole second is written without a fraction.
    assert by_instance["checkout:8080"]["value"][0] == int(env.clock.now().timestamp())


def test_checkout_is_in_an_incident_at_start_and_recovers_later(
    env: DemoEnvironment, prom: httpx.Client
) -> None:
    start = env.clock.now().timestamp()
    ratio_now = only_value(query(prom, ERROR_RATIO))
    p99_now = only_value(query(prom, P99))
    ratio_later = only_value(query(prom, ERROR_RATIO, time=start + 300))
    p99_later = only_value(query(prom, P99, time=start + 300))
    assert ratio_now > 0.05 > ratio_later
    assert p99_now > 0.5 > p99_later
    # The cycle repeats every ten minutes (slower daily and hourly waves shift it a little).
    assert only_value(query(prom, ERROR_RATIO, time=start + 600)) == pytest.approx(ratio_now, rel=0.2)


def test_sum_by_keeps_only_grouping_labels(prom: httpx.Client) -> None:
    data = query(prom, "sum by (service) (rate(http_requests_total[5m]))")
    services = {r["metric"]["service"]: float(r["value"][1]) for r in data["result"]}
    assert set(services) == {"frontend", "checkout", "payments", "inventory"}
    assert all(r["metric"].keys() == {"service"} for r in data["result"])
    assert all(10 < rps < 300 for rps in services.values())


def test_offset_and_arithmetic(prom: httpx.Client) -> None:
    now = only_value(query(prom, 'sum(rate(http_requests_total{service="frontend"}[5m]))'))
    day_ago = only_value(query(prom, 'sum(rate(http_requests_total{service="frontend"}[5m] offset 1d))'))
    assert now > 0 and day_ago > 0
    ratio = only_value(
        query(
            prom,
            'sum(rate(http_requests_total{service="frontend"}[5m])) / '
            'sum(rate(http_requests_total{service="frontend"}[5m] offset 1d))',
        )
    )
    assert ratio == pytest.approx(now / day_ago)


def test_scalar_vector_and_alert_series(env: DemoEnvironment, prom: httpx.Client) -> None:
    assert query(prom, "1 + 2")["result"][1] == "3"
    assert only_value(query(prom, "vector(1)")) == 1
    firing = query(prom, 'ALERTS{alertstate="firing"}')["result"]
    names = {r["metric"]["alertname"] for r in firing}
    assert {"CheckoutHighErrorRate", "TargetDown", "NodeMemoryPressure"} <= names
    severities = {r["metric"]["severity"] for r in firing}
    assert severities == {"critical", "warning", "info"}
    for_state = query(prom, 'ALERTS_FOR_STATE{alertname="CheckoutHighErrorRate"}')["result"]
    assert len(for_state) == 1
    active_at = float(for_state[0]["value"][1])
    assert active_at < env.clock.now().timestamp()


def test_node_metrics(prom: httpx.Client) -> None:
    busy = query(prom, 'sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))')["result"]
    assert {r["metric"]["instance"] for r in busy} == {"node-1:9100", "node-2:9100"}
    assert all(0 < float(r["value"][1]) <= 2 for r in busy)
    mem = query(prom, "node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes")["result"]
    assert all(0 < float(r["value"][1]) < 1 for r in mem)
    assert all("__name__" not in r["metric"] for r in mem)


def test_query_range_get_and_post_form(env: DemoEnvironment, prom: httpx.Client) -> None:
    end = env.clock.now().timestamp()
    params: dict[str, str | float] = {
        "query": "sum by (service) (rate(http_requests_total[5m]))",
        "start": end - 3600,
        "end": end,
        "step": "60",
    }
    got = prom.get("/api/v1/query_range", params=params).json()
    posted = prom.post("/api/v1/query_range", data=params).json()
    assert got == posted
    assert got["status"] == "success"
    assert got["data"]["resultType"] == "matrix"
    series = got["data"]["result"]
    assert len(series) == 4
    values = series[0]["values"]
    assert len(values) == 61
    assert values[0][0] == int(end - 3600) and values[-1][0] == int(end)
    assert all(isinstance(v, str) for _, v in values)


def test_query_range_rejects_too_many_points(env: DemoEnvironment, prom: httpx.Client) -> None:
    end = env.clock.now().timestamp()
    response = prom.get(
        "/api/v1/query_range", params={"query": "up", "start": end - 86400, "end": end, "step": "1"}
    )
    assert response.status_code == 400
    assert "exceeded maximum resolution of 11,000 points" in response.json()["error"]


@pytest.mark.parametrize(
    ("q", "fragment"),
    [
        ('label_replace(up, "a", "b", "c", "d")', "label_replace"),
        ("rate(up[5m:1m])", "subqueries"),
        ("up +", "parse error"),
        ('{job=~".*"}', "at least one non-empty matcher"),
        ("quantile(0.9, up)", "quantile"),
    ],
)
def test_unsupported_promql_gets_a_prometheus_style_error(prom: httpx.Client, q: str, fragment: str) -> None:
    response = prom.get("/api/v1/query", params={"query": q})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "error"
    assert body["errorType"] == "bad_data"
    assert fragment in body["error"]


def test_bad_parameters(prom: httpx.Client) -> None:
    response = prom.get("/api/v1/query_range", params={"query": "up", "start": "x", "end": "1", "step": "1"})
    assert response.status_code == 400
    assert response.json()["error"] == 'invalid parameter "start": cannot parse "x" to a valid timestamp'
    response = prom.get("/api/v1/query", params={"query": "up", "time": "2026-01-01T02:00:00Z"})
    assert response.json()["data"]["result"][0]["value"][0] == 1767232800
    assert prom.get("/api/v1/nope").status_code == 404


def test_targets(prom: httpx.Client) -> None:
    body = prom.get("/api/v1/targets").json()
    assert body["status"] == "success"
    active = body["data"]["activeTargets"]
    down = [t for t in active if t["health"] == "down"]
    assert len(down) == 1
    assert down[0]["labels"] == {"instance": "node-3:9100", "job": "node"}
    assert "connection refused" in down[0]["lastError"]
    up = [t for t in active if t["health"] == "up"]
    assert len(up) >= 6
    assert all(t["lastError"] == "" and t["lastScrape"].endswith("Z") for t in up)
    assert body["data"]["droppedTargets"] == []


def test_metadata_endpoints(prom: httpx.Client) -> None:
    build = prom.get("/api/v1/status/buildinfo").json()["data"]
    assert set(build) == {"version", "revision", "branch", "buildUser", "buildDate", "goVersion"}
    labels = prom.get("/api/v1/labels").json()["data"]
    assert {"__name__", "service", "instance", "job", "le", "code"} <= set(labels)
    assert labels == sorted(labels)
    names = prom.get("/api/v1/label/__name__/values").json()["data"]
    assert {
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "node_cpu_seconds_total",
        "up",
    } <= set(names)
    services = prom.get("/api/v1/label/service/values", params={"match[]": "http_requests_total"}).json()[
        "data"
    ]
    assert services == ["checkout", "frontend", "inventory", "payments"]
    series = prom.get("/api/v1/series", params={"match[]": 'up{job="node"}'}).json()["data"]
    assert [s["instance"] for s in series] == ["node-1:9100", "node-2:9100", "node-3:9100"]
    missing = prom.get("/api/v1/series")
    assert missing.status_code == 400
    assert missing.json() == {
        "status": "error",
        "errorType": "bad_data",
        "error": "no match[] parameter provided",
    }


def test_ready_and_healthy(prom: httpx.Client) -> None:
    assert prom.get("/-/ready").text == "Prometheus Server is Ready.\n"
    assert prom.get("/-/healthy").status_code == 200


def test_exemplars_point_at_traces_that_exist(env: DemoEnvironment, prom: httpx.Client) -> None:
    now = env.clock.now().timestamp()
    body = prom.get(
        "/api/v1/query_exemplars",
        params={"query": P99, "start": now - 600, "end": now},
    ).json()
    assert body["status"] == "success"
    groups = body["data"]
    assert groups
    for group in groups:
        assert group["seriesLabels"]["service"] == "checkout"
        assert group["seriesLabels"]["__name__"] == "http_request_duration_seconds_bucket"
        for exemplar in group["exemplars"]:
            seconds = float(exemplar["value"])
            le = group["seriesLabels"]["le"]
            assert seconds <= (math.inf if le == "+Inf" else float(le))
            assert now - 600 <= exemplar["timestamp"] <= now + 60
    trace_ids = {e["labels"]["trace_id"] for g in groups for e in g["exemplars"]}
    with httpx.Client(base_url=env.jaeger_url) as jaeger:
        for trace_id in sorted(trace_ids)[:5]:
            response = jaeger.get(f"/api/v3/traces/{trace_id}")
            assert response.status_code == 200
            spans = [
                s
                for rs in response.json()["result"]["resourceSpans"]
                for ss in rs["scopeSpans"]
                for s in ss["spans"]
            ]
            assert {s["traceId"] for s in spans} == {trace_id}


def test_rules_and_alerts_endpoints(prom: httpx.Client) -> None:
    groups = prom.get("/api/v1/rules").json()["data"]["groups"]
    rules = {r["name"]: r for g in groups for r in g["rules"]}
    assert rules["CheckoutHighErrorRate"]["state"] == "firing"
    assert rules["CheckoutHighErrorRate"]["type"] == "alerting"
    assert rules["CheckoutHighErrorRate"]["duration"] == 60
    assert rules["CheckoutHighErrorRate"]["alerts"][0]["labels"]["alertstate"] == "firing"
    alerts = prom.get("/api/v1/alerts").json()["data"]["alerts"]
    assert {a["labels"]["alertname"] for a in alerts} == {
        n for n, r in rules.items() if r["state"] != "inactive"
    }
    assert all(a["annotations"]["runbook_url"].startswith("https://runbooks.example.com/") for a in alerts)


def test_metadata(prom: httpx.Client) -> None:
    data = prom.get("/api/v1/metadata", params={"metric": "http_requests_total"}).json()["data"]
    assert data == {
        "http_requests_total": [
            {
                "type": "counter",
                "help": "Total number of HTTP requests by service, method and status code.",
                "unit": "",
            }
        ]
    }
