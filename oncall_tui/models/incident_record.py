"""What the incident log knows about an incident beyond its status: post-mortem fields, linked
alerts, action items, alert firings and runbook progress.

Frozen dataclasses built by the store from columns it wrote itself (see ``models/incident.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from oncall_tui.models.alertmanager import Alert
from oncall_tui.models.incident import Incident


class RecordKind(StrEnum):
    """Timeline kinds written by the incident record (beside ``TimelineKind``)."""

    FIELD_CHANGE = "field_change"
    """A post-mortem field (owner, impact, root cause…) was set."""
    ALERT_UNLINKED = "alert_unlinked"
    """An alert was detached from the incident."""
    ACTION_ITEM = "action_item"
    """An action item was added, changed, done or reopened."""
    RUNBOOK_NOTE = "runbook_note"
    """A note on a runbook step."""


INCIDENT_FIELDS: tuple[str, ...] = (
    "owner",
    "impact",
    "root_cause",
    "contributing_factors",
    "resolution",
    "went_well",
    "went_wrong",
    "prevention",
    "follow_up",
)
"""Free-text fields of an incident, in post-mortem order (also their column names)."""

FIELD_LABELS: dict[str, str] = {
    "owner": "owner",
    "impact": "impact",
    "root_cause": "root cause",
    "contributing_factors": "contributing factors",
    "resolution": "resolution",
    "went_well": "what went well",
    "went_wrong": "what went wrong",
    "prevention": "prevention",
    "follow_up": "follow-up",
}
"""How each field is named on screen, in the timeline and in the export."""


@dataclass(frozen=True, slots=True)
class IncidentFields:
    """The free-text fields of an incident; '' when unset."""

    owner: str = ""
    """Who leads the response (incident commander)."""
    impact: str = ""
    """Who or what was affected, and how badly."""
    root_cause: str = ""
    """Why it happened."""
    contributing_factors: str = ""
    """What made it worse or likelier."""
    resolution: str = ""
    """One line on how it was resolved (asked for when resolving)."""
    went_well: str = ""
    """What went well in the response."""
    went_wrong: str = ""
    """What went wrong in the response."""
    prevention: str = ""
    """What would prevent it next time."""
    follow_up: str = ""
    """Anything else to follow up."""

    def get(self, name: str) -> str:
        """The value of field ``name`` (one of ``INCIDENT_FIELDS``)."""
        if name not in INCIDENT_FIELDS:
            raise KeyError(name)
        value: str = getattr(self, name)
        return value


@dataclass(frozen=True, slots=True)
class LinkedAlert:
    """An alert attached to an incident."""

    fingerprint: str
    """Alertmanager fingerprint."""
    alertname: str | None = None
    """``alertname`` label, when known."""
    starts_at: datetime | None = None
    """When the alert started firing, when known (for time to detect)."""
    linked_at: datetime | None = None
    """When it was attached (None until stored)."""


@dataclass(frozen=True, slots=True)
class ActionItem:
    """A follow-up task from an incident."""

    id: int
    """Row id, shown as ``A<id>``."""
    incident_id: int
    """The incident it came from."""
    text: str
    """What to do."""
    owner: str
    """Who does it ('' if nobody yet)."""
    due: date | None
    """Due date, if any."""
    done: bool
    """Whether it is done."""
    created_at: datetime
    """When it was added (UTC)."""
    updated_at: datetime
    """When it last changed (UTC)."""


@dataclass(frozen=True, slots=True)
class AlertFiring:
    """One firing of an alert as the app saw it (an alert that resolves and fires again is a new firing)."""

    fingerprint: str
    """Alertmanager fingerprint (the label set)."""
    starts_at: datetime
    """``startsAt`` of this firing (UTC)."""
    alertname: str
    """``alertname`` label."""
    severity: str = ""
    """Severity label value, '' if none."""
    context: str = ""
    """Context (Alertmanager cluster) it was seen in."""
    first_seen: datetime | None = None
    """When the app first saw it (None until stored)."""

    @classmethod
    def of(cls, alert: Alert, context: str = "") -> AlertFiring:
        """The firing an alert of a poll stands for (its severity label, '' if none)."""
        return cls(
            alert.fingerprint, alert.starts_at, alert.alertname, alert.labels.get("severity", ""), context
        )


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """An incident with everything the detail screen and the post-mortem show."""

    incident: Incident
    """Status, severity, times."""
    fields: IncidentFields
    """Owner, impact, root cause…"""
    context: str | None
    """Context it belongs to (from its group key, or given when opened by hand)."""
    alerts: tuple[LinkedAlert, ...] = ()
    """Linked alerts in the order they were linked."""
    action_items: tuple[ActionItem, ...] = ()
    """Action items in the order they were added."""

    @property
    def first_alert_start(self) -> datetime | None:
        """Earliest known start of a linked alert (None if no start is known)."""
        starts = [alert.starts_at for alert in self.alerts if alert.starts_at is not None]
        return min(starts) if starts else None


@dataclass(frozen=True, slots=True)
class IncidentSummary:
    """One row of the incident list."""

    incident: Incident
    """Status, severity, times."""
    owner: str
    """Owner ('' if none)."""
    context: str | None
    """Context, when known."""
    alert_count: int
    """How many alerts are linked."""
    first_alert_start: datetime | None = None
    """Earliest known start of a linked alert."""
    alertnames: tuple[str, ...] = field(default_factory=tuple)
    """Distinct alertnames of the linked alerts, where known."""


class StepStatus(StrEnum):
    """Where a runbook step is."""

    PENDING = "pending"
    """Not done yet (possibly with a note)."""
    DONE = "done"
    """Done."""
    SKIPPED = "skipped"
    """Deliberately skipped."""


@dataclass(frozen=True, slots=True)
class StepState:
    """Stored progress of one runbook step within one incident."""

    incident_id: int
    """The incident the runbook is followed for."""
    runbook: str
    """Runbook identity (resolved path or URL)."""
    step_index: int
    """0-based index of the step in the runbook."""
    status: StepStatus
    """Done, skipped or pending."""
    title: str
    """Step title when it was last written ('' if not given)."""
    note: str
    """The engineer's note on the step ('' if none)."""
    updated_at: datetime
    """When it last changed (UTC)."""
