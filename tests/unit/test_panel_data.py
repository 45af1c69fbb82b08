"""Panel fetching over recorded Prometheus responses: grid, legends, cap, thresholds, errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from oncall_tui.clients.http import build_async_client
from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.config.dashboards import Dashboard
from oncall_tui.config.settings import SourceSettings
from oncall_tui.domain.panel_data import build_panel_data
from oncall_tui.domain.panel_plan import grid, plan_panel
from oncall_tui.errors import SourceError
from oncall_tui.models.prometheus import QueryResult, RangeSeries
from oncall_tui.services.panel_data import PanelFetcher

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "prometheus" / "api-examples"
# The recorded matrix has points at 1435781430.781 + k*15.
NOW = datetime.fromtimestamp(1435781460.781, tz=UTC)

DASHBOARD = Dashboard.model_validate(
    {
        "title": "T",
        "window": "45s",
        "variables": [{"name": "job", "values": ["node", "prometheus"]}],
        "panels": [
            {
                "title": "Up",
                "queries": [{"expr": 'up{job=~"$job"}', "legend": "{{job}} {{instance}}"}],
                "thresholds": {"critical": 0.5, "direction": "below"},
            },
            {"title": "Bad", "queries": [{"expr": "sum(("}]},
            {"title": "Latency", "kind": "percentiles", "histogram": "h", "quantiles": [0.5, 0.99]},
        ],
    }
)


def _client(handler: httpx.MockTransport) -> PrometheusClient:
    return PrometheusClient(build_async_client("http://prom.test", SourceSettings(), transport=handler))


def _recorded(seen: list[dict[str, list[str]]]) -> httpx.MockTransport:
    matrix = (FIXTURES / "docs-query_range-matrix.json").read_bytes()

    def handle(request: httpx.Request) -> httpx.Response:
        params = parse_qs(request.url.query.decode())
        seen.append(params)
        if params["query"][0] == "sum((":
            body = {"status": "error", "errorType": "bad_data", "error": '1:6: parse error: unexpected "("'}
            return httpx.Response(400, json=body)
        return httpx.Response(200, content=matrix, headers={"Content-Type": "application/json"})

    return httpx.MockTransport(handle)


async def test_a_panel_is_fetched_over_its_window_with_step_window_over_width() -> None:
    seen: list[dict[str, list[str]]] = []
    fetcher = PanelFetcher(_client(_recorded(seen)))
    data = await fetcher.fetch(DASHBOARD.panels[0], DASHBOARD, columns=3, now=NOW, variables={"job": ".*"})
    assert seen[0]["query"] == ['up{job=~".*"}']
    assert float(seen[0]["step"][0]) == 15.0
    assert float(seen[0]["end"][0]) - float(seen[0]["start"][0]) == 30.0
    # Both are up now: equal current values keep Prometheus's order.
    assert [s.legend for s in data.series] == ["prometheus localhost:9090", "node localhost:9091"]
    node = data.series[1]
    assert node.values == (0.0, 0.0, 1.0) and node.current == 1.0 and node.first == 0.0
    assert (node.low, node.high) == (0.0, 1.0)
    assert data.state == "ok" and data.error is None


async def test_a_bad_query_shows_prometheus_error_text_and_other_panels_still_load() -> None:
    fetcher = PanelFetcher(_client(_recorded([])))
    bad, good = await fetcher.fetch_group(
        DASHBOARD.panels[:2][::-1], DASHBOARD, columns=3, now=NOW, variables={}
    )
    assert not isinstance(bad, SourceError) and not isinstance(good, SourceError)
    assert bad.error == '1:6: parse error: unexpected "("'
    assert bad.series == ()
    assert len(good.series) == 2


async def test_an_unreachable_source_is_raised_for_the_caller_to_mark_stale() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused", request=request)

    fetcher = PanelFetcher(_client(httpx.MockTransport(refuse)))
    [answer] = await fetcher.fetch_group(DASHBOARD.panels[:1], DASHBOARD, columns=3, now=NOW, variables={})
    assert isinstance(answer, SourceError) and answer.kind == "unreachable"


async def test_percentiles_run_one_query_per_quantile_highest_first() -> None:
    seen: list[dict[str, list[str]]] = []
    data = await PanelFetcher(_client(_recorded(seen))).fetch(
        DASHBOARD.panels[2], DASHBOARD, columns=3, now=NOW, variables={}
    )
    assert [p["query"][0].split(",")[0] for p in seen] == [
        "histogram_quantile(0.99",
        "histogram_quantile(0.5",
    ]
    assert [s.legend for s in data.series] == ["p99", "p99", "p50", "p50"]


def _series(n: int, current: float) -> RangeSeries:
    return RangeSeries({"i": str(n)}, [100.0, 110.0], [0.0, current])


def test_thousands_of_series_are_capped_to_the_top_n_by_current_value() -> None:
    panel = Dashboard.model_validate(
        {
            "title": "T",
            "panels": [{"title": "p", "max_series": 3, "queries": [{"expr": "x", "legend": "{{i}}"}]}],
        }
    ).panels[0]
    plan = plan_panel(panel, window=timedelta(seconds=20), columns=2, now=110.0, variables={})
    result = QueryResult("matrix", matrix=[_series(n, float(n % 1000)) for n in range(5000)])
    data = build_panel_data(plan, [result])
    assert [s.legend for s in data.series] == ["999", "1999", "2999"]
    assert data.dropped == 4997


def test_the_grid_ends_on_a_step_so_refreshes_within_a_step_ask_the_same() -> None:
    assert grid(timedelta(hours=1), 60, 1020.0, 15.0) == grid(timedelta(hours=1), 60, 1034.0, 15.0)
    start, step = grid(timedelta(hours=1), 60, 3607.0, 15.0)
    # The last point is the latest scrape, not the last whole step.
    assert step == 60.0 and start + 59 * step == 3600.0
    assert grid(timedelta(minutes=1), 60, 3607.5, 15.0) == (3548.0, 1.0)


def test_slo_panel_reads_burn_rates_and_budget() -> None:
    panel = Dashboard.model_validate(
        {
            "title": "T",
            "panels": [
                {
                    "title": "SLO",
                    "kind": "slo",
                    "error_ratio": "err[$window]",
                    "objective": 0.99,
                    "slo_window": "7d",
                }
            ],
        }
    ).panels[0]
    plan = plan_panel(panel, window=timedelta(seconds=20), columns=2, now=110.0, variables={})
    assert [q.expr for q in plan.queries] == ["1 - (err[1w]) / 0.01", "(err[1h]) / 0.01", "(err[6h]) / 0.01"]
    results = [
        QueryResult("matrix", matrix=[RangeSeries({}, [100.0, 110.0], [0.6, 0.5])]),
        QueryResult("matrix", matrix=[RangeSeries({}, [100.0, 110.0], [20.0, 15.0])]),
        QueryResult("matrix", matrix=[RangeSeries({}, [100.0, 110.0], [3.0, 2.0])]),
    ]
    data = build_panel_data(plan, results)
    assert data.state == "critical"
    assert data.extra == (("burn 1h", "15.0x"), ("burn 6h", "2.0x"))
    assert data.headline is not None and data.headline.legend == "budget left (1w)"
    calm = [results[0], QueryResult("matrix", matrix=[RangeSeries({}, [110.0], [1.0])]), results[2]]
    assert build_panel_data(plan, calm).state == "ok"


@pytest.mark.parametrize("body", [json.loads((FIXTURES / "openapi-error-internal.json").read_text())])
async def test_server_errors_reach_the_panel_in_prometheus_words(body: dict[str, str]) -> None:
    fetcher = PanelFetcher(_client(httpx.MockTransport(lambda r: httpx.Response(503, json=body))))
    data = await fetcher.fetch(DASHBOARD.panels[0], DASHBOARD, columns=3, now=NOW, variables={})
    assert data.error == "TSDB not ready"


def test_when_low_values_are_bad_the_lowest_series_leads() -> None:
    panel = Dashboard.model_validate(
        {
            "title": "T",
            "panels": [
                {
                    "title": "free",
                    "thresholds": {"warning": 0.2, "critical": 0.1, "direction": "below"},
                    "queries": [{"expr": "x", "legend": "{{i}}"}],
                }
            ],
        }
    ).panels[0]
    plan = plan_panel(panel, window=timedelta(seconds=20), columns=2, now=110.0, variables={})
    data = build_panel_data(plan, [QueryResult("matrix", matrix=[_series(1, 0.5), _series(2, 0.15)])])
    assert [(s.legend, s.state) for s in data.series] == [("2", "warning"), ("1", "ok")]
    assert data.state == "warning"
