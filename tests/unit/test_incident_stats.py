"""MTTA/MTTR/time to detect and alert noise, on hand-built timelines with hand-computed figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oncall_tui.domain.incident_stats import (
    Figure,
    NoiseRow,
    build_report,
    noise,
    severity_figures,
    summarize,
)
from oncall_tui.models.incident import Incident, IncidentStatus, TimelineEntry
from oncall_tui.models.incident_record import AlertFiring, IncidentFields, IncidentRecord, LinkedAlert

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def record(
    n: int,
    severity: str,
    opened_ago: timedelta,
    *,
    ack_after: float | None = None,
    resolve_after: float | None = None,
    alert_started_before: float | None = None,
) -> IncidentRecord:
    created = NOW - opened_ago
    acked = None if ack_after is None else created + ack_after * S
    resolved = None if resolve_after is None else created + resolve_after * S
    status = (
        IncidentStatus.RESOLVED
        if resolved
        else IncidentStatus.ACKNOWLEDGED
        if acked
        else IncidentStatus.TRIGGERED
    )
    incident = Incident(n, f"i{n}", severity, status, None, created, created, acked, None, resolved, 0)
    alerts: tuple[LinkedAlert, ...] = ()
    if alert_started_before is not None:
        alerts = (LinkedAlert(f"fp{n}", "X", created - alert_started_before * S, created),)
    return IncidentRecord(incident, IncidentFields(), None, alerts)


DAY = timedelta(days=1)
RECORDS = [
    record(1, "critical", 1 * DAY, ack_after=60, resolve_after=3600, alert_started_before=300),
    record(2, "critical", 2 * DAY, ack_after=180, resolve_after=600),
    record(3, "critical", 3 * DAY, ack_after=120),
    record(4, "critical", 20 * DAY, ack_after=600, resolve_after=7200),
    record(5, "warning", 5 * DAY),
    record(6, "warning", 60 * DAY, ack_after=30, resolve_after=90),
]


def fig(count: int, mean: float, median: float, p90: float) -> Figure:
    return Figure(count, mean * S, median * S, p90 * S)


def test_seven_days_per_severity() -> None:
    rows = {row.severity: row for row in severity_figures(RECORDS, NOW, 7)}
    assert list(rows) == ["critical", "warning", "all"]
    critical = rows["critical"]
    assert critical.incidents == 3
    assert critical.tta == fig(3, 120, 120, 180)  # 60, 120, 180
    assert critical.ttr == fig(2, 2100, 2100, 3600)  # 600, 3600
    assert critical.ttd == fig(1, 360, 360, 360)  # alert started 300 s before opening, acked 60 s after
    assert rows["warning"].incidents == 1
    assert rows["warning"].tta == Figure(0, None, None, None)
    assert rows["all"].incidents == 4
    assert rows["all"].tta == critical.tta


def test_thirty_and_ninety_days() -> None:
    thirty = {row.severity: row for row in severity_figures(RECORDS, NOW, 30)}
    assert thirty["critical"].tta == fig(4, 240, 150, 600)  # 60 120 180 600: median (120+180)/2
    assert thirty["critical"].ttr == fig(3, 3800, 3600, 7200)  # 600 3600 7200
    ninety = {row.severity: row for row in severity_figures(RECORDS, NOW, 90)}
    assert ninety["all"].incidents == 6
    assert ninety["all"].tta == fig(5, 198, 120, 600)  # 30 60 120 180 600
    assert ninety["all"].ttr == fig(4, 2872.5, 2100, 7200)  # 90 600 3600 7200
    assert ninety["warning"].ttr == fig(1, 90, 90, 90)


def test_the_window_includes_its_first_instant() -> None:
    edge = [record(1, "info", 7 * DAY, ack_after=10), record(2, "info", 7 * DAY + S, ack_after=20)]
    (info, _) = severity_figures(edge, NOW, 7)
    assert (info.severity, info.incidents, info.tta.count) == ("info", 1, 1)


def test_p90_is_nearest_rank_and_negative_spans_are_left_out() -> None:
    assert summarize([n * S for n in range(1, 11)]).p90 == 9 * S
    assert summarize([n * S for n in range(1, 21)]).p90 == 18 * S
    assert summarize([-5 * S, 4 * S]) == fig(1, 4, 4, 4)
    assert summarize([]) == Figure(0, None, None, None)


def ack(n: int, at: datetime, fingerprints: list[str], **data: object) -> TimelineEntry:
    return TimelineEntry(n, 1, at, "ack", "ann", "ack", {"fingerprints": fingerprints, **data})


M = timedelta(minutes=1)
H = timedelta(hours=1)
FIRINGS = [
    AlertFiring("a", NOW - 2 * H, "DiskFull"),
    AlertFiring("a", NOW - 1 * H, "DiskFull"),  # the same alert firing again
    AlertFiring("b", NOW - 30 * M, "DiskFull"),  # never acked
    AlertFiring("c", NOW - 3 * H, "Latency"),
    AlertFiring("d", NOW - 100 * DAY, "Old"),  # outside the window
]
ACKS = [
    ack(1, NOW - 3 * H, ["a"]),  # before "a" fired: not an ack of it
    ack(2, NOW - 3 * H + 2 * M, ["c"], not_actionable=False),
    ack(3, NOW - 2 * H + 5 * M, ["a", "x"], not_actionable=True),
    ack(4, NOW - 2 * H + 30 * M, ["a"]),  # a second ack of the first firing: only the first counts
    ack(5, NOW - 1 * H + 15 * M, ["a"]),
    ack(6, NOW - 100 * DAY + M, ["d"], not_actionable=True),
]


def test_noise_per_alertname() -> None:
    rows = noise(FIRINGS, ACKS, NOW, 90)
    assert rows == [
        NoiseRow("DiskFull", fired=3, acked=2, not_actionable=1, median_tta=10 * M),  # 5 and 15 minutes
        NoiseRow("Latency", fired=1, acked=1, not_actionable=0, median_tta=2 * M),
    ]
    assert rows[0].not_actionable_share == 0.5
    assert rows[1].not_actionable_share == 0.0
    assert NoiseRow("Quiet", 4, 0, 0, None).not_actionable_share is None


def test_noise_window_and_other_entry_kinds() -> None:
    silence = TimelineEntry(9, 1, NOW - 20 * M, "silence", "ann", "", {"fingerprints": ["b"]})
    rows = noise(FIRINGS, [*ACKS, silence], NOW, 1)
    assert [(r.alertname, r.fired, r.acked) for r in rows] == [("DiskFull", 3, 2), ("Latency", 1, 1)]
    rows = noise(FIRINGS, ACKS, NOW, 1.5 / 24)  # the last 90 minutes
    assert [(r.alertname, r.fired, r.acked) for r in rows] == [("DiskFull", 2, 1)]


def test_report_has_every_window_and_noise_over_the_longest() -> None:
    report = build_report(RECORDS, FIRINGS, ACKS, NOW, windows=(30, 7))
    assert report.windows == (7, 30)
    assert [(r.days, r.severity) for r in report.figures] == [
        (7, "critical"),
        (7, "warning"),
        (7, "all"),
        (30, "critical"),
        (30, "warning"),
        (30, "all"),
    ]
    assert report.noise_days == 30
    assert [r.alertname for r in report.noise] == ["DiskFull", "Latency"]
    with pytest.raises(ValueError, match="positive"):
        build_report(RECORDS, FIRINGS, ACKS, NOW, windows=(0,))
