"""From an alert to the traces behind it: its expression's exemplars, failed requests first for errors."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from oncall_tui.models.prometheus import Exemplars

_STATUS_LABELS = ("code", "status_code", "http_status_code", "http_response_status_code", "status")
"""Labels that carry an HTTP status on request metrics (Prometheus client libraries, OpenTelemetry)."""
_OUTCOME_LABELS = ("status", "outcome", "result", "otel_status_code", "error", "grpc_code")
"""Labels that carry a request's outcome as a word."""
_FAILED_WORDS = frozenset(
    {"error", "failure", "failed", "fail", "true", "internal", "unavailable", "unknown"}
)
"""Outcome words that mean the request failed (``error="true"``, ``otel_status_code="ERROR"``…)."""
_ERROR_EXPRESSION = re.compile(r"error|fail|5xx|(?:code|status)\w*\s*=~?\s*[\"']?5", re.IGNORECASE)
"""What makes an expression about failed requests: an error/failure name or a 5xx status matcher."""


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
    error: bool = False
    """An exemplar of this trace sits on a series of failed requests (5xx, ``status="error"``…)."""


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


def is_about_errors(expression: str, alertname: str = "") -> bool:
    """Whether an alert's expression (or, failing that, its name) is about failed requests."""
    return bool(_ERROR_EXPRESSION.search(expression) or _ERROR_EXPRESSION.search(alertname))


def is_error_series(labels: Mapping[str, str]) -> bool:
    """Whether a series counts failed requests: a 5xx status, or an outcome word that means failure."""
    for name in _STATUS_LABELS:
        value = labels.get(name, "")
        if len(value) == 3 and value.startswith("5") and value.isdigit():
            return True
    return any(labels.get(name, "").lower() in _FAILED_WORDS for name in _OUTCOME_LABELS)


def newest_traces(result: Exemplars, limit: int = 20, *, prefer_errors: bool = False) -> list[ExemplarTrace]:
    """Traces linked by the exemplars, one entry per trace id, newest first.

    With ``prefer_errors`` (an alert about failed requests), traces of failed requests come
    first, newest first, then the others: the newest exemplar of an error-rate expression is
    usually a healthy request, which is not what the engineer is looking for.
    """
    found: dict[str, ExemplarTrace] = {}
    for series in result.series:
        error = is_error_series(series.series_labels)
        for exemplar in series.exemplars:
            trace_id = exemplar.trace_id
            if not trace_id:
                continue
            at = datetime.fromtimestamp(exemplar.timestamp, UTC)
            known = found.get(trace_id)
            if known is None or at > known.at:
                found[trace_id] = ExemplarTrace(
                    trace_id=trace_id,
                    at=at,
                    value=exemplar.value,
                    series=series.series_labels,
                    error=error or (known is not None and known.error),
                )
            elif error and not known.error:
                found[trace_id] = ExemplarTrace(known.trace_id, known.at, known.value, known.series, True)
    ordered = sorted(found.values(), key=lambda t: t.at, reverse=True)
    if prefer_errors:
        ordered.sort(key=lambda t: not t.error)  # stable: newest first within each kind
    return ordered[:limit]
