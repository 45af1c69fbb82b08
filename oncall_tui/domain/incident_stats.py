"""Figures from the incident log: MTTA, MTTR and time to detect per severity, and alert noise.

Definitions (pure functions; ``now`` is passed in):

- **Time to acknowledge** of an incident: its first acknowledgement minus its opening
  (``acknowledged_at - created_at``); only acknowledged incidents count.
- **Time to resolve**: ``resolved_at - created_at``; only resolved incidents count.
- **Time to detect**: the first acknowledgement minus the start of the incident's earliest
  linked alert, where that start is known (the post-mortem's "detection").
- An incident is in the window of N days when it was opened at or after ``now - N days``.
- For each figure: mean, median (the mean of the two middle values for an even count), p90
  (nearest rank: the smallest value with at least 90% of the values at or below it), and the
  count they stand on. Negative spans (clocks that disagree) are left out rather than averaged in.
- **Alert noise** per alertname over the firings that started in the window: how many fired,
  how many were acknowledged (an ``ack`` timeline entry naming the firing's fingerprint, at or
  after its start and before the same alert fired again), the share of those whose first ack was
  marked ``not_actionable``, and the median time from the firing's start to its first ack.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from oncall_tui.domain.durations import format_duration
from oncall_tui.domain.severity import NONE
from oncall_tui.models.incident import TimelineEntry, TimelineKind
from oncall_tui.models.incident_record import AlertFiring, IncidentRecord

WINDOWS: tuple[int, ...] = (7, 30, 90)
"""Days covered by the report's columns by default."""

SEVERITY_ORDER: tuple[str, ...] = ("critical", "warning", "info", NONE)
"""Severities in report order; others follow alphabetically, then the ``all`` row."""

ALL = "all"
"""Severity name of the row over every incident."""


@dataclass(frozen=True, slots=True)
class Figure:
    """Summary of a set of durations."""

    count: int
    """How many durations it stands on."""
    mean: timedelta | None
    """Mean (None without data)."""
    median: timedelta | None
    """Median (None without data)."""
    p90: timedelta | None
    """90th percentile, nearest rank (None without data)."""


@dataclass(frozen=True, slots=True)
class SeverityFigures:
    """MTTA, MTTR and time to detect of one severity over one window."""

    severity: str
    """Severity value, or ``all``."""
    days: int
    """Window length in days."""
    incidents: int
    """Incidents opened in the window."""
    tta: Figure
    """Time to acknowledge."""
    ttr: Figure
    """Time to resolve."""
    ttd: Figure
    """Time to detect (only incidents whose first alert's start is known)."""


@dataclass(frozen=True, slots=True)
class NoiseRow:
    """How noisy one alert is."""

    alertname: str
    """The ``alertname`` label."""
    fired: int
    """Firings that started in the window."""
    acked: int
    """Of those, how many were acknowledged."""
    not_actionable: int
    """Of the acknowledged, how many were marked not actionable at their first ack."""
    median_tta: timedelta | None
    """Median time from start to first ack (None if none was acked)."""

    @property
    def not_actionable_share(self) -> float | None:
        """``not_actionable / acked`` (None if none was acked)."""
        return self.not_actionable / self.acked if self.acked else None


@dataclass(frozen=True, slots=True)
class Report:
    """Everything ``oncall-tui report`` and the Report screen show."""

    now: datetime
    """When it was computed (UTC)."""
    windows: tuple[int, ...]
    """Window lengths in days, shortest first."""
    figures: tuple[SeverityFigures, ...]
    """Per window (in ``windows`` order), per severity (in ``SEVERITY_ORDER``, then ``all``)."""
    noise_days: int
    """Window of the noise table (the longest)."""
    noise: tuple[NoiseRow, ...]
    """Per alertname, most firings first."""


def summarize(values: Iterable[timedelta]) -> Figure:
    """Count, mean, median and nearest-rank p90 of ``values`` (negative ones left out)."""
    seconds = sorted(v.total_seconds() for v in values if v >= timedelta(0))
    if not seconds:
        return Figure(0, None, None, None)
    rank = max(1, math.ceil(0.9 * len(seconds)))
    return Figure(
        count=len(seconds),
        mean=timedelta(seconds=statistics.fmean(seconds)),
        median=timedelta(seconds=statistics.median(seconds)),
        p90=timedelta(seconds=seconds[rank - 1]),
    )


def severity_figures(records: Sequence[IncidentRecord], now: datetime, days: int) -> list[SeverityFigures]:
    """One row per severity present in the window (in report order), then ``all``."""
    since = now - timedelta(days=days)
    inside = [r for r in records if r.incident.created_at >= since]
    present = {r.incident.severity for r in inside}
    order = [s for s in SEVERITY_ORDER if s in present] + sorted(present - set(SEVERITY_ORDER))
    rows = [_figures(s, days, [r for r in inside if r.incident.severity == s]) for s in order]
    rows.append(_figures(ALL, days, inside))
    return rows


def _figures(severity: str, days: int, records: Sequence[IncidentRecord]) -> SeverityFigures:
    tta: list[timedelta] = []
    ttr: list[timedelta] = []
    ttd: list[timedelta] = []
    for record in records:
        incident = record.incident
        if incident.acknowledged_at is not None:
            tta.append(incident.acknowledged_at - incident.created_at)
            start = record.first_alert_start
            if start is not None:
                ttd.append(incident.acknowledged_at - start)
        if incident.resolved_at is not None:
            ttr.append(incident.resolved_at - incident.created_at)
    return SeverityFigures(severity, days, len(records), summarize(tta), summarize(ttr), summarize(ttd))


def noise(
    firings: Iterable[AlertFiring], acks: Iterable[TimelineEntry], now: datetime, days: float
) -> list[NoiseRow]:
    """Alert noise per alertname over firings that started in the last ``days`` (see the module doc)."""
    since = now - timedelta(days=days)
    every = sorted(set(firings), key=lambda f: (f.fingerprint, f.starts_at))
    ack_times: dict[str, list[TimelineEntry]] = {}
    for entry in sorted(acks, key=lambda e: (e.at, e.id)):
        if entry.kind != TimelineKind.ACK:
            continue
        for fingerprint in entry.data.get("fingerprints", []):
            ack_times.setdefault(str(fingerprint), []).append(entry)
    fired: dict[str, int] = {}
    acked: dict[str, list[timedelta]] = {}
    useless: dict[str, int] = {}
    for i, firing in enumerate(every):
        nxt = every[i + 1] if i + 1 < len(every) else None
        ends = nxt.starts_at if nxt is not None and nxt.fingerprint == firing.fingerprint else None
        if firing.starts_at < since:
            continue
        name = firing.alertname
        fired[name] = fired.get(name, 0) + 1
        first = next(
            (
                e
                for e in ack_times.get(firing.fingerprint, [])
                if e.at >= firing.starts_at and (ends is None or e.at < ends)
            ),
            None,
        )
        if first is None:
            continue
        acked.setdefault(name, []).append(first.at - firing.starts_at)
        if first.data.get("not_actionable") is True:
            useless[name] = useless.get(name, 0) + 1
    rows = [
        NoiseRow(
            alertname=name,
            fired=count,
            acked=len(acked.get(name, [])),
            not_actionable=useless.get(name, 0),
            median_tta=summarize(acked.get(name, [])).median,
        )
        for name, count in fired.items()
    ]
    return sorted(rows, key=lambda r: (-r.fired, r.alertname))


def build_report(
    records: Sequence[IncidentRecord],
    firings: Iterable[AlertFiring],
    acks: Iterable[TimelineEntry],
    now: datetime,
    windows: Sequence[int] = WINDOWS,
) -> Report:
    """The whole report: figures for each window, noise over the longest."""
    spans = tuple(sorted(set(windows)))
    if not spans or spans[0] <= 0:
        raise ValueError("report windows must be positive numbers of days")
    figures = tuple(row for days in spans for row in severity_figures(records, now, days))
    return Report(now, spans, figures, spans[-1], tuple(noise(firings, acks, now, spans[-1])))


def short_duration(value: timedelta | None) -> str:
    """``1h5m``-style, rounded to whole seconds (minutes from an hour up); ``—`` for None."""
    if value is None:
        return "—"
    seconds = round(value.total_seconds())
    if seconds >= 3600:
        seconds = round(seconds / 60) * 60
    return format_duration(timedelta(seconds=seconds))


def figure_text(figure: Figure) -> str:
    """``mean / median / p90 (n)``, e.g. ``2m / 2m / 3m (3)``; ``— (0)`` without data."""
    if figure.count == 0:
        return "— (0)"
    parts = (short_duration(figure.mean), short_duration(figure.median), short_duration(figure.p90))
    return f"{' / '.join(parts)} ({figure.count})"


def figure_json(figure: Figure) -> dict[str, float | int | None]:
    """``count`` and ``mean``/``median``/``p90`` in seconds (None without data), for ``--json``."""

    def seconds(value: timedelta | None) -> float | None:
        return None if value is None else round(value.total_seconds(), 3)

    return {
        "count": figure.count,
        "mean_seconds": seconds(figure.mean),
        "median_seconds": seconds(figure.median),
        "p90_seconds": seconds(figure.p90),
    }


def report_json(report: Report) -> dict[str, Any]:
    """The report as plain JSON-ready data (``oncall-tui report --json``)."""
    return {
        "now": report.now.isoformat(),
        "windows": list(report.windows),
        "figures": [
            {
                "days": row.days,
                "severity": row.severity,
                "incidents": row.incidents,
                "mtta": figure_json(row.tta),
                "mttr": figure_json(row.ttr),
                "time_to_detect": figure_json(row.ttd),
            }
            for row in report.figures
        ],
        "noise_days": report.noise_days,
        "noise": [
            {
                "alertname": row.alertname,
                "fired": row.fired,
                "acked": row.acked,
                "not_actionable": row.not_actionable,
                "not_actionable_share": row.not_actionable_share,
                "median_time_to_ack_seconds": None
                if row.median_tta is None
                else round(row.median_tta.total_seconds(), 3),
            }
            for row in report.noise
        ],
    }
