"""Dashboards against the real Prometheus and node_exporter of the local stack.

The zero-config dashboards must appear for what the stack really exposes, and every panel
must return data within a few scrape intervals (the stack scrapes every 2 s). Waits poll
with a deadline; they never sleep a fixed time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from oncall_tui.clients.http import build_async_client
from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.config.dashboards import Dashboard
from oncall_tui.config.settings import SourceSettings
from oncall_tui.domain.panel_data import PanelData
from oncall_tui.domain.variables import resolve, substitutions
from oncall_tui.errors import SourceError
from oncall_tui.services.dashboard_catalog import Catalog, build_catalog, variable_values
from oncall_tui.services.panel_data import PanelFetcher
from tests.stack_support import Stack
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

SCRAPE = timedelta(seconds=2)


@pytest.fixture
async def prometheus(stack: Stack) -> AsyncIterator[PrometheusClient]:
    client = PrometheusClient(build_async_client(stack.prometheus_url, SourceSettings(timeout=5)))
    yield client
    await client.aclose()


async def _catalog(prometheus: PrometheusClient, tmp_path: Path) -> Catalog:
    return await eventually(
        lambda: build_catalog(prometheus, tmp_path / "none"),
        lambda c: c.get("node") is not None and c.get("prometheus") is not None,
        "the prometheus and node dashboards were discovered",
    )


async def _fetch_all(
    prometheus: PrometheusClient, dashboard: Dashboard, chosen: dict[str, str] | None = None
) -> list[PanelData | SourceError]:
    fetcher = PanelFetcher(prometheus, scrape_interval=SCRAPE)
    choices = resolve(dashboard, await variable_values(prometheus, dashboard), chosen)
    return await fetcher.fetch_group(
        dashboard.panels,
        dashboard,
        columns=30,
        now=datetime.now(UTC),
        variables=substitutions(choices),
    )


def _all_have_series(answers: list[PanelData | SourceError]) -> bool:
    # A series whose points are all NaN (a quantile of no requests yet) does not count.
    return all(
        isinstance(a, PanelData) and a.error is None and any(s.current is not None for s in a.series)
        for a in answers
    )


def _empty(answers: list[PanelData | SourceError]) -> list[str]:
    return [a.title if isinstance(a, PanelData) else str(a) for a in answers if not _all_have_series([a])]


async def test_discovered_dashboards_are_the_ones_the_stack_has(
    prometheus: PrometheusClient, tmp_path: Path
) -> None:
    catalog = await _catalog(prometheus, tmp_path)
    assert [(e.name, e.origin) for e in catalog.entries] == [
        ("prometheus", "discovered"),
        ("node", "discovered"),
    ]
    # No service in the stack speaks a RED convention, and no checkout service exists.
    assert catalog.get("checkout") is None


@pytest.mark.parametrize("name", ["prometheus", "node"])
async def test_every_panel_of_a_default_dashboard_returns_series(
    prometheus: PrometheusClient, tmp_path: Path, name: str
) -> None:
    catalog = await _catalog(prometheus, tmp_path)
    entry = catalog.get(name)
    assert entry is not None
    answers = await eventually(
        lambda: _fetch_all(prometheus, entry.dashboard), _all_have_series, f"every {name} panel has data"
    )
    assert _empty(answers) == []
    for answer in answers:
        assert isinstance(answer, PanelData)
        assert len(answer.series[0].values) == 30


INSTANCE = Dashboard.model_validate(
    {
        "title": "Up",
        "window": "1m",
        "variables": [{"name": "instance", "label": "instance", "metric": "up", "include_all": True}],
        "panels": [
            {"title": "up", "queries": [{"expr": 'up{instance=~"$instance"}', "legend": "{{job}}"}]},
            {"title": "broken", "queries": [{"expr": "sum(rate(up[5m]"}]},
        ],
    }
)


async def test_an_instance_variable_narrows_a_panels_series(
    prometheus: PrometheusClient, stack: Stack
) -> None:
    every = await eventually(
        lambda: _fetch_all(prometheus, INSTANCE),
        lambda answers: isinstance(answers[0], PanelData) and len(answers[0].series) == 3,
        "up of all three targets",
    )
    assert isinstance(every[0], PanelData)
    assert sorted(s.legend for s in every[0].series) == ["alertmanager", "node_exporter", "prometheus"]
    node = stack.node_exporter_url.split("//")[1].rstrip("/")
    narrowed = await _fetch_all(prometheus, INSTANCE, {"instance": node})
    assert isinstance(narrowed[0], PanelData)
    assert [s.legend for s in narrowed[0].series] == ["node_exporter"]


async def test_a_broken_query_shows_prometheus_error_text(prometheus: PrometheusClient) -> None:
    answers = await _fetch_all(prometheus, INSTANCE)
    broken = answers[1]
    assert isinstance(broken, PanelData)
    assert broken.error is not None and broken.error.startswith("1:")
    assert "unclosed left parenthesis" in broken.error or "unexpected end of input" in broken.error
    assert broken.series == ()
