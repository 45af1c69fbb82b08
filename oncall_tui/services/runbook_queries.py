"""A runbook step's PromQL, run against the context's Prometheus: recent values and the current one.

One range query over the last :data:`QUERY_WINDOW` gives both the sparkline and the current value
(its last point). A query that returns several series shows the first one in label order and says how
many there are; a failed or empty query says why instead of raising.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.errors import OncallError

QUERY_WINDOW = timedelta(minutes=30)
"""How far back a step's query is drawn."""
QUERY_STEP = timedelta(seconds=30)
"""Resolution of the drawn query (61 points over the window)."""
QUERY_EVAL_TIMEOUT = 10.0
"""Seconds Prometheus may spend evaluating a runbook query (they can be heavy: ``[3d]`` rates)."""


@dataclass(frozen=True, slots=True)
class QuerySample:
    """What a step's query showed."""

    expr: str
    """The PromQL, as run."""
    values: tuple[float, ...] = ()
    """The shown series over the window, oldest first (NaN where it had no point)."""
    current: float | None = None
    """The latest value of the shown series; None when there is none."""
    series: int = 0
    """How many series the query returned."""
    labels: dict[str, str] = field(default_factory=dict)
    """Labels of the shown series."""
    error: str = ""
    """Why there is nothing to show (the query failed); empty otherwise."""

    def describe(self) -> str:
        """One line: ``current 0.042 · 3 series`` / ``no data`` / the error."""
        if self.error:
            return self.error
        if self.current is None:
            return "no data in the last 30m" if not self.series else "no current value"
        more = f" · {self.series} series" if self.series > 1 else ""
        return f"current {format_value(self.current)}{more}"


def format_value(value: float) -> str:
    """A value as people read it: ``0.0421``, ``12.5``, ``1.2e+06``, ``NaN``."""
    if math.isnan(value) or math.isinf(value):
        return str(value)
    if value != 0 and (abs(value) >= 1e6 or abs(value) < 1e-3):
        return f"{value:.3g}"
    return f"{value:.4g}"


async def sample_query(client: PrometheusClient, expr: str, now: datetime) -> QuerySample:
    """Run ``expr`` over the last :data:`QUERY_WINDOW` ending at ``now``."""
    start = now - QUERY_WINDOW
    try:
        result = await client.query_range(expr, start, now, QUERY_STEP, eval_timeout=QUERY_EVAL_TIMEOUT)
    except OncallError as error:
        return QuerySample(expr, error=f"query failed: {error.message}")
    if result.result_type == "scalar" and result.scalar is not None:
        return QuerySample(expr, (result.scalar.value,), result.scalar.value, 1)
    matrix = sorted(result.matrix, key=lambda s: sorted(s.metric.items()))
    shown = next((s for s in matrix if s.values), None)
    if shown is None:
        return QuerySample(expr, series=len(matrix))
    steps = round(QUERY_WINDOW / QUERY_STEP) + 1
    values = [math.nan] * steps
    origin = start.timestamp()
    width = QUERY_STEP.total_seconds()
    for ts, value in zip(shown.timestamps, shown.values, strict=False):
        index = round((ts - origin) / width)
        if 0 <= index < steps:
            values[index] = value
    return QuerySample(expr, tuple(values), shown.values[-1], len(matrix), dict(shown.metric))
