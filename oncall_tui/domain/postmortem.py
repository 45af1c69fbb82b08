"""A post-mortem draft in Markdown, written from an incident's record and timeline.

Pure: the caller passes the record, the timeline, ``now`` and a :class:`Redactor`; every line
of the result goes through the redactor, so a token pasted into a note never reaches the file.
Sections: summary, impact, detection (first alert's start to first ack), response (first ack to
mitigation, to resolution), timeline, root cause, contributing factors, action items, what went
well, what went wrong, prevention, follow-up. Unwritten sections say so, as a prompt to fill in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from oncall_tui.domain.durations import format_duration
from oncall_tui.domain.redact import Redactor
from oncall_tui.models.incident import IncidentStatus, TimelineEntry, TimelineKind
from oncall_tui.models.incident_record import IncidentRecord

UNWRITTEN = "_Not written yet._"
"""What an empty section says."""


def stamp(value: datetime) -> str:
    """``2026-03-01 03:04:05 UTC``: the export's one time format."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def span(start: datetime | None, end: datetime | None) -> str | None:
    """``1h5m`` between two times, None when either is unknown or the order is wrong."""
    if start is None or end is None or end < start:
        return None
    return format_duration(timedelta(seconds=round((end - start).total_seconds())))


def first_ack(timeline: Sequence[TimelineEntry]) -> TimelineEntry | None:
    """The entry that first acknowledged the incident (an ack, or a status change to acknowledged)."""
    for entry in timeline:
        if entry.kind == TimelineKind.ACK:
            return entry
        if entry.kind == TimelineKind.STATUS_CHANGE and entry.data.get("to") == IncidentStatus.ACKNOWLEDGED:
            return entry
    return None


def render_postmortem(
    record: IncidentRecord,
    timeline: Sequence[TimelineEntry],
    now: datetime,
    redactor: Redactor | None = None,
) -> str:
    """The Markdown draft (ends with a newline), secrets scrubbed by ``redactor``."""
    incident = record.incident
    fields = record.fields
    lines: list[str] = [
        f"# Post-mortem: #{incident.id} {incident.title}",
        "",
        f"_Draft written by oncall-tui at {stamp(now)} from the incident log. Review before sharing._",
        "",
        *_facts(record),
        "",
        "## Summary",
        "",
        _summary(record),
        "",
        *_section("Impact", fields.impact),
        "## Detection",
        "",
        *_detection(record, timeline),
        "",
        "## Response",
        "",
        *_response(record),
        "",
        "## Timeline",
        "",
        *_timeline(timeline),
        "",
        *_section("Root cause", fields.root_cause),
        *_section("Contributing factors", fields.contributing_factors),
        "## Action items",
        "",
        *_action_items(record),
        "",
        *_section("What went well", fields.went_well),
        *_section("What went wrong", fields.went_wrong),
        *_section("Prevention", fields.prevention),
        *_section("Follow-up", fields.follow_up),
    ]
    text = "\n".join(lines).rstrip("\n") + "\n"
    return (redactor or Redactor()).scrub(text)


def _facts(record: IncidentRecord) -> list[str]:
    incident = record.incident
    rows = [
        ("Severity", incident.severity),
        ("Status", incident.status.value),
        ("Context", record.context or "—"),
        ("Owner", record.fields.owner or "—"),
        ("Opened", stamp(incident.created_at)),
        ("Acknowledged", _when(incident.acknowledged_at)),
        ("Mitigated", _when(incident.mitigated_at)),
        ("Resolved", _when(incident.resolved_at)),
        ("Alerts", ", ".join(_alert_label(a.alertname, a.fingerprint) for a in record.alerts) or "—"),
    ]
    return ["| | |", "|---|---|", *(f"| {name} | {_cell(value)} |" for name, value in rows)]


def _summary(record: IncidentRecord) -> str:
    incident = record.incident
    where = f" in {record.context}" if record.context else ""
    text = f"{incident.title}: a {incident.severity} incident{where}, opened {stamp(incident.created_at)}"
    took = span(incident.created_at, incident.resolved_at)
    if incident.status is IncidentStatus.RESOLVED and took is not None:
        text += f" and resolved {took} later"
    else:
        text += f", now {incident.status.value}"
    text += "."
    if record.fields.resolution:
        text += f" Resolution: {record.fields.resolution}"
    return text


def _detection(record: IncidentRecord, timeline: Sequence[TimelineEntry]) -> list[str]:
    start = record.first_alert_start
    acked = record.incident.acknowledged_at
    ack_entry = first_ack(timeline)
    first_name = next(
        (
            a.alertname or a.fingerprint
            for a in record.alerts
            if a.starts_at is not None and a.starts_at == start
        ),
        None,
    )
    lines = [
        f"- First alert started: {stamp(start)} ({first_name})"
        if start is not None and first_name
        else "- First alert started: unknown",
        f"- First acknowledged: {stamp(acked)}" + (f" by {ack_entry.actor}" if ack_entry else "")
        if acked is not None
        else "- First acknowledged: not yet",
    ]
    detect = span(start, acked)
    lines.append(f"- Time to detect (first alert's start to first ack): {detect or 'unknown'}")
    return lines


def _response(record: IncidentRecord) -> list[str]:
    incident = record.incident
    acked = incident.acknowledged_at
    to_ack = span(incident.created_at, acked) or "not acknowledged"
    return [
        f"- Time to acknowledge (opened to first ack): {to_ack}",
        f"- First ack to mitigation: {span(acked, incident.mitigated_at) or 'not recorded'}",
        f"- First ack to resolution: {span(acked, incident.resolved_at) or 'not resolved'}",
        f"- Opened to resolution: {span(incident.created_at, incident.resolved_at) or 'not resolved'}",
    ]


def _timeline(timeline: Sequence[TimelineEntry]) -> list[str]:
    if not timeline:
        return ["_No entries._"]
    out = []
    for entry in timeline:
        first, *rest = (entry.text or entry.kind).split("\n")
        out.append(f"- `{stamp(entry.at)}` **{entry.actor}** ({entry.kind}): {first}")
        # Continuation lines indented under the item keep a multi-line note one list item.
        out.extend(f"  {line}" if line.strip() else "" for line in rest)
    return out


def _action_items(record: IncidentRecord) -> list[str]:
    if not record.action_items:
        return [UNWRITTEN]
    out = []
    for item in record.action_items:
        extra = [
            f"owner: {item.owner or 'unassigned'}",
            f"due: {item.due.isoformat() if item.due else 'no date'}",
        ]
        out.append(f"- [{'x' if item.done else ' '}] A{item.id} {item.text} ({', '.join(extra)})")
    return out


def _section(title: str, body: str) -> list[str]:
    return [f"## {title}", "", body.strip() or UNWRITTEN, ""]


def _when(value: datetime | None) -> str:
    return stamp(value) if value is not None else "—"


def _alert_label(name: str | None, fingerprint: str) -> str:
    return f"{name} ({fingerprint})" if name else fingerprint


def _cell(value: str) -> str:
    # A pipe or a newline would break the table row.
    return " ".join(value.split()).replace("|", "\\|")
