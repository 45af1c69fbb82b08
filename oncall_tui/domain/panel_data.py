"""Query results of one panel → a frozen :class:`PanelData` ready to draw.

Each series is placed on the plan's grid (one value per column, None where Prometheus had
no point), named from its legend template, and judged against the thresholds; the series
are capped to the panel's top N by current value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from oncall_tui.config.dashboards import UnitName
from oncall_tui.domain.legend import render_legend, top_n
from oncall_tui.domain.panel_plan import SLO_FAST_BURN, SLO_SLOW_BURN, PanelPlan
from oncall_tui.domain.sparkline import align, bounds
from oncall_tui.domain.thresholds import ThresholdState, state_of, worst
from oncall_tui.models.prometheus import QueryResult, RangeSeries


@dataclass(frozen=True, slots=True)
class SeriesData:
    """One series of a panel, on the panel's grid."""

    legend: str
    """Name from the legend template."""
    labels: Mapping[str, str]
    """The series labels."""
    values: tuple[float | None, ...]
    """One value per grid column; None where there was no sample."""
    current: float | None
    """The last value in the window (None when the series has none)."""
    first: float | None
    """The first value in the window (for a stat panel's trend)."""
    low: float | None
    """Smallest value in the window."""
    high: float | None
    """Largest value in the window."""
    state: ThresholdState
    """Threshold state of the current value."""
    query: int = 0
    """Index of the query that returned it."""


@dataclass(frozen=True, slots=True)
class PanelData:
    """What a panel shows after one refresh; replaced wholesale by the next."""

    title: str
    """Panel title."""
    kind: str
    """Panel kind."""
    unit: UnitName
    """Unit of the values."""
    decimals: int | None
    """Fixed decimals, or None for automatic."""
    start: float
    """Unix seconds of the first column."""
    step: float
    """Seconds between columns."""
    columns: int
    """Number of columns."""
    series: tuple[SeriesData, ...] = ()
    """Series shown, highest current value first for sparkline/stat panels."""
    dropped: int = 0
    """Series left out by the top-N cap."""
    state: ThresholdState = "unknown"
    """Worst state of the series shown (SLO panels: from the burn rates)."""
    error: str | None = None
    """Prometheus's own error text when a query was rejected (bad PromQL, timeout)."""
    warnings: tuple[str, ...] = ()
    """Warnings Prometheus attached to the results."""
    queries: tuple[str, ...] = ()
    """The PromQL that ran (for ``y`` and the drill-down)."""
    stale: str | None = None
    """Why the data is old (source down); None while fresh."""
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    """Panel-kind specific facts as (label, text), e.g. SLO burn rates."""

    @property
    def headline(self) -> SeriesData | None:
        """The series whose current value the panel shows big: the first one."""
        return self.series[0] if self.series else None

    def as_stale(self, reason: str) -> PanelData:
        """The same data marked stale (the source failed; keep showing the last values)."""
        return replace(self, stale=reason)

    def same_picture(self, other: PanelData | None) -> bool:
        """True when ``other`` would draw exactly the same (so the panel need not repaint).

        The grid's times and the PromQL text are not drawn: a refresh that moved the window
        but brought the same values changes nothing on screen.
        """
        if other is None:
            return False
        drawn = (self.title, self.kind, self.unit, self.decimals, self.series, self.dropped, self.state)
        more = (self.error, self.stale, self.extra)
        return drawn == (
            other.title,
            other.kind,
            other.unit,
            other.decimals,
            other.series,
            other.dropped,
            other.state,
        ) and more == (other.error, other.stale, other.extra)


def _float_values(series: RangeSeries) -> tuple[list[float], list[float]]:
    if series.values or not series.histograms:
        return series.timestamps, series.values
    # A query that returns native histograms has no float line: draw their observation count.
    return [p.timestamp for p in series.histograms], [p.histogram.count for p in series.histograms]


def _last(values: Sequence[float | None]) -> float | None:
    return next((v for v in reversed(values) if v is not None), None)


def _first(values: Sequence[float | None]) -> float | None:
    return next((v for v in values if v is not None), None)


def build_series(plan: PanelPlan, index: int, result: QueryResult) -> list[SeriesData]:
    """The series of one query's range result, on the plan's grid."""
    legend = plan.queries[index].legend
    out: list[SeriesData] = []
    for item in result.matrix:
        timestamps, values = _float_values(item)
        grid = tuple(align(timestamps, values, plan.start, plan.step, plan.columns))
        current = _last(grid)
        found = bounds(grid)
        out.append(
            SeriesData(
                legend=render_legend(legend, item.metric),
                labels=item.metric,
                values=grid,
                current=current,
                first=_first(grid),
                low=found[0] if found else None,
                high=found[1] if found else None,
                state=state_of(current, plan.thresholds),
                query=index,
            )
        )
    return out


def build_panel_data(
    plan: PanelPlan,
    results: Sequence[QueryResult | str],
) -> PanelData:
    """Combine the results of ``plan.queries`` (a result, or Prometheus's error text) into PanelData."""
    series: list[SeriesData] = []
    errors: list[str] = []
    warnings: list[str] = []
    for index, result in enumerate(results):
        if isinstance(result, str):
            errors.append(result)
            continue
        warnings.extend(result.warnings)
        series.extend(build_series(plan, index, result))
    if plan.rank_series:
        # Worst first: when low values are bad (free memory, Apdex), the lowest leads.
        sign = -1.0 if plan.thresholds is not None and plan.thresholds.direction == "below" else 1.0
        kept, dropped = top_n(
            series, plan.max_series, lambda s: None if s.current is None else sign * s.current
        )
    else:
        kept, dropped = series[: plan.max_series], max(0, len(series) - plan.max_series)
    extra: tuple[tuple[str, str], ...] = ()
    state = worst([s.state for s in kept])
    if plan.kind == "slo":
        state, extra = _slo_state(kept, worst([s.state for s in kept if s.query == 0]))
    return PanelData(
        title=plan.title,
        kind=plan.kind,
        unit=plan.unit,
        decimals=plan.decimals,
        start=plan.start,
        step=plan.step,
        columns=plan.columns,
        series=tuple(kept),
        dropped=dropped,
        state=state,
        error="; ".join(dict.fromkeys(errors)) or None,
        warnings=tuple(dict.fromkeys(warnings)),
        queries=tuple(q.expr for q in plan.queries),
        extra=extra,
    )


def _slo_state(
    series: list[SeriesData], budget_state: ThresholdState
) -> tuple[ThresholdState, tuple[tuple[str, str], ...]]:
    """Multi-window burn: critical above 14.4 over 1 h, warning above 6 over 6 h, else the budget's state."""
    by_query = {s.query: s.current for s in series}
    fast, slow = by_query.get(1), by_query.get(2)
    state: ThresholdState = budget_state
    if fast is not None and not math.isnan(fast) and fast > SLO_FAST_BURN:
        state = "critical"
    elif slow is not None and not math.isnan(slow) and slow > SLO_SLOW_BURN and state != "critical":
        state = "warning"
    facts = tuple(
        (name, "–" if value is None else f"{value:.1f}x")
        for name, value in (("burn 1h", fast), ("burn 6h", slow))
    )
    return state, facts
