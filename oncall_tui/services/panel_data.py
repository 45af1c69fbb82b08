"""Fetch panels from Prometheus: one ``query_range`` per query over the panel's grid.

``step = window / columns``, so Prometheus does the downsampling and the app keeps no
history. A query Prometheus rejects (bad PromQL, too many points, timeout) becomes the
panel's error text and the other panels carry on; a source that cannot be reached raises
:class:`SourceError`, so the caller (a feed) can keep the last data and mark it stale.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.config.dashboards import Dashboard, Panel
from oncall_tui.domain.panel_data import PanelData, build_panel_data
from oncall_tui.domain.panel_plan import DEFAULT_SCRAPE_INTERVAL, PanelPlan, plan_panel
from oncall_tui.errors import SourceError
from oncall_tui.models.prometheus import QueryResult

_API_ERROR = re.compile(r"^Prometheus (?P<kind>\S+) error \(HTTP \d+\) from \S+: (?P<text>.*)$", re.DOTALL)


def prometheus_error_text(error: SourceError) -> str:
    """Prometheus's own words from an ``api`` error (``parse error: unexpected …``), else the message."""
    match = _API_ERROR.match(error.message)
    if not match:
        return error.message
    # Prometheus wraps PromQL errors as 'invalid parameter "query": 1:16: parse error: …'; the panel
    # already says which query it is, so the room goes to what is wrong.
    return match["text"].removeprefix('invalid parameter "query": ')


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


async def run_plan(client: PrometheusClient, plan: PanelPlan) -> PanelData:
    """Run every query of ``plan`` concurrently and build the panel's data.

    Raises SourceError when the server could not be asked (down, timeout, TLS, bad body);
    Prometheus rejecting a query is not raised but shown as the panel's error.
    """
    start, end = _utc(plan.start), _utc(plan.end)
    answers = await asyncio.gather(
        *(client.query_range(q.expr, start, end, plan.step) for q in plan.queries), return_exceptions=True
    )
    results: list[QueryResult | str] = []
    for answer in answers:
        if isinstance(answer, SourceError) and answer.kind == "api":
            results.append(prometheus_error_text(answer))
        elif isinstance(answer, BaseException):
            raise answer
        else:
            results.append(answer)
    return build_panel_data(plan, results)


class PanelFetcher:
    """Fetches the panels of dashboards from one Prometheus; holds no data between calls."""

    def __init__(
        self,
        client: PrometheusClient,
        *,
        scrape_interval: timedelta = DEFAULT_SCRAPE_INTERVAL,
    ) -> None:
        self._client = client
        self._scrape_interval = scrape_interval

    def plan(
        self,
        panel: Panel,
        dashboard: Dashboard,
        *,
        columns: int,
        now: datetime,
        variables: Mapping[str, str],
        window: timedelta | None = None,
    ) -> PanelPlan:
        """The plan of ``panel`` (its own window, else the dashboard's, unless ``window`` is given)."""
        span = window or panel.window or dashboard.window
        return plan_panel(
            panel,
            window=span,
            columns=columns,
            now=now.timestamp(),
            variables=variables,
            scrape_interval=self._scrape_interval,
        )

    async def fetch(
        self,
        panel: Panel,
        dashboard: Dashboard,
        *,
        columns: int,
        now: datetime,
        variables: Mapping[str, str],
        window: timedelta | None = None,
    ) -> PanelData:
        """One panel's data; raises SourceError when the source is unreachable."""
        plan = self.plan(panel, dashboard, columns=columns, now=now, variables=variables, window=window)
        return await run_plan(self._client, plan)

    async def fetch_group(
        self,
        panels: Sequence[Panel],
        dashboard: Dashboard,
        *,
        columns: int,
        now: datetime,
        variables: Mapping[str, str],
    ) -> list[PanelData | SourceError]:
        """Several panels at once; each is its data or the SourceError that kept it from being fetched."""
        answers = await asyncio.gather(
            *(self.fetch(p, dashboard, columns=columns, now=now, variables=variables) for p in panels),
            return_exceptions=True,
        )
        out: list[PanelData | SourceError] = []
        for answer in answers:
            if isinstance(answer, SourceError | PanelData):
                out.append(answer)
            else:
                raise answer
        return out
