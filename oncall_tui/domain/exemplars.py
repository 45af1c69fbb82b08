"""From an alert to the traces behind it: its expression's exemplars, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from oncall_tui.models.prometheus import Exemplars


@dataclass(frozen=True, slots=True)
class ExemplarTrace:
    """One trace an exemplar points to."""

    trace_id: str
    """The linked trace id."""
    at: datetime
    """When the exemplar was observed (UTC)."""
    value: float
    """The observed value (for latency histograms: seconds)."""
    series: dict[str, str]
    """Labels of the series the exemplar belongs to."""


def expression_from_generator_url(url: str) -> str | None:
    """The PromQL expression of a Prometheus ``generatorURL`` (``/graph?g0.expr=…``), if it has one."""
    if not url:
        return None
    query = parse_qs(urlsplit(url).query)
    for key in ("g0.expr", "expr"):
        values = query.get(key)
        if values and values[0].strip():
            return values[0].strip()
    return None


def newest_traces(result: Exemplars, limit: int = 20) -> list[ExemplarTrace]:
    """Traces linked by the exemplars, newest first, one entry per trace id."""
    found: dict[str, ExemplarTrace] = {}
    for series in result.series:
        for exemplar in series.exemplars:
            trace_id = exemplar.trace_id
            if not trace_id:
                continue
            item = ExemplarTrace(
                trace_id=trace_id,
                at=datetime.fromtimestamp(exemplar.timestamp, UTC),
                value=exemplar.value,
                series=series.series_labels,
            )
            known = found.get(trace_id)
            if known is None or item.at > known.at:
                found[trace_id] = item
    return sorted(found.values(), key=lambda t: t.at, reverse=True)[:limit]
