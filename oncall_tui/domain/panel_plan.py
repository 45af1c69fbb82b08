"""A panel resolved for one fetch: its PromQL (variables substituted), time grid and display settings.

Pure: the same plan serves the dashboard grid (sparkline width columns), the drill-down
(chart width columns, any range), the baseline (``offset 1d``) and ``y`` (copy PromQL).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta

from oncall_tui.config.dashboards import (
    ApdexPanel,
    Panel,
    PercentilesPanel,
    SloPanel,
    StatPanel,
    Thresholds,
    UnitName,
)
from oncall_tui.domain import promql

DEFAULT_SCRAPE_INTERVAL = timedelta(seconds=15)
"""Assumed scrape interval for ``$__rate_interval`` when the server does not say."""
SLO_FAST_BURN = 14.4
"""Burn rate over 1 h that pages: 2% of a 30-day budget in one hour."""
SLO_SLOW_BURN = 6.0
"""Burn rate over 6 h that pages: 5% of a 30-day budget in six hours."""


@dataclass(frozen=True, slots=True)
class PlannedQuery:
    """One PromQL expression to run over the panel's grid."""

    expr: str
    """Ready to send: variables substituted."""
    legend: str
    """Legend template of its series."""


@dataclass(frozen=True, slots=True)
class PanelPlan:
    """Everything needed to fetch and show one panel over one time grid."""

    title: str
    """Panel title."""
    kind: str
    """Panel kind (``sparkline``, ``stat``, ``percentiles``, ``apdex``, ``slo``)."""
    unit: UnitName
    """Unit of the values."""
    decimals: int | None
    """Fixed decimals, or None for automatic."""
    thresholds: Thresholds | None
    """Thresholds of the current value."""
    max_series: int
    """Top-N cap."""
    rank_series: bool
    """Order series by current value (sparkline/stat) rather than query order (quantiles, SLO)."""
    queries: tuple[PlannedQuery, ...]
    """Expressions to run."""
    start: float
    """Unix seconds of the first column."""
    step: float
    """Seconds between columns."""
    columns: int
    """Number of columns (points per series)."""
    objective: float | None = None
    """SLO target (``slo`` panels only)."""

    @property
    def end(self) -> float:
        """Unix seconds of the last column."""
        return self.start + (self.columns - 1) * self.step

    def shifted(self, offset: timedelta) -> PanelPlan:
        """The same panel evaluated ``offset`` earlier, on the same grid (baseline overlay)."""
        queries = tuple(PlannedQuery(promql.with_offset(q.expr, offset), q.legend) for q in self.queries)
        return replace(self, queries=queries)


def grid(window: timedelta, columns: int, now: float, granularity: float = 1.0) -> tuple[float, float]:
    """``(start, step)`` of ``columns`` points covering ``window`` up to ``now``.

    The end is rounded down to a multiple of ``granularity`` (the scrape interval, or the
    step when that is shorter): the last point is at most one scrape old, and two refreshes
    within one scrape ask for the same points, so an unchanged panel need not be repainted.
    """
    columns = max(2, columns)
    # Whole seconds: no float drift between our grid and the server's (start + k*step).
    step = float(max(1, math.ceil(window.total_seconds() / columns)))
    unit = max(1.0, min(step, granularity))
    end = math.floor(now / unit) * unit
    return end - (columns - 1) * step, step


def plan_panel(
    panel: Panel,
    *,
    window: timedelta,
    columns: int,
    now: float,
    variables: Mapping[str, str],
    scrape_interval: timedelta = DEFAULT_SCRAPE_INTERVAL,
) -> PanelPlan:
    """Resolve ``panel`` over ``window`` ending at ``now`` with ``columns`` points."""
    start, step = grid(window, columns, now, scrape_interval.total_seconds())
    queries = resolved_queries(panel, window, timedelta(seconds=step), variables, scrape_interval)
    return PanelPlan(
        title=panel.title,
        kind=panel.kind,
        unit=panel.unit,
        decimals=panel.decimals,
        thresholds=_thresholds(panel),
        max_series=panel.max_series,
        rank_series=isinstance(panel, StatPanel) or panel.kind == "sparkline",
        queries=queries,
        start=start,
        step=step,
        columns=max(2, columns),
        objective=panel.objective if isinstance(panel, SloPanel) else None,
    )


def resolved_queries(
    panel: Panel,
    window: timedelta,
    step: timedelta,
    variables: Mapping[str, str],
    scrape_interval: timedelta = DEFAULT_SCRAPE_INTERVAL,
) -> tuple[PlannedQuery, ...]:
    """The panel's PromQL, its variables and the built-ins (``$__rate_interval``…) substituted."""
    values = {**promql.builtin_values(window, step, scrape_interval), **variables}
    return tuple(PlannedQuery(promql.substitute(e, values), legend) for e, legend in _expressions(panel))


def _thresholds(panel: Panel) -> Thresholds | None:
    if panel.thresholds is not None or not isinstance(panel, SloPanel):
        return panel.thresholds
    # Budget left: warning below a quarter, critical when spent.
    return Thresholds(warning=0.25, critical=0.0, direction="below")


def _expressions(panel: Panel) -> list[tuple[str, str]]:
    if isinstance(panel, PercentilesPanel):
        suffix = " ".join(f"{{{{{label}}}}}" for label in panel.by)
        return [
            (
                promql.histogram_quantile(
                    q, panel.histogram, panel.selector, panel.rate_window, panel.by, panel.histogram_type
                ),
                f"p{q * 100:g} {suffix}".strip(),
            )
            # Highest quantile first: the tail is what a latency panel's value and colour are about.
            for q in sorted(panel.quantiles, reverse=True)
        ]
    if isinstance(panel, ApdexPanel):
        expr = promql.apdex(
            panel.histogram,
            panel.satisfied,
            panel.tolerating_seconds,
            panel.selector,
            panel.rate_window,
            flavour=panel.histogram_type,
        )
        return [(expr, "apdex")]
    if isinstance(panel, SloPanel):
        allowed = 1 - panel.objective
        ratio = panel.error_ratio

        def over(window: timedelta) -> str:
            return promql.substitute(ratio, {"window": promql.prom_duration(window)})

        budget = promql.prom_duration(panel.slo_window)
        return [
            (f"1 - ({over(panel.slo_window)}) / {allowed:g}", f"budget left ({budget})"),
            (f"({over(timedelta(hours=1))}) / {allowed:g}", "burn 1h"),
            (f"({over(timedelta(hours=6))}) / {allowed:g}", "burn 6h"),
        ]
    return [(q.expr, q.legend) for q in panel.queries]
