"""Incident log values: incidents, their timeline entries, and the outbox of remote actions.

Frozen dataclasses: rows read from SQLite are small and few, so pydantic's validation would
buy nothing here; the store builds them from columns it wrote itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class IncidentStatus(StrEnum):
    """Where an incident is in its life; any status may follow any other (a resolved incident can reopen)."""

    TRIGGERED = "triggered"
    """Opened, nobody has acknowledged it yet."""
    ACKNOWLEDGED = "acknowledged"
    """Someone is on it."""
    MITIGATED = "mitigated"
    """The impact is over; the cause may still be there."""
    RESOLVED = "resolved"
    """Closed."""


OPEN_STATUSES = frozenset({IncidentStatus.TRIGGERED, IncidentStatus.ACKNOWLEDGED, IncidentStatus.MITIGATED})
"""Statuses of an incident that is not closed (at most one per group key)."""


class TimelineKind(StrEnum):
    """Kinds of timeline entries the app writes. ``kind`` is a plain string, so others may be added."""

    OPENED = "opened"
    """The incident was opened."""
    ACK = "ack"
    """An alert was acknowledged (a silence created)."""
    UNACK = "unack"
    """An acknowledgement was withdrawn (its silence expired)."""
    ESCALATE = "escalate"
    """The incident moved to another escalation level."""
    SILENCE = "silence"
    """A silence was created, extended or expired."""
    NOTE = "note"
    """Free text from the engineer."""
    RUNBOOK_STEP = "runbook_step"
    """A runbook step was done or skipped."""
    STATUS_CHANGE = "status_change"
    """The incident's status changed."""
    ALERT_LINKED = "alert_linked"
    """An alert was attached to the incident."""
    ACTION_DONE = "action_done"
    """A remote action from the outbox was delivered."""
    ACTION_FAILED = "action_failed"
    """A remote action failed (it may be retried)."""


class OutboxState(StrEnum):
    """Delivery state of an outbox item."""

    PENDING = "pending"
    """Waiting for its ``next_attempt_at``."""
    IN_FLIGHT = "in_flight"
    """Claimed by a drainer until ``lease_until``; reclaimable after that (the drainer died)."""
    DONE = "done"
    """Delivered; never sent again."""
    FAILED = "failed"
    """Given up on; never sent again."""


@dataclass(frozen=True, slots=True)
class Incident:
    """One incident."""

    id: int
    """Row id, shown as ``#id``."""
    title: str
    """One-line summary."""
    severity: str
    """``critical``, ``warning``, ``info`` or ``none`` (the alert's severity label value)."""
    status: IncidentStatus
    """Current status."""
    group_key: str | None
    """Key of the alert group this incident tracks; at most one open incident per key."""
    created_at: datetime
    """When it was opened (UTC)."""
    updated_at: datetime
    """When anything about it (including its timeline) last changed (UTC)."""
    acknowledged_at: datetime | None
    """First acknowledgement (for MTTA); kept if it is later un-acknowledged."""
    mitigated_at: datetime | None
    """When it became mitigated; cleared if it goes back to triggered or acknowledged."""
    resolved_at: datetime | None
    """When it was resolved (for MTTR); cleared if it reopens."""
    escalation_level: int
    """Current level of its escalation policy, 0 being the first."""

    @property
    def is_open(self) -> bool:
        """Not resolved."""
        return self.status in OPEN_STATUSES


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing that happened to an incident, or one thing someone did about it."""

    id: int
    """Row id; also the order of entries written at the same instant."""
    incident_id: int
    """The incident it belongs to."""
    at: datetime
    """When it happened (UTC)."""
    kind: str
    """A ``TimelineKind`` value, or another short machine-readable word."""
    actor: str
    """Who did it (``user@host``), or ``oncall-tui`` for the app itself."""
    text: str
    """Human-readable line."""
    data: dict[str, Any] = field(default_factory=dict)
    """Structured details (silence id, step number, from/to status…), JSON-serialisable."""


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A remote action recorded before it is sent, so it is retried until delivered and sent at most once."""

    id: int
    """Row id."""
    kind: str
    """What to do, e.g. ``create_silence``, ``expire_silence``, ``notify``."""
    payload: dict[str, Any]
    """Everything the sender needs, JSON-serialisable (never a secret: senders resolve those)."""
    incident_id: int | None
    """The incident the action belongs to, if any."""
    dedup_key: str
    """Caller-chosen identity of the action: enqueuing the same key again returns this item."""
    state: OutboxState
    """Delivery state."""
    attempts: int
    """How many times it was claimed for sending (a claim that crashed counts)."""
    created_at: datetime
    """When it was enqueued (UTC)."""
    next_attempt_at: datetime
    """Earliest time it may be claimed again (UTC)."""
    lease_until: datetime | None
    """While in flight: when the claim expires and another drainer may take it."""
    lease_token: str | None
    """While in flight: identifies the claim, so a drainer whose lease was taken over cannot fail it."""
    last_error: str | None
    """One-line reason of the last failure."""
    result: dict[str, Any] | None
    """What the server answered when it was delivered (e.g. the silence id)."""
    context: str | None = None
    """Context the action was made in (whose Alertmanager gets it); None: unknown (an older log)."""
