"""Fetch what the drill-down draws: every series of a panel's queries at full resolution, the baseline
(the same queries ``offset 1d``/``1w``), and the exemplars of the range.

Full resolution means one point per scrape (or coarser, to stay under Prometheus's 11,000 points a
series), so spikes are in the data; the chart then keeps the min and max of each column.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.domain.drilldown import MAX_POINTS, TimeRange
from oncall_tui.domain.exemplars import ExemplarTrace, newest_traces
from oncall_tui.domain.legend import render_legend, top_n
from oncall_tui.domain.promql import with_offset
from oncall_tui.errors import SourceError
from oncall_tui.models.prometheus import QueryResult
from oncall_tui.services.panel_data import prometheus_error_text

MAX_EXEMPLARS = 50
"""Exemplars listed under the chart."""


@dataclass(frozen=True, slots=True)
class ChartSeries:
    """One line of the chart."""

    legend: str
    """Name from the legend template."""
    labels: dict[str, str]
    """The series labels."""
    timestamps: tuple[float, ...]
    """Unix seconds, ascending."""
    values: tuple[float, ...]
    """Values, parallel to ``timestamps`` (NaN kept: it is a gap)."""

    @property
    def current(self) -> float | None:
        """The last non-NaN value."""
        return next((v for v in reversed(self.values) if not math.isnan(v)), None)


@dataclass(frozen=True, slots=True)
class ChartData:
    """Everything one drill-down draws."""

    range: TimeRange
    """The time range shown."""
    step: float
    """Seconds between points."""
    queries: tuple[str, ...]
    """The PromQL that ran."""
    series: tuple[ChartSeries, ...] = ()
    """Series, highest current value first, capped."""
    dropped: int = 0
    """Series left out by the cap."""
    baseline: tuple[ChartSeries, ...] = ()
    """The same series ``offset`` earlier, timestamps moved forward onto this range (empty when off)."""
    offset: str | None = None
    """Baseline offset (``1d``, ``1w``) or None."""
    exemplars: tuple[ExemplarTrace, ...] = ()
    """Exemplars of the range, newest first."""
    error: str | None = None
    """Prometheus's error text when a query was rejected."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    """Warnings (from Prometheus, or an exemplar query that failed)."""


def _series(results: Sequence[QueryResult], legends: Sequence[str], shift: float = 0.0) -> list[ChartSeries]:
    out: list[ChartSeries] = []
    for result, legend in zip(results, legends, strict=True):
        for item in result.matrix:
            timestamps = item.timestamps or [p.timestamp for p in item.histograms]
            values = item.values or [p.histogram.count for p in item.histograms]
            out.append(
                ChartSeries(
                    render_legend(legend, item.metric),
                    item.metric,
                    tuple(t + shift for t in timestamps),
                    tuple(values),
                )
            )
    return out


async def fetch_chart(
    client: PrometheusClient,
    queries: Sequence[tuple[str, str]],
    time_range: TimeRange,
    *,
    max_series: int = 10,
    baseline: str | None = None,
    scrape_interval: float = 15.0,
    max_points: int = MAX_POINTS,
    with_exemplars: bool = True,
) -> ChartData:
    """Fetch ``(expr, legend)`` queries over ``time_range`` (and the baseline and exemplars).

    ``max_points`` per series bounds the resolution (a slow store, such as the demo's, wants fewer).

    Raises SourceError when Prometheus cannot be reached; a rejected query is the data's ``error``.
    """
    step = time_range.step_seconds(scrape_interval, max_points)
    exprs = [expr for expr, _ in queries]
    legends = [legend for _, legend in queries]
    offsets = {"1d": timedelta(days=1), "1w": timedelta(weeks=1)}
    shifted = [with_offset(e, offsets[baseline]) for e in exprs] if baseline in offsets else []
    calls = [client.query_range(e, time_range.start, time_range.end, step) for e in (*exprs, *shifted)]
    answers = await asyncio.gather(*calls, return_exceptions=True)
    results: list[QueryResult] = []
    errors: list[str] = []
    for answer in answers:
        if isinstance(answer, SourceError) and answer.kind == "api":
            errors.append(prometheus_error_text(answer))
            results.append(QueryResult("matrix"))
        elif isinstance(answer, BaseException):
            raise answer
        else:
            results.append(answer)
    now_series = _series(results[: len(exprs)], legends)
    kept, dropped = top_n(now_series, max_series, lambda s: s.current)
    baseline_series: list[ChartSeries] = []
    if shifted and baseline is not None:
        # Baseline series of the kept lines only, drawn on today's time axis.
        wanted = {tuple(sorted(s.labels.items())) for s in kept}
        shift = offsets[baseline].total_seconds()
        baseline_series = [
            s
            for s in _series(results[len(exprs) :], legends, shift)
            if tuple(sorted(s.labels.items())) in wanted
        ]
    notes = [w for r in results for w in r.warnings]
    exemplars: list[ExemplarTrace] = []
    if with_exemplars:
        exemplars, note = await _exemplars(client, exprs, time_range)
        if note:
            notes.append(note)
    return ChartData(
        range=time_range,
        step=step,
        queries=tuple(exprs),
        series=tuple(kept),
        dropped=dropped,
        baseline=tuple(baseline_series),
        offset=baseline if shifted else None,
        exemplars=tuple(exemplars),
        error="; ".join(dict.fromkeys(errors)) or None,
        notes=tuple(dict.fromkeys(notes)),
    )


async def _exemplars(
    client: PrometheusClient, exprs: Sequence[str], time_range: TimeRange
) -> tuple[list[ExemplarTrace], str | None]:
    answers = await asyncio.gather(
        *(client.exemplars(e, time_range.start, time_range.end) for e in exprs), return_exceptions=True
    )
    found: dict[str, ExemplarTrace] = {}
    note = None
    for answer in answers:
        if isinstance(answer, SourceError):
            # Older servers or stores without exemplar storage: the chart still works.
            note = f"exemplars unavailable: {prometheus_error_text(answer)}"
            continue
        if isinstance(answer, BaseException):
            raise answer
        for trace in newest_traces(answer, MAX_EXEMPLARS):
            found.setdefault(trace.trace_id, trace)
    ordered = sorted(found.values(), key=lambda t: t.at, reverse=True)[:MAX_EXEMPLARS]
    return ordered, note
