"""An alert's past: its firing history from Prometheus, and the traces its rule's exemplars link.

The history is Prometheus' ``ALERTS`` series of the alert (``ALERTS_FOR_STATE`` when
``ALERTS`` has none) over the last 24 h: 1 while it fired, 0.5 while pending. When the
query fails, the History says why instead of raising.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from oncall_tui.clients.prometheus import PrometheusClient
from oncall_tui.domain.durations import format_age
from oncall_tui.domain.exemplars import ExemplarTrace, expression_from_generator_url, newest_traces
from oncall_tui.domain.matchers import quote
from oncall_tui.errors import OncallError
from oncall_tui.models.prometheus import RangeSeries

HISTORY_WINDOW = timedelta(hours=24)
"""How far back the firing history goes."""
HISTORY_STEP = timedelta(minutes=10)
"""Resolution of the history query (145 points; the sparkline folds them to its width)."""


@dataclass(frozen=True, slots=True)
class History:
    """The firing history of one alert, or why there is none."""

    values: tuple[float, ...] = ()
    """One value per step, oldest first: 1 firing, 0.5 pending, 0 quiet."""
    note: str = ""
    """Summary line, or the reason the history is missing."""
    ok: bool = True
    """False when Prometheus was absent or failed (the note says why)."""
    traces: tuple[ExemplarTrace, ...] = ()
    """Traces linked by exemplars of the alert's expression, newest first."""
    traces_note: str = ""
    """What the exemplar lookup found, or why it found nothing."""


def _belongs(series: RangeSeries, labels: Mapping[str, str]) -> bool:
    # ALERTS carries the rule's labels; Alertmanager adds external labels, so the series' are a subset.
    return all(labels.get(k) == v for k, v in series.metric.items() if k not in ("__name__", "alertstate"))


def fold_history(series: Sequence[RangeSeries], start: datetime, steps: int, step: timedelta) -> list[float]:
    """Per step: 1 if any matching series fired, 0.5 if only pending, else 0."""
    values = [0.0] * steps
    origin = start.timestamp()
    width = step.total_seconds()
    for item in series:
        level = 0.5 if item.metric.get("alertstate") == "pending" else 1.0
        for ts in item.timestamps:
            index = round((ts - origin) / width)
            if 0 <= index < steps:
                values[index] = max(values[index], level)
    return values


def describe_history(values: Sequence[float], step: timedelta) -> str:
    """``fired 3 times, 2h10m in the last 24h`` from the folded values."""
    firing = [v >= 1.0 for v in values]
    periods = sum(1 for i, f in enumerate(firing) if f and (i == 0 or not firing[i - 1]))
    total = step * sum(firing)
    if not periods:
        return "did not fire in the last 24 h"
    times = "once" if periods == 1 else f"{periods} times"
    return f"fired {times}, about {format_age(total)} in total over the last 24 h"


EXEMPLAR_WINDOW = timedelta(hours=1)
"""How far back exemplars of the alert's expression are looked up (Prometheus keeps few)."""


async def fetch_history(
    client: PrometheusClient, labels: Mapping[str, str], now: datetime, generator_url: str = ""
) -> History:
    """The alert's firing history over the last 24 h, and the traces its expression's exemplars link."""
    history = await _firing_history(client, labels, now)
    traces, note = await fetch_exemplar_traces(client, generator_url, now)
    return replace(history, traces=traces, traces_note=note)


async def fetch_exemplar_traces(
    client: PrometheusClient, generator_url: str, now: datetime
) -> tuple[tuple[ExemplarTrace, ...], str]:
    """Exemplar traces of the rule expression named in ``generatorURL``, with a one-line note."""
    expression = expression_from_generator_url(generator_url)
    if expression is None:
        return (), "no rule expression in the generator URL: no exemplar traces"
    try:
        result = await client.exemplars(expression, now - EXEMPLAR_WINDOW, now)
    except OncallError as exc:
        return (), f"exemplars unavailable: {exc.message}"
    traces = tuple(newest_traces(result))
    if not traces:
        return (), "no exemplars for the rule's expression in the last hour"
    return traces, f"{len(traces)} trace(s) from exemplars · x opens the newest"


async def _firing_history(client: PrometheusClient, labels: Mapping[str, str], now: datetime) -> History:
    """Query ``ALERTS`` (then ``ALERTS_FOR_STATE``) for the alert over the last 24 h."""
    start = now - HISTORY_WINDOW
    steps = int(HISTORY_WINDOW / HISTORY_STEP) + 1
    name = labels.get("alertname", "")
    for metric in ("ALERTS", "ALERTS_FOR_STATE"):
        query = f"{metric}{{alertname={quote(name)}}}"
        try:
            result = await client.query_range(query, start, now, HISTORY_STEP)
        except OncallError as exc:
            return History(note=f"history unavailable: Prometheus: {exc.message}", ok=False)
        mine = [s for s in result.matrix if _belongs(s, labels)]
        if mine:
            values = fold_history(mine, start, steps, HISTORY_STEP)
            return History(tuple(values), f"{describe_history(values, HISTORY_STEP)} ({metric})")
    return History(note="no ALERTS series for this alert in Prometheus (its rule may run elsewhere)")
