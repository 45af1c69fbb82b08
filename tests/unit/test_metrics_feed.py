"""The metrics feed headless: catalog, dashboard choice, variables, refresh, stale on failure."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from oncall_tui.clients.http import build_async_client
from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.clock import FakeClock
from oncall_tui.config.settings import SourceSettings
from oncall_tui.demo import DemoEnvironment
from oncall_tui.domain.panel_data import PanelData
from oncall_tui.services.metrics_feed import MetricsFeed, MetricsState


@pytest.fixture
async def demo() -> AsyncIterator[tuple[PrometheusClient, FakeClock, DemoEnvironment]]:
    clock = FakeClock()
    with DemoEnvironment(clock) as env:
        client = PrometheusClient(build_async_client(env.prometheus_url, SourceSettings()))
        try:
            yield client, clock, env
        finally:
            await client.aclose()


async def test_load_select_refresh_and_choose(
    demo: tuple[PrometheusClient, FakeClock, DemoEnvironment], tmp_path: Path
) -> None:
    client, clock, _ = demo
    feed = MetricsFeed(clock, tmp_path)
    seen: list[MetricsState] = []
    feed.subscribe(seen.append)
    await feed.load(client, prefer="red-http")
    state = feed.state
    assert state.dashboard == "red-http"
    assert state.options["service"] == ("All", "checkout", "frontend", "inventory", "payments")
    assert state.choices == {"service": "All"}
    assert state.panels == (None, None, None, None)
    await feed.poller().poll_once()
    requests = feed.state.panels[0]
    assert isinstance(requests, PanelData) and len(requests.series) == 4
    feed.choose("service", "payments")
    await feed.poller().poll_once()
    narrowed = feed.state.panels[0]
    assert isinstance(narrowed, PanelData) and [s.legend for s in narrowed.series] == ["payments"]
    assert feed.step_dashboard(1) == "checkout"  # wraps around
    assert len(seen) >= 4


async def test_a_failed_refresh_keeps_the_panels_marked_stale_then_recovers(
    demo: tuple[PrometheusClient, FakeClock, DemoEnvironment], tmp_path: Path
) -> None:
    client, clock, _ = demo
    feed = MetricsFeed(clock, tmp_path)
    await feed.load(client, prefer="checkout")
    poller = feed.poller()
    await poller.poll_once()
    before = feed.state.panels
    # A client for a port nobody listens on: the source is down.
    down = PrometheusClient(build_async_client("http://127.0.0.1:9", SourceSettings(timeout=2)))
    feed._client = down  # noqa: SLF001 - the context's client went away
    await poller.poll_once()
    stale = feed.state.panels
    assert feed.state.down is not None and "127.0.0.1:9" in feed.state.down
    assert all(isinstance(p, PanelData) and p.stale == feed.state.down for p in stale)
    assert [p.series for p in stale if p] == [p.series for p in before if p]
    feed._client = client  # noqa: SLF001
    await poller.poll_once()
    assert feed.state.down is None
    assert all(isinstance(p, PanelData) and p.stale is None for p in feed.state.panels)
    await down.aclose()


async def test_no_prometheus_is_said_and_files_still_listed(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text(
        'title = "Mine"\n[[panels]]\ntitle = "Up"\n[[panels.queries]]\nexpr = "up"\n'
    )
    feed = MetricsFeed(FakeClock(), tmp_path)
    await feed.load(None)
    assert feed.state.error == "this context has no prometheus source"
    assert feed.state.catalog is not None and [e.name for e in feed.state.catalog.entries] == ["mine"]
    assert await feed.fetch() == []


async def test_an_unreachable_server_means_no_catalog_with_the_reason(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    client = PrometheusClient(
        build_async_client("http://prom.test", SourceSettings(), transport=httpx.MockTransport(refuse))
    )
    feed = MetricsFeed(FakeClock(), tmp_path)
    await feed.load(client)
    assert feed.state.catalog is None
    assert feed.state.error is not None and feed.state.error.startswith("no dashboards: ")
