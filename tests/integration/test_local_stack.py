"""The Prometheus and Alertmanager clients against the real binaries of the local stack.

Nothing is faked: the alerts come from ``stack/rules/oncall-demo.yml`` (``vector(1)``)
through Prometheus into Alertmanager. Waits poll with a deadline, they never sleep
a fixed time.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from oncall_tui.clients.alertmanager import AlertmanagerClient
from oncall_tui.clients.alertmanager_ha import AlertmanagerCluster
from oncall_tui.clients.http import build_async_client
from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.config.settings import SourceSettings
from oncall_tui.errors import SourceError
from oncall_tui.models.alertmanager import Alert, PostableSilence, SilenceMatcher
from tests.stack_support import Stack
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


SETTINGS = SourceSettings(timeout=5)
SEVERITIES = {"critical", "warning", "info"}


@pytest.fixture
async def prometheus(stack: Stack) -> AsyncIterator[PrometheusClient]:
    client = PrometheusClient(build_async_client(stack.prometheus_url, SETTINGS))
    yield client
    await client.aclose()


@pytest.fixture
async def alertmanager(stack: Stack) -> AsyncIterator[AlertmanagerClient]:
    client = AlertmanagerClient(build_async_client(stack.alertmanager_url, SETTINGS))
    yield client
    await client.aclose()


def by_name(alerts: list[Alert]) -> dict[str, Alert]:
    return {alert.alertname: alert for alert in alerts}


def all_demo_alerts(alerts: list[Alert]) -> bool:
    return {a.labels.get("severity") for a in alerts} >= SEVERITIES


# --- Prometheus ---------------------------------------------------------------------------


async def test_targets_are_up(prometheus: PrometheusClient, stack: Stack) -> None:
    targets = await eventually(
        prometheus.targets,
        lambda t: len(t.active) == 3 and all(x.health == "up" for x in t.active),
        "all three targets up",
    )

    assert {t.job for t in targets.active} == {"prometheus", "alertmanager", "node_exporter"}
    assert {t.scrape_url for t in targets.active} == {
        f"{stack.prometheus_url}/metrics",
        f"{stack.alertmanager_url}/metrics",
        f"{stack.node_exporter_url}/metrics",
    }
    assert all(t.last_error == "" and t.last_scrape is not None for t in targets.active)


async def test_instant_query_returns_real_series(prometheus: PrometheusClient) -> None:
    result = await eventually(
        lambda: prometheus.query("up"), lambda r: len(r.vector) == 3, "three `up` series"
    )

    assert result.result_type == "vector"
    assert {s.metric["job"] for s in result.vector} == {"prometheus", "alertmanager", "node_exporter"}
    assert all(s.value in (0.0, 1.0) for s in result.vector)
    node = await prometheus.query('node_memory_MemTotal_bytes{job="node_exporter"}')
    assert node.vector and node.vector[0].value is not None and node.vector[0].value > 0
    scalar = await prometheus.query("scalar(vector(1)) / 0")
    assert scalar.scalar is not None and scalar.scalar.value == float("inf")


async def test_range_query_returns_real_series(prometheus: PrometheusClient) -> None:
    async def fetch() -> list[float]:
        end = datetime.now(UTC)
        result = await prometheus.query_range('up{job="prometheus"}', end - timedelta(seconds=30), end, 1)
        return result.matrix[0].values if result.matrix else []

    values = await eventually(fetch, lambda v: len(v) >= 3, "three points of a range query")

    assert set(values) == {1.0}


async def test_labels_values_and_buildinfo(prometheus: PrometheusClient) -> None:
    jobs = await eventually(
        lambda: prometheus.label_values("job"), lambda r: len(r.names) == 3, "three job label values"
    )

    assert jobs.names == ["alertmanager", "node_exporter", "prometheus"]
    assert "__name__" in (await prometheus.labels()).names
    assert (await prometheus.buildinfo()).version.startswith("2.")


async def test_bad_promql_is_an_api_error(prometheus: PrometheusClient) -> None:
    with pytest.raises(SourceError) as caught:
        await prometheus.query("sum(rate(up[1m])")

    assert (caught.value.kind, caught.value.status) == ("api", 400)
    assert "bad_data" in caught.value.message and "parse error" in caught.value.message


# --- Alertmanager -------------------------------------------------------------------------


async def test_real_alerts_of_each_severity_arrive(alertmanager: AlertmanagerClient) -> None:
    groups = await eventually(
        alertmanager.alert_groups,
        lambda gs: all_demo_alerts([a for g in gs for a in g.alerts]),
        "critical, warning and info alerts in Alertmanager",
    )

    alerts = by_name([a for g in groups for a in g.alerts])
    critical = alerts["CheckoutErrorBudgetBurn"]
    assert critical.labels["severity"] == "critical"
    assert critical.labels["service"] == "checkout"
    assert set(critical.annotations) >= {"summary", "description", "runbook_url"}
    assert alerts["CheckoutLatencyHigh"].labels["severity"] == "warning"
    assert alerts["CatalogCacheHitRateLow"].labels["severity"] == "info"
    assert all(a.receivers[0].name == "null" for a in alerts.values())
    assert {g.labels.get("service") for g in groups} >= {"checkout", "catalog"}
    status = await alertmanager.status()
    assert status.cluster.status == "disabled"  # gossip is off in the local stack


async def test_silence_suppresses_its_alert_and_expiring_it_unsuppresses(
    alertmanager: AlertmanagerClient,
) -> None:
    await eventually(alertmanager.alerts, all_demo_alerts, "the demo alerts")
    now = datetime.now(UTC)
    silence_id = await alertmanager.create_silence(
        PostableSilence(
            matchers=[
                SilenceMatcher("alertname", "CheckoutLatencyHigh"),
                SilenceMatcher("service", "checkout"),
            ],
            starts_at=now,
            ends_at=now + timedelta(minutes=10),
            created_by="integration@test",
            comment="ack from the integration test",
        )
    )
    try:
        alerts = by_name(await alertmanager.alerts())
        assert alerts["CheckoutLatencyHigh"].status.state == "suppressed"
        assert alerts["CheckoutLatencyHigh"].status.silenced_by == [silence_id]
        assert alerts["CheckoutErrorBudgetBurn"].status.state == "active"
        silence = await alertmanager.silence(silence_id)
        assert (silence.status.state, silence.created_by) == ("active", "integration@test")
        # Only non-silenced alerts, as the queue shows them by default.
        unsilenced = by_name(await alertmanager.alerts(silenced=False))
        assert "CheckoutLatencyHigh" not in unsilenced and "CheckoutErrorBudgetBurn" in unsilenced
    finally:
        await alertmanager.expire_silence(silence_id)

    alerts = by_name(await alertmanager.alerts())
    assert alerts["CheckoutLatencyHigh"].status.state == "active"
    assert alerts["CheckoutLatencyHigh"].status.silenced_by == []
    assert (await alertmanager.silence(silence_id)).status.state == "expired"


async def test_filters_are_applied_by_the_server(alertmanager: AlertmanagerClient) -> None:
    await eventually(alertmanager.alerts, all_demo_alerts, "the demo alerts")

    critical = await alertmanager.alerts(['severity="critical"'])
    checkout = await alertmanager.alert_groups(['service=~"check.*"', 'severity!="info"'])

    assert [a.alertname for a in critical] == ["CheckoutErrorBudgetBurn"]
    assert {a.alertname for g in checkout for a in g.alerts} == {
        "CheckoutErrorBudgetBurn",
        "CheckoutLatencyHigh",
    }


async def test_ha_cluster_with_a_down_peer_still_shows_alerts_and_reports_it(stack: Stack) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        down_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # The down peer first: writes must skip it.
    source = AlertmanagerCluster(
        [
            AlertmanagerClient(build_async_client(down_url, SETTINGS)),
            AlertmanagerClient(build_async_client(stack.alertmanager_url, SETTINGS)),
        ]
    )
    try:
        merged = await eventually(
            source.alert_groups,
            lambda m: all_demo_alerts([a for g in m.value for a in g.alerts]),
            "the demo alerts through the cluster",
        )

        assert merged.degraded
        (down,) = merged.failed
        assert down.url == down_url
        assert down.error is not None and down.error.kind == "unreachable"
        assert down.reason is not None and down_url in down.reason

        now = datetime.now(UTC)
        silence_id = await source.create_silence(
            PostableSilence(
                matchers=[SilenceMatcher("alertname", "CatalogCacheHitRateLow")],
                starts_at=now,
                ends_at=now + timedelta(minutes=5),
                created_by="integration@test",
                comment="ack through the HA client",
            )
        )
        alerts = by_name((await source.alerts()).value)
        assert alerts["CatalogCacheHitRateLow"].status.silenced_by == [silence_id]
        await source.expire_silence(silence_id)
        assert by_name((await source.alerts()).value)["CatalogCacheHitRateLow"].status.state == "active"
        assert silence_id in {s.id for s in (await source.silences()).value}
    finally:
        await source.aclose()
