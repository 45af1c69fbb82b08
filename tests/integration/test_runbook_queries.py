"""A runbook step's promql block against the real Prometheus of the local stack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from oncall_tui.clients.http import build_async_client
from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.config.settings import SourceSettings
from oncall_tui.domain.runbooks import parse_runbook
from oncall_tui.services.runbook_queries import QuerySample, sample_query
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


async def test_the_diagnosis_query_of_an_upstream_runbook_draws_real_values(
    prometheus: PrometheusClient,
) -> None:
    step = parse_runbook(RUNBOOK.read_text(), str(RUNBOOK)).steps[2]
    assert step.queries == ("node_filesystem_free_bytes",)

    sample = await eventually(
        lambda: sample_query(prometheus, step.queries[0], datetime.now(UTC)),
        lambda s: s.current is not None,
        "node_exporter's filesystem series scraped",
    )

    assert sample.error == ""
    assert sample.series >= 1 and sample.labels["__name__"] == "node_filesystem_free_bytes"
    assert sample.labels["job"] == "node_exporter"
    assert sample.current is not None and sample.current > 0
    assert sample.describe().startswith("current ")


async def test_a_bad_query_says_why(prometheus: PrometheusClient) -> None:
    sample: QuerySample = await sample_query(prometheus, "sum(rate(", datetime.now(UTC))
    assert sample.error.startswith("query failed: ") and sample.values == ()
