"""What the engineer writes about an incident, as logged actions: notes, status, fields, alerts, action items.

Screens hand a typed request (:class:`AddNote`, :class:`ChangeStatus`, …) to
:meth:`IncidentActions.run`. Each request is one store call that writes the change and its
timeline entry in one transaction (``store/incident_records.py``), run in a worker thread by the
engine's log-only path (``action_engine.perform_logged``); the action is reported done only once
that transaction has committed. None of these has a remote
side, so there is nothing to queue: a failure is bad input or an unusable log, reported
``failed`` with one line and nothing written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from oncall_tui.clock import Clock
from oncall_tui.models.incident import IncidentStatus
from oncall_tui.models.incident_record import FIELD_LABELS, LinkedAlert
from oncall_tui.services.action_engine import ActionResult, logged_result, perform_logged
from oncall_tui.store.db import Database
from oncall_tui.store.incident_records import KEEP, IncidentRecords


@dataclass(frozen=True, slots=True)
class AddNote:
    """Append a note (multi-line) to an incident's timeline."""

    incident_id: int
    """The incident."""
    text: str
    """The note as typed."""


@dataclass(frozen=True, slots=True)
class ChangeStatus:
    """Move an incident to another status; resolving carries a one-line resolution."""

    incident_id: int
    """The incident."""
    status: IncidentStatus
    """The new status."""
    resolution: str = ""
    """How it was resolved (asked for when resolving)."""


@dataclass(frozen=True, slots=True)
class SetFields:
    """Set post-mortem fields (owner, impact, root cause…)."""

    incident_id: int
    """The incident."""
    values: Mapping[str, str]
    """Field name (``INCIDENT_FIELDS``) to new text."""


@dataclass(frozen=True, slots=True)
class AddActionItem:
    """Add an action item."""

    incident_id: int
    """The incident."""
    text: str
    """What to do."""
    owner: str = ""
    """Who does it."""
    due: date | None = None
    """By when."""


@dataclass(frozen=True, slots=True)
class SetActionItemDone:
    """Mark an action item done, or open again."""

    item_id: int
    """The action item."""
    done: bool
    """Done (True) or open again (False)."""


@dataclass(frozen=True, slots=True)
class LinkAlerts:
    """Attach alerts to an incident."""

    incident_id: int
    """The incident."""
    alerts: tuple[LinkedAlert, ...]
    """Alerts (fingerprint; name and start when known)."""


@dataclass(frozen=True, slots=True)
class UnlinkAlert:
    """Detach an alert from an incident."""

    incident_id: int
    """The incident."""
    fingerprint: str
    """The alert."""


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """Open an incident by hand."""

    title: str
    """One-line summary."""
    severity: str
    """critical, warning, info or none."""
    alerts: tuple[LinkedAlert, ...] = field(default_factory=tuple)
    """Alerts to link at once (optional)."""
    context: str | None = None
    """Context it belongs to."""


IncidentRequest = (
    AddNote
    | ChangeStatus
    | SetFields
    | AddActionItem
    | SetActionItemDone
    | LinkAlerts
    | UnlinkAlert
    | OpenIncident
)
"""Everything :meth:`IncidentActions.run` accepts."""


class IncidentActions:
    """Runs incident requests against the incident log as ``user``."""

    def __init__(self, db: Database, clock: Clock, user: str) -> None:
        self.records = IncidentRecords(db, clock)
        """The store the requests write to."""
        self.user = user
        """Actor of every entry written."""

    async def run(self, request: IncidentRequest) -> ActionResult:
        """Write the request in a worker thread (the engine's log-only path); done means committed."""
        return await perform_logged(what_of(request), lambda: self._write(request))

    def run_blocking(self, request: IncidentRequest) -> ActionResult:
        """:meth:`run` without the thread (for the CLI and tests)."""
        return logged_result(what_of(request), lambda: self._write(request))

    def _write(self, request: IncidentRequest) -> tuple[int | None, str]:
        """Do it: the incident written to and the line for the toast (nothing written if it raises)."""
        records, user = self.records, self.user
        match request:
            case AddNote(incident_id, text):
                records.add_note(incident_id, text, user)
                return incident_id, f"note added to #{incident_id}"
            case ChangeStatus(incident_id, status, resolution):
                if status is IncidentStatus.RESOLVED and not resolution.strip():
                    raise ValueError("resolving needs a one-line resolution")
                records.change_status(incident_id, status, user, resolution=resolution)
                return incident_id, f"#{incident_id} {IncidentStatus(status).value}"
            case SetFields(incident_id, values):
                try:
                    records.set_fields(incident_id, user, values)
                except KeyError as error:  # an unknown field name: bad input like any other
                    raise ValueError(error.args[0] if error.args else str(error)) from None
                return incident_id, f"#{incident_id}: {_field_names(values)} saved"
            case AddActionItem(incident_id, text, owner, due):
                item = records.add_action_item(incident_id, text, user, owner=owner, due=due)
                return incident_id, f"action item A{item.id} added to #{incident_id}"
            case SetActionItemDone(item_id, done):
                item = records.update_action_item(item_id, user, done=done, due=KEEP)
                return item.incident_id, f"action item A{item.id} {'done' if done else 'open again'}"
            case LinkAlerts(incident_id, alerts):
                count = records.link_alerts(incident_id, alerts, user)
                return incident_id, f"{count} alert{'s' if count != 1 else ''} linked to #{incident_id}"
            case UnlinkAlert(incident_id, fingerprint):
                if not records.unlink_alert(incident_id, fingerprint, user):
                    raise ValueError(f"alert {fingerprint} is not linked to #{incident_id}")
                return incident_id, f"alert {fingerprint} unlinked from #{incident_id}"
            case OpenIncident(title, severity, alerts, context):
                incident = records.open_manual(title, severity, user, alerts=alerts, context=context)
                return incident.id, f"incident #{incident.id} opened"


def what_of(request: IncidentRequest) -> str:
    """What the request is called in a toast (``note``, ``status change``…)."""
    match request:
        case AddNote():
            return "note"
        case ChangeStatus():
            return "status change"
        case SetFields(_, values):
            return f"{_field_names(values)} change"
        case AddActionItem() | SetActionItemDone():
            return "action item"
        case LinkAlerts():
            return "link"
        case UnlinkAlert():
            return "unlink"
        case OpenIncident():
            return "new incident"


def _field_names(values: Mapping[str, str]) -> str:
    return ", ".join(FIELD_LABELS.get(name, name) for name in values)
