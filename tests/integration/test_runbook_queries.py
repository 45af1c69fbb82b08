"""A runbook step's promql block against the real Prometheus of the local stack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oncall_tui.clients.http import build_async_client
from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.config.settings import SourceSettings
from oncall_tui.domain.panel_data import PanelData
from oncall_tui.domain.runbooks import parse_runbook
from oncall_tui.services.runbook_queries import fetch_query
from tests.stack_support import Stack
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

RUNBOOK = (
    Path(__file__).parent.parent
    / "fixtures/runbooks/prometheus-operator/node/NodeFilesystemSpaceFillingUp.md"
)


@pytest.fixture
async def prometheus(stack: Stack) -> AsyncIterator[PrometheusClient]:
    client = PrometheusClient(build_async_client(stack.prometheus_url, SourceSettings(timeout=5)))
    yield client
    await client.aclose()


def has_current(data: PanelData) -> bool:
    return data.headline is not None and data.headline.current is not None


async def test_the_diagnosis_query_of_an_upstream_runbook_draws_real_values(
    prometheus: PrometheusClient,
) -> None:
    step = parse_runbook(RUNBOOK.read_text(), str(RUNBOOK)).steps[2]
    assert step.queries == ("node_filesystem_free_bytes",)

    data = await eventually(
        lambda: fetch_query(prometheus, step.queries[0], now=datetime.now(UTC), columns=30),
        has_current,
        "node_exporter's filesystem series scraped",
    )

    assert data.error is None and data.columns == 30 and data.title == "node_filesystem_free_bytes"
    head = data.headline
    assert head is not None and head.labels["__name__"] == "node_filesystem_free_bytes"
    assert head.labels["job"] == "node_exporter"
    assert head.current is not None and head.current > 0
    assert len(head.values) == 30 and head.values[-1] == head.current


async def test_a_bad_query_shows_prometheus_error(prometheus: PrometheusClient) -> None:
    data = await fetch_query(prometheus, "sum(rate(", now=datetime.now(UTC), columns=30)
    assert data.error is not None and "parse error" in data.error
    assert data.series == ()
