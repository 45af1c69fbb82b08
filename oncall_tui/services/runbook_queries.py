"""A runbook step's PromQL as a metrics panel: the last 30 minutes and the current value.

Each query becomes a one-query sparkline panel (the metrics issue's :class:`PanelData`), planned on the
same grid rules as a dashboard panel and fetched with the same ``query_range`` path, so the step-through
draws it with the dashboards' own panel widget. A query Prometheus rejects shows Prometheus's error in
the panel; a Prometheus that cannot be reached raises :class:`SourceError` (the screen keeps the last
data, marked stale).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.config.dashboards import Query, SparklinePanel
from oncall_tui.domain.panel_data import PanelData, build_panel_data
from oncall_tui.domain.panel_plan import PanelPlan, plan_panel
from oncall_tui.services.panel_data import run_plan

QUERY_WINDOW = timedelta(minutes=30)
"""How far back a step's query is drawn."""
MAX_SERIES = 5
"""Series kept per query (the one with the highest current value leads the panel)."""


def query_title(expr: str) -> str:
    """The panel title of a query: the expression on one line."""
    return " ".join(expr.split())


def query_panel(expr: str) -> SparklinePanel:
    """The sparkline panel of one runbook query."""
    return SparklinePanel(
        title=query_title(expr), queries=[Query(expr=expr)], window=QUERY_WINDOW, max_series=MAX_SERIES
    )


def plan_query(expr: str, *, now: datetime, columns: int) -> PanelPlan:
    """The query over the last :data:`QUERY_WINDOW` ending at ``now``, ``columns`` points wide."""
    return plan_panel(
        query_panel(expr), window=QUERY_WINDOW, columns=columns, now=now.timestamp(), variables={}
    )


async def fetch_query(client: PrometheusClient, expr: str, *, now: datetime, columns: int) -> PanelData:
    """The query's panel data; raises SourceError when Prometheus cannot be reached."""
    return await run_plan(client, plan_query(expr, now=now, columns=columns))


def query_error(expr: str, reason: str, *, now: datetime, columns: int) -> PanelData:
    """A panel that says why the query could not run at all (no Prometheus in this context)."""
    # An error text in place of a result is how a panel carries a rejected query: the same here.
    return build_panel_data(plan_query(expr, now=now, columns=columns), [reason])
