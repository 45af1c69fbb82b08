"""The log-then-act engine every logged action goes through (acks, silences, escalation, notes …).

1. :meth:`ActionEngine.record` — in one transaction: open the subject's incident if none is open,
   append a timeline entry saying what is being done, and enqueue the remote call(s) as
   :class:`OutboxRequest` items under deterministic dedup keys. Nothing has been sent yet; if the
   app dies now, the drain sends it after the restart.
2. :meth:`ActionEngine.send` — attempt each fresh item once. Done: the item is marked done and
   the result logged. A failure worth retrying keeps it pending with backoff (reported
   ``pending``); a rejection of the request itself is logged and reported ``failed``.

An action with no remote side (a note, a status change) passes no requests: it is reported done
once its entry is committed. :meth:`ActionEngine.perform` does both steps; :meth:`ActionEngine.reject`
reports bad input (logged only in an incident already open).

The same request sent twice (same dedup key) is recorded and sent once; repeating an action
whose item was given up (``failed``) puts it back to pending and logs the retry.

An action on an incident that already exists, with no remote side (a note, a status change, an
owner, an action item, linking an alert: ``services/incident_actions.py``), goes through
:func:`perform_logged`: its store call writes the change and its timeline entry in one
transaction, in a worker thread, and it is reported done once that has committed.

Example (a note, then an action with a remote side)::

    subject = Subject("group-key", "Host_Down on db1", "critical", ("fp1",))
    await engine.perform(subject, LogEntry(TimelineKind.NOTE, "restarted db1"), (), what="note")
    request = OutboxRequest(EXPIRE_SILENCE, {"silence_id": "abc", "purpose": "expire"}, "expire-abc")
    await engine.perform(subject, LogEntry(TimelineKind.SILENCE, "expire silence abc"), (request,), "expire")
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from oncall_tui.clock import Clock
from oncall_tui.errors import OncallError
from oncall_tui.models.incident import Incident, IncidentStatus, OutboxItem, OutboxState, TimelineKind
from oncall_tui.services.outbox_drain import (
    CREATE_SILENCE,
    Backoff,
    Deliverer,
    Delivery,
    Outcome,
    attempt,
    context_scope,
)
from oncall_tui.store.db import Database
from oncall_tui.store.incidents import IncidentLog
from oncall_tui.store.outbox import DEFAULT_LEASE, Outbox


class ActionStatus(StrEnum):
    """How an action ended, as the UI reports it."""

    DONE = "done"
    """Delivered (or, for an action with no remote side, committed to the log)."""
    PENDING = "pending"
    """Logged and queued; the remote side is unreachable for now and it will be retried."""
    FAILED = "failed"
    """Rejected (bad input, or the server refused it); logged, not retried."""


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What the UI tells the user after an action."""

    status: ActionStatus
    """Done, pending or failed."""
    message: str
    """One line for a toast."""
    incident_id: int | None = None
    """The incident the action was logged in."""
    silence_ids: tuple[str, ...] = ()
    """Ids Alertmanager answered (keep these: an update may replace a silence's id)."""
    outbox_ids: tuple[int, ...] = ()
    """Outbox items of the action (pending ones are retried by the drain)."""

    @property
    def ok(self) -> bool:
        """Not failed (done, or safely pending)."""
        return self.status is not ActionStatus.FAILED


@dataclass(frozen=True, slots=True)
class OutboxRequest:
    """One remote call an action enqueues: what the drain's :class:`Deliverer` sends."""

    kind: str
    """Outbox kind (``create_silence``, ``expire_silence``, ``notify``)."""
    payload: Mapping[str, Any]
    """What the deliverer needs (JSON-serialisable)."""
    dedup_key: str
    """Deterministic key: the same request twice is recorded and sent once."""


@dataclass(frozen=True, slots=True)
class Subject:
    """What an action is about: the incident it is logged in (opened if none is open)."""

    group_key: str
    """Incident key within the context (an Alertmanager group key, or e.g. ``silence:{...}``)."""
    title: str
    """Title of the incident if the action opens it."""
    severity: str
    """Severity of the incident if the action opens it."""
    fingerprints: tuple[str, ...] = ()
    """Alerts linked to the incident."""


@dataclass(frozen=True, slots=True)
class LogEntry:
    """The timeline entry an action writes before acting."""

    kind: str
    """Timeline kind (:class:`~oncall_tui.models.incident.TimelineKind`)."""
    text: str
    """One line for the timeline."""
    data: Mapping[str, Any] = field(default_factory=dict)
    """Structured details (JSON-serialisable)."""
    status: IncidentStatus | None = None
    """Status the incident moves to with this entry (e.g. acknowledged on ack); None keeps it."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """What :meth:`ActionEngine.record` committed: the incident and each item with "attempt it now"."""

    incident_id: int
    """The incident the action was logged in."""
    items: tuple[tuple[OutboxItem, bool], ...] = ()
    """Outbox items, each with True when this call should attempt it (fresh or retried)."""


def request_key(*parts: object) -> str:
    """A short deterministic dedup key from the parts that make a request the same one."""
    digest = hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()
    return digest[:24]


class ActionEngine:
    """Logs an action, enqueues its remote calls, and attempts them once (one per context)."""

    def __init__(
        self,
        db: Database,
        deliverer: Deliverer,
        *,
        user: str,
        clock: Clock,
        backoff: Backoff | None = None,
        lease: timedelta = DEFAULT_LEASE,
        context: str | None = None,
    ) -> None:
        self.db = db
        """The incident log database (for a caller's own transaction, see :meth:`enqueue`)."""
        self.log = IncidentLog(db, clock)
        """The incident log the actions write to."""
        self.outbox = Outbox(db, clock)
        """The outbox the actions enqueue to."""
        self.clock = clock
        """Time source."""
        self.user = user
        """Who acts: ``createdBy`` of silences and actor of log entries."""
        self.context = context
        """Context whose Alertmanager the deliverer reaches: recorded on every outbox item."""
        self._deliverer = deliverer
        self._backoff = backoff or Backoff()
        self._lease = lease

    def pending(self) -> list[OutboxItem]:
        """Outbox items of this context still waiting (blocking: call from a thread)."""
        return self.outbox.pending(context_scope(self.context))

    def incident_key(self, group_key: str) -> str:
        """The incident log's key of a subject: contexts share one log, so the context is part of it."""
        return f"{self.context}/{group_key}" if self.context else group_key

    def open_incident(self, subject: Subject, actor: str | None = None) -> Incident:
        """The subject's open incident, opened now if there is none (blocking)."""
        return self.log.open_incident(
            subject.title,
            subject.severity,
            self.incident_key(subject.group_key),
            subject.fingerprints,
            actor=actor or self.user,
        )

    def first_due(self) -> datetime:
        """Due time of a new item: out of the drain's reach while the first attempt runs."""
        return self.clock.now() + self._lease

    def enqueue(self, incident_id: int, requests: Sequence[OutboxRequest]) -> list[tuple[OutboxItem, bool]]:
        """Enqueue ``requests`` not enqueued before (blocking; inside the caller's transaction).

        An existing item (same dedup key) is returned as is and not attempted again.
        """
        due = self.first_due()
        out = []
        for request in requests:
            existing = self.outbox.find(request.dedup_key)
            if existing is not None:
                out.append((existing, False))
                continue
            item = self.outbox.enqueue(
                request.kind,
                request.payload,
                incident_id,
                dedup_key=request.dedup_key,
                not_before=due,
                context=self.context,
            )
            out.append((item, True))
        return out

    def record(self, subject: Subject, entry: LogEntry, requests: Sequence[OutboxRequest] = ()) -> Recorded:
        """Log and enqueue atomically (blocking: call from a thread).

        An action repeated while its earlier item is ``failed`` (given up) is retried: the item is
        put back to pending (the user fixed what made it fail, e.g. credentials) and the retry is
        logged. A done item stays done and a waiting one is not duplicated: those are not attempted.
        """
        due = self.first_due()
        with self.db.transaction():
            incident = self.open_incident(subject)
            existing = {r.dedup_key: self.outbox.find(r.dedup_key) for r in requests}
            retried: list[str] = []
            for key, found in existing.items():
                if found is not None and found.state is OutboxState.FAILED:
                    existing[key] = self.outbox.requeue(found.id, not_before=due)
                    retried.append(key)
            fresh = [key for key, item in existing.items() if item is None]
            if fresh or retried or not requests:
                line = entry.text if fresh or not requests else f"retry {entry.text}"
                data = {**entry.data, "dedup_keys": fresh}
                if retried:
                    data["retried_dedup_keys"] = retried
                self.log.append(incident.id, entry.kind, line, self.user, data)
                if entry.status is not None and incident.status is not entry.status:
                    self.log.set_status(incident.id, entry.status, self.user)
            items = []
            for request in requests:
                old = existing[request.dedup_key]
                if old is not None:
                    items.append((old, request.dedup_key in retried))
                else:
                    (item,) = self.enqueue(incident.id, [request])
                    items.append(item)
            return Recorded(incident.id, tuple(items))

    def fail_input(
        self, subject: Subject | None, what: str, reason: str, *, open_incident: bool = False
    ) -> ActionResult:
        """Rejected before anything was recorded or sent (blocking: call from a thread).

        A mistyped duration or an end in the past is not an incident: it is logged in the subject's
        incident when one is already open (the attempt is part of that story), and no incident is
        opened just to record it. ``open_incident`` is for attempts that are real actions whatever
        their outcome (an escalation no policy covers): those open the incident and are logged.
        """
        incident_id = None
        if subject is not None:
            with self.db.transaction():
                incident = (
                    self.open_incident(subject)
                    if open_incident
                    else self.log.find_open_incident(self.incident_key(subject.group_key))
                )
                if incident is not None:
                    incident_id = incident.id
                    self.log.append(
                        incident.id,
                        TimelineKind.ACTION_FAILED,
                        f"{what} rejected: {reason}",
                        self.user,
                        {"what": what},
                    )
        return ActionResult(ActionStatus.FAILED, f"{what}: {reason}", incident_id)

    async def reject(
        self, subject: Subject | None, what: str, reason: str, *, open_incident: bool = False
    ) -> ActionResult:
        """:meth:`fail_input` from the event loop (runs in a worker thread)."""
        return await asyncio.to_thread(
            lambda: self.fail_input(subject, what, reason, open_incident=open_incident)
        )

    async def perform(
        self, subject: Subject, entry: LogEntry, requests: Sequence[OutboxRequest], what: str
    ) -> ActionResult:
        """Record (in a worker thread), then send: the whole log-then-act path of one action."""
        recorded = await asyncio.to_thread(self.record, subject, entry, requests)
        return await self.send(recorded, what)

    async def send(self, recorded: Recorded, what: str) -> ActionResult:
        """Attempt the fresh items once and tell how the action ended (``what`` names it in the toast)."""
        deliveries: list[Delivery] = []
        silence_ids: list[str] = []
        for item, fresh in recorded.items:
            if fresh:
                delivery = await attempt(
                    item,
                    deliverer=self._deliverer,
                    outbox=self.outbox,
                    log=self.log,
                    clock=self.clock,
                    backoff=self._backoff,
                    # A retried item may have reached the server before: check before re-sending.
                    first_attempt=item.last_error is None,
                )
            else:
                delivery = _delivery_of(item, what)
            deliveries.append(delivery)
            if "silence_id" in delivery.result and item.kind == CREATE_SILENCE:
                silence_ids.append(str(delivery.result["silence_id"]))
        ids = tuple(item.id for item, _ in recorded.items)
        failed = [d for d in deliveries if d.outcome is Outcome.FAILED]
        pending = [d for d in deliveries if d.outcome is Outcome.PENDING]
        if failed:
            status, message = ActionStatus.FAILED, failed[0].message
        elif pending:
            status = ActionStatus.PENDING
            message = f"{what} pending (will retry): {pending[0].message.split(': ', 1)[-1]}"
        else:
            status = ActionStatus.DONE
            message = f"{what} done" + (f" (silence {', '.join(silence_ids)})" if silence_ids else "")
        return ActionResult(status, message, recorded.incident_id, tuple(silence_ids), ids)


def logged_result(what: str, write: Callable[[], tuple[int | None, str]]) -> ActionResult:
    """Run ``write`` (blocking) and say how it went: done once it returned (committed), failed otherwise.

    ``write`` makes the change and its timeline entry in one transaction and returns the incident
    and a line for the toast. An OncallError or ValueError (bad input, an unusable log) is raised
    before anything commits: reported ``failed`` with its one line, nothing written.
    """
    try:
        incident_id, message = write()
    except (OncallError, ValueError) as error:
        return ActionResult(ActionStatus.FAILED, f"{what} failed: {error}")
    return ActionResult(ActionStatus.DONE, message, incident_id)


async def perform_logged(what: str, write: Callable[[], tuple[int | None, str]]) -> ActionResult:
    """:func:`logged_result` in a worker thread: an action with no remote side on an existing incident."""
    return await asyncio.to_thread(logged_result, what, write)


def _delivery_of(item: OutboxItem, what: str) -> Delivery:
    """The state of an item enqueued earlier by the same request (a repeated request)."""
    if item.state is OutboxState.DONE:
        return Delivery(
            item.id, item.kind, item.incident_id, Outcome.DONE, f"{what} already done", item.result or {}
        )
    if item.state is OutboxState.FAILED:
        return Delivery(
            item.id, item.kind, item.incident_id, Outcome.FAILED, f"{what} failed: {item.last_error}", {}
        )
    return Delivery(
        item.id,
        item.kind,
        item.incident_id,
        Outcome.PENDING,
        f"{what} pending: {item.last_error or 'queued'}",
        {},
    )


__all__ = [
    "ActionEngine",
    "ActionResult",
    "ActionStatus",
    "LogEntry",
    "OutboxRequest",
    "Recorded",
    "Subject",
    "logged_result",
    "perform_logged",
    "request_key",
]
