"""The app's own clients against the demo: what `oncall-tui --demo` relies on, over real loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta

import pytest

from oncall_tui.clients.alertmanager import AlertmanagerClient
from oncall_tui.clients.http import build_async_client
from oncall_tui.clients.jaeger import JaegerClient, TraceQuery
from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.clock import FakeClock
from oncall_tui.config.settings import SourceSettings
from oncall_tui.demo import DemoEnvironment
from oncall_tui.errors import NotFoundError, SourceError
from oncall_tui.models.alertmanager import PostableSilence, SilenceMatcher


@dataclass
class Clients:
    env: DemoEnvironment
    prometheus: PrometheusClient
    alertmanager: AlertmanagerClient
    jaeger: JaegerClient
    jaeger_v1: JaegerClient


@pytest.fixture
async def clients() -> AsyncIterator[Clients]:
    clock = FakeClock()
    with DemoEnvironment(clock) as env:
        settings = SourceSettings()
        http = [
            build_async_client(url, settings)
            for url in (env.prometheus_url, env.alertmanager_url, env.jaeger_url, env.jaeger_url)
        ]
        try:
            yield Clients(
                env,
                PrometheusClient(http[0]),
                AlertmanagerClient(http[1]),
                JaegerClient(http[2], clock=clock),
                JaegerClient(http[3], clock=clock, api_generation="v1"),
            )
        finally:
            for c in http:
                await c.aclose()


async def test_prometheus_client(clients: Clients) -> None:
    prom, now = clients.prometheus, clients.env.clock.now()
    result = await prom.query('sum by (service) (rate(http_requests_total{code="500"}[5m]))')
    assert result.result_type == "vector"
    assert {s.metric["service"] for s in result.vector} == {"frontend", "checkout", "payments", "inventory"}
    ranged = await prom.query_range(
        "histogram_quantile(0.99, sum by (le) "
        '(rate(http_request_duration_seconds_bucket{service="checkout"}[5m])))',
        now - timedelta(minutes=30),
        now,
        timedelta(seconds=30),
    )
    assert len(ranged.matrix) == 1 and len(ranged.matrix[0].values) == 61
    targets = await prom.targets()
    assert [t.labels["instance"] for t in targets.active if t.health == "down"] == ["node-3:9100"]
    assert "service" in (await prom.labels()).names
    exemplars = await prom.exemplars(
        'http_requests_total{service="payments"}', now - timedelta(minutes=5), now
    )
    trace_ids = {e.trace_id for s in exemplars.series for e in s.exemplars}
    assert trace_ids and None not in trace_ids
    trace = await clients.jaeger.trace(sorted(t for t in trace_ids if t)[0])
    assert "payments" in trace.services
    assert (await prom.buildinfo()).version
    with pytest.raises(SourceError, match="bad_data|parse error|unsupported"):
        await prom.query("label_replace(up, 'a', 'b', 'c', 'd')")


async def test_alertmanager_client_ack_and_unack(clients: Clients) -> None:
    am, now = clients.alertmanager, clients.env.clock.now()
    groups = await am.alert_groups()
    critical = next(a for g in groups for a in g.alerts if a.labels["severity"] == "critical")
    silence = PostableSilence(
        matchers=[SilenceMatcher(k, v) for k, v in sorted(critical.labels.items())],
        starts_at=now,
        ends_at=now + timedelta(hours=1),
        created_by="oncall@demo",
        comment="ack",
    )
    sid = await am.create_silence(silence)
    acked = {a.fingerprint: a for a in await am.alerts()}[critical.fingerprint]
    assert acked.status.state == "suppressed" and acked.status.silenced_by == [sid]
    assert critical.fingerprint not in {a.fingerprint for a in await am.alerts(silenced=False)}
    await am.expire_silence(sid)
    unacked = {a.fingerprint: a for a in await am.alerts()}[critical.fingerprint]
    assert unacked.status.state == "active"
    assert [s.status.state for s in await am.silences()] == ["expired"]
    with pytest.raises(NotFoundError):
        await am.silence("00000000-0000-4000-8000-000000000000")
    status = await am.status()
    assert status.cluster.status == "ready"


@pytest.mark.parametrize("generation", ["v3", "v1"])
async def test_jaeger_client_both_generations(clients: Clients, generation: str) -> None:
    jaeger = clients.jaeger if generation == "v3" else clients.jaeger_v1
    assert await jaeger.services() == ["checkout", "frontend", "inventory", "payments"]
    assert "POST /charges" in await jaeger.operations("payments")
    query = TraceQuery("checkout", lookback=timedelta(minutes=10), limit=5)
    traces = await jaeger.search(query)
    assert 1 <= len(traces) <= 5
    assert all("checkout" in t.services for t in traces)
    timeouts = TraceQuery("payments", tags={"http.status_code": "504"}, lookback=timedelta(minutes=10))
    failing = await jaeger.search(timeouts)
    assert failing and all(t.error_count > 0 for t in failing)
    summaries = await jaeger.search_summaries(query)
    assert {s.trace_id for s in summaries} == {t.trace_id for t in traces}
    one = await jaeger.trace(traces[0].trace_id)
    assert one.span_count == traces[0].span_count
    with pytest.raises(NotFoundError):
        await jaeger.trace("0123456789abcdef0123456789abcdef")
    assert await jaeger.search(TraceQuery("checkout", min_duration=timedelta(hours=1))) == []
