"""``oncall-tui incidents list|show|export`` and ``oncall-tui report``: the incident log for scripts.

``incidents list --json`` prints a JSON list of incidents, newest first, each with ``id``,
``title``, ``severity``, ``status``, ``context``, ``owner``, the ISO times ``created_at``,
``acknowledged_at``, ``mitigated_at``, ``resolved_at``, ``time_to_ack_seconds``,
``time_to_resolve_seconds``, ``alerts`` (count) and ``alertnames``. ``incidents show ID --json``
prints one object with the same keys plus the post-mortem ``fields``, ``linked_alerts``,
``action_items`` and the ``timeline``. Output that carries the engineer's text (show, export) has
secrets scrubbed. Errors: one line on stderr, exit 2 for bad arguments, 1 for an unusable log.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from oncall_tui.clock import Clock, SystemClock
from oncall_tui.domain.durations import parse_duration
from oncall_tui.domain.incident_stats import WINDOWS, figure_text, report_json, short_duration
from oncall_tui.domain.postmortem import stamp
from oncall_tui.domain.redact import Redactor
from oncall_tui.errors import ConfigError, OncallError
from oncall_tui.models.incident import OPEN_STATUSES, IncidentStatus
from oncall_tui.models.incident_record import FIELD_LABELS, INCIDENT_FIELDS, IncidentSummary
from oncall_tui.store.db import Database
from oncall_tui.store.incident_records import IncidentRecords

EXIT_OK = 0
"""Done."""
EXIT_STORE = 1
"""The incident log could not be opened or has no such incident."""
EXIT_USAGE = 2
"""A bad argument (status, duration, days)."""

STATUS_CHOICES = ("open", *(s.value for s in IncidentStatus))
"""Values of ``--status``: a status, or ``open`` (anything not resolved)."""


def list_incidents(
    *,
    as_json: bool,
    status: str | None,
    since: str | None,
    database: Path | None = None,
    clock: Clock | None = None,
) -> int:
    """Print the incidents (newest first), filtered by status and age."""
    now = (clock or SystemClock()).now()
    try:
        start = now - parse_duration(since) if since else None
    except ValueError as error:
        return _fail(f"--since: {error}", EXIT_USAGE)
    statuses = OPEN_STATUSES if status == "open" else None if status is None else {IncidentStatus(status)}
    try:
        with Database.open(database) as db:
            rows = IncidentRecords(db, clock or SystemClock()).summaries(statuses=statuses, since=start)
    except OncallError as error:
        return _fail(str(error), EXIT_STORE)
    if as_json:
        _write(json.dumps([_summary_json(row) for row in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        _write("no incidents")
        return EXIT_OK
    table = [
        ("ID", "STATUS", "SEVERITY", "OPENED (UTC)", "TTA", "TTR", "ALERTS", "OWNER", "CONTEXT", "TITLE")
    ]
    for row in rows:
        incident = row.incident
        table.append(
            (
                f"#{incident.id}",
                incident.status.value,
                incident.severity,
                incident.created_at.strftime("%Y-%m-%d %H:%M"),
                short_duration(_tta(row)),
                short_duration(_ttr(row)),
                str(row.alert_count),
                row.owner or "—",
                row.context or "—",
                incident.title,
            )
        )
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]) - 1)]
    for line in table:
        _write(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False)) + "  " + line[-1]
        )
    return EXIT_OK


def show_incident(
    incident_id: int,
    *,
    as_json: bool,
    config_path: Path | None = None,
    database: Path | None = None,
    clock: Clock | None = None,
) -> int:
    """Print one incident with its fields, alerts, action items and timeline (secrets scrubbed)."""
    redactor = _redactor(config_path)
    try:
        with Database.open(database) as db:
            records = IncidentRecords(db, clock or SystemClock())
            record = records.record(incident_id)
            timeline = records.log.timeline(incident_id)
    except OncallError as error:
        return _fail(str(error), EXIT_STORE)
    incident = record.incident
    summary = IncidentSummary(
        incident=incident,
        owner=record.fields.owner,
        context=record.context,
        alert_count=len(record.alerts),
        first_alert_start=record.first_alert_start,
        alertnames=tuple(dict.fromkeys(a.alertname for a in record.alerts if a.alertname)),
    )
    if as_json:
        data = _summary_json(summary)
        data["fields"] = {name: record.fields.get(name) for name in INCIDENT_FIELDS}
        data["linked_alerts"] = [
            {"fingerprint": a.fingerprint, "alertname": a.alertname, "starts_at": _iso(a.starts_at)}
            for a in record.alerts
        ]
        data["action_items"] = [
            {
                "id": item.id,
                "text": item.text,
                "owner": item.owner,
                "due": item.due.isoformat() if item.due else None,
                "done": item.done,
            }
            for item in record.action_items
        ]
        data["timeline"] = [
            {"at": e.at.isoformat(), "actor": e.actor, "kind": e.kind, "text": e.text, "data": e.data}
            for e in timeline
        ]
        _write(redactor.scrub(json.dumps(data, ensure_ascii=False, indent=2)))
        return EXIT_OK
    lines = [
        f"#{incident.id} {incident.title}",
        f"status {incident.status.value} · severity {incident.severity} · context {record.context or '—'}"
        f" · owner {record.fields.owner or '—'}",
        f"opened {stamp(incident.created_at)} · time to ack {short_duration(_tta(summary))}"
        f" · time to resolve {short_duration(_ttr(summary))}",
    ]
    for alert in record.alerts:
        lines.append(f"alert {alert.alertname or '?'} {alert.fingerprint}")
    for name in INCIDENT_FIELDS:
        value = record.fields.get(name)
        if value and name != "owner":
            lines.append(f"{FIELD_LABELS[name]}: {value}")
    for item in record.action_items:
        due = f", due {item.due.isoformat()}" if item.due else ""
        owner = f", owner {item.owner}" if item.owner else ""
        lines.append(f"[{'x' if item.done else ' '}] A{item.id} {item.text}{owner}{due}")
    lines.append("timeline:")
    for entry in timeline:
        first, *rest = entry.text.split("\n") if entry.text else [entry.kind]
        lines.append(f"  {stamp(entry.at)}  {entry.actor}  {entry.kind}  {first}")
        lines.extend(f"      {line}" for line in rest)
    _write(redactor.scrub("\n".join(lines)))
    return EXIT_OK


def export_incident(
    incident_id: int,
    output: Path | None,
    *,
    config_path: Path | None = None,
    database: Path | None = None,
    clock: Clock | None = None,
) -> int:
    """Write the post-mortem draft to ``output`` atomically, or print it when no file is given."""
    from oncall_tui.services.incident_export import export_postmortem, postmortem_markdown

    real_clock = clock or SystemClock()
    redactor = _redactor(config_path)
    try:
        with Database.open(database) as db:
            records = IncidentRecords(db, real_clock)
            if output is None:
                sys.stdout.write(postmortem_markdown(records, incident_id, real_clock.now(), redactor))
                return EXIT_OK
            written = export_postmortem(records, incident_id, real_clock.now(), redactor, output)
    except OncallError as error:
        return _fail(str(error), EXIT_STORE)
    sys.stderr.write(f"wrote {written}\n")
    return EXIT_OK


def report(
    *, days: int | None, as_json: bool, database: Path | None = None, clock: Clock | None = None
) -> int:
    """Print MTTA/MTTR/time to detect per severity and the alert noise table."""
    from oncall_tui.services.incident_export import incident_report

    if days is not None and days <= 0:
        return _fail("--days: expected a positive number of days", EXIT_USAGE)
    windows = (days,) if days is not None else WINDOWS
    real_clock = clock or SystemClock()
    try:
        with Database.open(database) as db:
            result = incident_report(IncidentRecords(db, real_clock), real_clock.now(), windows)
    except OncallError as error:
        return _fail(str(error), EXIT_STORE)
    if as_json:
        _write(json.dumps(report_json(result), ensure_ascii=False, indent=2))
        return EXIT_OK
    lines = [f"Incident figures at {stamp(result.now)}  (mean / median / p90 (count))"]
    for window in result.windows:
        rows = [r for r in result.figures if r.days == window]
        lines += ["", f"Last {window} days"]
        table = [("SEVERITY", "INCIDENTS", "TIME TO ACK", "TIME TO RESOLVE", "TIME TO DETECT")]
        table += [
            (r.severity, str(r.incidents), figure_text(r.tta), figure_text(r.ttr), figure_text(r.ttd))
            for r in rows
        ]
        lines += _columns(table)
    lines += ["", f"Alert noise, last {result.noise_days} days"]
    if result.noise:
        noise = [("ALERTNAME", "FIRED", "ACKED", "NOT ACTIONABLE", "MEDIAN TIME TO ACK")]
        noise += [
            (
                r.alertname,
                str(r.fired),
                str(r.acked),
                "—" if r.not_actionable_share is None else f"{r.not_actionable_share:.0%}",
                short_duration(r.median_tta),
            )
            for r in result.noise
        ]
        lines += _columns(noise)
    else:
        lines.append("no alert firings recorded")
    _write("\n".join(lines))
    return EXIT_OK


def _columns(table: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table]


def _redactor(config_path: Path | None) -> Redactor:
    from oncall_tui.config.loader import load_settings
    from oncall_tui.services.incident_export import redactor_for

    try:
        settings = load_settings(config_path).settings
    except ConfigError:
        # A broken config must not block reading the log; credential-shaped text is still caught.
        sys.stderr.write("oncall-tui: warning: config unreadable; scrubbing credential-shaped text only\n")
        return Redactor()
    return redactor_for(settings)


def _tta(row: IncidentSummary) -> timedelta | None:
    acked = row.incident.acknowledged_at
    return None if acked is None else acked - row.incident.created_at


def _ttr(row: IncidentSummary) -> timedelta | None:
    resolved = row.incident.resolved_at
    return None if resolved is None else resolved - row.incident.created_at


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds(), 3)


def _summary_json(row: IncidentSummary) -> dict[str, Any]:
    incident = row.incident
    return {
        "id": incident.id,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status.value,
        "context": row.context,
        "owner": row.owner,
        "created_at": incident.created_at.isoformat(),
        "acknowledged_at": _iso(incident.acknowledged_at),
        "mitigated_at": _iso(incident.mitigated_at),
        "resolved_at": _iso(incident.resolved_at),
        "time_to_ack_seconds": _seconds(_tta(row)),
        "time_to_resolve_seconds": _seconds(_ttr(row)),
        "alerts": row.alert_count,
        "alertnames": list(row.alertnames),
    }


def _write(text: str) -> None:
    sys.stdout.write(text + "\n")


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"oncall-tui: {message}\n")
    return code
