"""The demo serves every default dashboard and the checkout dashboard, through the same HTTP API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from oncall_tui.clients.http import build_async_client
from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.clock import FakeClock
from oncall_tui.config.settings import SourceSettings
from oncall_tui.demo import DemoEnvironment
from oncall_tui.domain.panel_data import PanelData
from oncall_tui.domain.variables import resolve, substitutions
from oncall_tui.services.dashboard_catalog import build_catalog, variable_values
from oncall_tui.services.panel_data import PanelFetcher, run_plan


@pytest.fixture
async def demo() -> AsyncIterator[tuple[PrometheusClient, FakeClock]]:
    clock = FakeClock()
    with DemoEnvironment(clock) as env:
        client = PrometheusClient(build_async_client(env.prometheus_url, SourceSettings()))
        try:
            yield client, clock
        finally:
            await client.aclose()


async def test_every_panel_of_every_demo_dashboard_has_data(
    demo: tuple[PrometheusClient, FakeClock], tmp_path: Path
) -> None:
    client, clock = demo
    catalog = await build_catalog(client, tmp_path)
    assert [(e.name, e.origin) for e in catalog.entries] == [
        ("checkout", "built-in"),
        ("prometheus", "discovered"),
        ("node", "discovered"),
        ("red-http", "discovered"),
    ]
    fetcher = PanelFetcher(client)
    for entry in catalog.entries:
        dashboard = entry.dashboard
        choices = resolve(dashboard, await variable_values(client, dashboard))
        answers = await fetcher.fetch_group(
            dashboard.panels, dashboard, columns=40, now=clock.now(), variables=substitutions(choices)
        )
        for answer in answers:
            assert isinstance(answer, PanelData), f"{entry.name}: {answer}"
            assert answer.error is None, f"{entry.name} / {answer.title}: {answer.error}"
            assert answer.series, f"{entry.name} / {answer.title}: no series"
            assert answer.series[0].current is not None


async def test_checkout_errors_rise_and_fall_and_yesterday_was_calm(
    demo: tuple[PrometheusClient, FakeClock], tmp_path: Path
) -> None:
    client, clock = demo
    entry = (await build_catalog(client, tmp_path)).get("checkout")
    assert entry is not None
    dashboard = entry.dashboard
    errors = next(p for p in dashboard.panels if p.title == "Error ratio")
    plan = PanelFetcher(client).plan(
        errors,
        dashboard,
        columns=60,
        now=clock.now(),
        variables={"service": "checkout"},
        window=timedelta(minutes=30),
    )
    today = await run_plan(client, plan)
    yesterday = await run_plan(client, plan.shifted(timedelta(days=1)))
    line = today.series[0]
    assert line.high is not None and line.low is not None and line.high > 10 * line.low
    assert today.state == "critical"
    assert "offset 1d" in yesterday.queries[0]
    calm = yesterday.series[0]
    assert calm.high is not None and calm.high < 0.01
    assert yesterday.state == "ok"
