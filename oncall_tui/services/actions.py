"""What the engineer does to alerts: ack, unack, escalate, and silence changes.

Every action follows the same path (log first, then act):

1. In one transaction: open the incident of the alert group if none is open, append a
   timeline entry saying what is being done, and enqueue the remote call(s) in the
   outbox under a deterministic dedup key. Nothing has been sent yet; if the app dies
   now, the drain sends it after the restart.
2. Attempt the remote call once. Done: the outbox item is marked done and the result
   (the silence id Alertmanager answered, which may differ from the one sent) is
   logged. A failure worth retrying keeps the item pending with backoff and the action
   is reported ``pending`` (also a 401/403: credentials can be renewed); a rejection of
   the request itself (HTTP 400/404/409/422 …) is logged and reported ``failed``, and
   repeating the action retries it.

The same request sent twice (same ``request_id``, or the same automatic escalation)
maps to the same dedup key, so it is recorded and sent once.

An ``AlertActions`` belongs to one context (its Alertmanager): every outbox item it
enqueues records that context, so what waits in the outbox is retried only by that
context's drain, never sent to the Alertmanager of a context switched to later
(escalation notifications excepted: notifiers are app-wide, see ``outbox_drain``).

Bad input (a mistyped duration, an end in the past) is rejected before anything is
recorded; it is logged in the group's incident only if one is already open.

Silences the app creates carry ``[oncall-tui:<dedup key>]`` at the end of their
comment: that is how a retry finds out the first attempt went through, and how the
queue tells the app's acks from other silences. An "ack until resolved" has a key
starting with ``ackur-``; :mod:`oncall_tui.services.ack_keeper` extends those.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import msgspec

from oncall_tui.clients.notify import Notification, NotifiedAlert, Notifier
from oncall_tui.clock import Clock
from oncall_tui.config.alerting import AlertSettings, parse_duration
from oncall_tui.domain.alert_queue import (
    AlertRow,
    AlertState,
    GroupRow,
    QueueOptions,
    QueueSnapshot,
    ack_matchers_for_group,
)
from oncall_tui.domain.escalation import (
    DueEscalation,
    EscalationState,
    due_escalations,
    escalates_by_itself,
    escalation_countdown,
    select_policy,
)
from oncall_tui.domain.matchers import (
    Matcher,
    format_matchers,
    parse_matchers,
    validate_silence_matchers,
)
from oncall_tui.domain.severity import NONE, SeverityPolicy
from oncall_tui.domain.silences import UNTIL_RESOLVED_PREFIX, marker_of, silence_marker
from oncall_tui.errors import OncallError
from oncall_tui.models.alertmanager import Alert, PostableSilence, Silence
from oncall_tui.models.incident import Incident, IncidentStatus, OutboxItem, OutboxState, TimelineKind
from oncall_tui.services.outbox_drain import (
    CREATE_SILENCE,
    EXPIRE_SILENCE,
    NOTIFY,
    Backoff,
    Deliverer,
    Delivery,
    Outcome,
    SilenceApi,
    attempt,
    context_scope,
)
from oncall_tui.store.db import Database, from_db_time
from oncall_tui.store.incidents import APP_ACTOR, IncidentLog
from oncall_tui.store.outbox import DEFAULT_LEASE, Outbox


class ActionStatus(StrEnum):
    """How an action ended, as the UI reports it."""

    DONE = "done"
    """Delivered."""
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
class AlertTarget:
    """The alerts an action is about: one alert, a group, or one group's part of a multi-selection."""

    group_key: str
    """Key of the Alertmanager group (the incident's group key)."""
    group_labels: Mapping[str, str]
    """Its group-by labels."""
    alerts: tuple[Alert, ...]
    """The alerts."""
    severity: str = NONE
    """Highest severity among them."""
    ack_ids: tuple[str, ...] = ()
    """Ids of the app's ack silences covering them (what unack expires)."""

    @property
    def title(self) -> str:
        """``Host_Down on server1`` / ``Host_Down (cluster=prod)``: the incident title."""
        names = sorted({a.alertname or "alert" for a in self.alerts}) or ["alert"]
        head = names[0] if len(names) == 1 else f"{names[0]} +{len(names) - 1}"
        if len(self.alerts) == 1:
            where = self.alerts[0].labels.get("instance") or self.alerts[0].labels.get("job")
            return f"{head} on {where}" if where else head
        extra = ", ".join(f"{k}={v}" for k, v in self.group_labels.items() if k != "alertname")
        return f"{head} ({extra})" if extra else head

    @classmethod
    def of_row(cls, row: AlertRow) -> AlertTarget:
        """One alert."""
        return cls(
            row.group_key,
            dict(row.group_labels),
            (row.alert,),
            row.severity,
            tuple(s.silence_id for s in row.acks),
        )

    @classmethod
    def of_group(cls, group: GroupRow, *, include_suppressed: bool = False) -> AlertTarget:
        """A group's alerts (active ones unless ``include_suppressed``)."""
        rows = [r for r in group.alerts if include_suppressed or r.state is AlertState.ACTIVE] or list(
            group.alerts
        )
        return cls._of_rows(rows, group.key, dict(group.labels))

    @classmethod
    def of_rows(cls, rows: Iterable[AlertRow]) -> list[AlertTarget]:
        """A multi-selection, one target per Alertmanager group (each gets its own incident)."""
        by_group: dict[str, list[AlertRow]] = {}
        for row in rows:
            by_group.setdefault(row.group_key, []).append(row)
        return [
            cls._of_rows(members, key, dict(members[0].group_labels)) for key, members in by_group.items()
        ]

    @classmethod
    def _of_rows(cls, rows: Sequence[AlertRow], fallback_key: str, labels: dict[str, str]) -> AlertTarget:
        keys = {r.group_key for r in rows}
        if len(keys) == 1:
            # A group the user made (group by label) that is one Alertmanager group keeps that
            # group's incident; one spanning several gets an incident of its own.
            key = keys.pop()
            labels = dict(rows[0].group_labels)
        else:
            key = fallback_key
        top = max(rows, key=lambda r: r.rank, default=None)
        return cls(
            key,
            labels,
            tuple(r.alert for r in rows),
            top.severity if top is not None else NONE,
            tuple(dict.fromkeys(s.silence_id for r in rows for s in r.acks)),
        )


def _key(*parts: object) -> str:
    digest = hashlib.sha256(json.dumps([str(p) for p in parts]).encode()).hexdigest()
    return digest[:24]


def ack_end(
    now: datetime, duration: str | timedelta | None, ends_at: datetime | None, default: timedelta
) -> datetime:
    """When an ack (or silence) ends; ValueError with a message fit for the dialog when the input is bad.

    ``ends_at`` wins over ``duration``; ``duration=None`` means the configured default.
    """
    if ends_at is not None:
        if ends_at.tzinfo is None:
            raise ValueError("end time needs a timezone")
        if ends_at <= now:
            raise ValueError("end time is in the past")
        return ends_at
    if duration is None:
        length = default
    elif isinstance(duration, str) and not duration.strip():
        raise ValueError("duration is empty: expected e.g. 30m, 2h or 1h30m")
    else:
        length = parse_duration(duration)
    if length <= timedelta(0):
        raise ValueError("duration must be positive: the end time would be in the past")
    return now + length


class AlertActions:
    """Ack, unack, escalate and silence changes, logged first and delivered through the outbox."""

    def __init__(
        self,
        db: Database,
        am: SilenceApi,
        *,
        settings: AlertSettings,
        user: str,
        clock: Clock,
        notifier: Notifier | None = None,
        backoff: Backoff | None = None,
        lease: timedelta = DEFAULT_LEASE,
        context: str | None = None,
    ) -> None:
        self._db = db
        self._log = IncidentLog(db, clock)
        self._outbox = Outbox(db, clock)
        self._deliverer = Deliverer(am, notifier)
        self._settings = settings
        self._clock = clock
        self._backoff = backoff or Backoff()
        self._lease = lease
        self.policy = SeverityPolicy.from_settings(settings)
        """Severity policy of ``settings``."""
        self.user = user
        """Who acts: ``createdBy`` of silences and actor of log entries."""
        self.context = context
        """Context whose Alertmanager ``am`` is: recorded on every outbox item, so only its drain sends it."""

    @property
    def log(self) -> IncidentLog:
        """The incident log the actions write to."""
        return self._log

    @property
    def outbox(self) -> Outbox:
        """The outbox the actions enqueue to."""
        return self._outbox

    def pending(self) -> list[OutboxItem]:
        """Outbox items of this context still waiting (blocking: call from a thread)."""
        return self._outbox.pending(context_scope(self.context))

    # --- plumbing ------------------------------------------------------------------------------

    def incident_key(self, group_key: str) -> str:
        """The incident log's key of an alert group: contexts share one log, so the context is part of it."""
        return f"{self.context}/{group_key}" if self.context else group_key

    def _incident(self, group_key: str, title: str, severity: str, fingerprints: Iterable[str]) -> Incident:
        return self._log.open_incident(
            title, severity, self.incident_key(group_key), fingerprints, actor=self.user
        )

    def _record(
        self,
        *,
        group_key: str,
        title: str,
        severity: str,
        fingerprints: Sequence[str],
        kind: str,
        text: str,
        data: Mapping[str, Any],
        items: Sequence[tuple[str, dict[str, Any], str]],
        status: IncidentStatus | None = None,
    ) -> tuple[int, list[tuple[OutboxItem, bool]]]:
        """Log and enqueue atomically; returns the incident id and (item, to attempt now) pairs.

        An action repeated while its earlier item is ``failed`` (given up) is retried: the item is
        put back to pending (the user fixed what made it fail, e.g. credentials) and the retry is
        logged. A done item stays done and a waiting one is not duplicated: those are not attempted.
        """
        due = self._clock.now() + self._lease  # out of the drain's reach while the first attempt runs
        with self._db.transaction():
            incident = self._incident(group_key, title, severity, fingerprints)
            existing = {key: self._outbox.find(key) for _, _, key in items}
            retried: list[str] = []
            for key, found in existing.items():
                if found is not None and found.state is OutboxState.FAILED:
                    existing[key] = self._outbox.requeue(found.id, not_before=due)
                    retried.append(key)
            fresh = [key for key, item in existing.items() if item is None]
            if fresh or retried or not items:
                line = text if fresh or not items else f"retry {text}"
                entry = {**data, "dedup_keys": fresh}
                if retried:
                    entry["retried_dedup_keys"] = retried
                self._log.append(incident.id, kind, line, self.user, entry)
                if status is not None and incident.status is not status:
                    self._log.set_status(incident.id, status, self.user)
            out = []
            for item_kind, payload, key in items:
                old = existing[key]
                if old is not None:
                    out.append((old, key in retried))
                else:
                    item = self._outbox.enqueue(
                        item_kind, payload, incident.id, dedup_key=key, not_before=due, context=self.context
                    )
                    out.append((item, True))
            return incident.id, out

    def _fail_input(
        self, target: AlertTarget | None, what: str, reason: str, *, open_incident: bool = False
    ) -> ActionResult:
        """Rejected before anything was recorded or sent (blocking: call from a thread).

        A mistyped duration or an end in the past is not an incident: it is logged in the group's
        incident when one is already open (the attempt is part of that story), and no incident is
        opened just to record it. ``open_incident`` is for attempts that are real actions whatever
        their outcome (an escalation no policy covers): those open the incident and are logged.
        """
        incident_id = None
        if target is not None:
            with self._db.transaction():
                incident = (
                    self._incident(target.group_key, target.title, target.severity, _fps(target))
                    if open_incident
                    else self._log.find_open_incident(self.incident_key(target.group_key))
                )
                if incident is not None:
                    incident_id = incident.id
                    self._log.append(
                        incident.id,
                        TimelineKind.ACTION_FAILED,
                        f"{what} rejected: {reason}",
                        self.user,
                        {"what": what},
                    )
        return ActionResult(ActionStatus.FAILED, f"{what}: {reason}", incident_id)

    async def _send(self, incident_id: int, items: list[tuple[OutboxItem, bool]], what: str) -> ActionResult:
        deliveries: list[Delivery] = []
        silence_ids: list[str] = []
        for item, fresh in items:
            if fresh:
                delivery = await attempt(
                    item,
                    deliverer=self._deliverer,
                    outbox=self._outbox,
                    log=self._log,
                    clock=self._clock,
                    backoff=self._backoff,
                    # A retried item may have reached the server before: check before re-sending.
                    first_attempt=item.last_error is None,
                )
            else:
                delivery = _delivery_of(item, what)
            deliveries.append(delivery)
            if "silence_id" in delivery.result and item.kind == CREATE_SILENCE:
                silence_ids.append(str(delivery.result["silence_id"]))
        ids = tuple(item.id for item, _ in items)
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
        return ActionResult(status, message, incident_id, tuple(silence_ids), ids)

    def _silence_item(
        self,
        matchers: Sequence[Matcher],
        starts_at: datetime,
        ends_at: datetime,
        comment: str,
        key: str,
        **extra: Any,
    ) -> tuple[str, dict[str, Any], str]:
        marker = extra.pop("marker", key)
        text = comment.strip()
        if marker_of(text) is None:
            text = f"{text} {silence_marker(marker)}".strip()
        silence = PostableSilence(
            matchers=[m.to_silence_matcher() for m in matchers],
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=self.user,
            comment=text,
            id=extra.pop("silence_id", None),
        )
        payload = {"silence": msgspec.to_builtins(silence), "marker": marker, **extra}
        return CREATE_SILENCE, payload, key

    # --- ack / unack ---------------------------------------------------------------------------

    async def ack(
        self,
        target: AlertTarget,
        *,
        duration: str | timedelta | None = None,
        ends_at: datetime | None = None,
        comment: str = "",
        until_resolved: bool | None = None,
        universe: Sequence[Alert] = (),
        request_id: str | None = None,
    ) -> ActionResult:
        """Silence exactly ``target``'s alerts until ``ends_at`` or for ``duration`` (default from config).

        ``universe`` is every alert of the poll: the silence is checked to select none of the
        others. ``until_resolved`` (default from config) makes the app extend the silence while
        the alerts fire.
        """
        now = self._clock.now()
        ack_settings = self._settings.ack
        keep = ack_settings.until_resolved if until_resolved is None else until_resolved
        try:
            if not target.alerts:
                raise ValueError("nothing to ack")
            if keep and duration is None and ends_at is None:
                end = now + ack_settings.until_resolved_step
            else:
                end = ack_end(now, duration, ends_at, ack_settings.default_duration)
        except ValueError as exc:
            return await asyncio.to_thread(self._fail_input, target, "ack", str(exc))
        plan = ack_matchers_for_group(list(target.alerts), list(universe) or None)
        fps = _fps(target)
        base = _key("ack", target.group_key, fps, end.isoformat(), self.user, request_id or now.isoformat())
        prefix = UNTIL_RESOLVED_PREFIX if keep else "ack-"
        note = comment.strip() or f"acked by {self.user}"
        items = []
        for i, matchers in enumerate(plan.silences):
            key = f"{prefix}{base}" + (f"-{i}" if len(plan.silences) > 1 else "")
            items.append(
                self._silence_item(
                    matchers, now, end, note, key, purpose="ack", fingerprints=fps, until_resolved=keep
                )
            )
        until = "until resolved" if keep else f"until {end.isoformat(timespec='minutes')}"
        text = f"ack {target.title} ({len(fps)} alert{'s' if len(fps) != 1 else ''}) {until}: {note}"
        data = {
            "fingerprints": fps,
            "ends_at": end.isoformat(),
            "comment": note,
            "until_resolved": keep,
            "matchers": [format_matchers(ms) for ms in plan.silences],
        }
        incident_id, recorded = await asyncio.to_thread(
            lambda: self._record(
                group_key=target.group_key,
                title=target.title,
                severity=target.severity,
                fingerprints=fps,
                kind=TimelineKind.ACK,
                text=text,
                data=data,
                items=items,
                status=IncidentStatus.ACKNOWLEDGED,
            )
        )
        return await self._send(incident_id, recorded, "ack")

    async def ack_many(self, targets: Sequence[AlertTarget], **options: Any) -> list[ActionResult]:
        """Ack a multi-selection (see :meth:`AlertTarget.of_rows`): one ack per group, same options."""
        return [await self.ack(target, **options) for target in targets]

    async def unack(
        self, target: AlertTarget, silence_ids: Sequence[str] | None = None, *, comment: str = ""
    ) -> ActionResult:
        """Expire the app's ack silences of ``target`` (``silence_ids``, default ``target.ack_ids``)."""
        ids = list(dict.fromkeys(silence_ids if silence_ids is not None else target.ack_ids))
        if not ids:
            return await asyncio.to_thread(
                self._fail_input, target, "unack", "no ack by oncall-tui covers it"
            )
        fps = _fps(target)
        items = [
            (EXPIRE_SILENCE, {"silence_id": sid, "purpose": "unack", "fingerprints": fps}, f"unack-{sid}")
            for sid in ids
        ]
        text = f"unack {target.title}: expire silence {', '.join(ids)}" + (f": {comment}" if comment else "")
        incident_id, recorded = await asyncio.to_thread(
            lambda: self._record(
                group_key=target.group_key,
                title=target.title,
                severity=target.severity,
                fingerprints=fps,
                kind=TimelineKind.UNACK,
                text=text,
                data={"silence_ids": ids, "fingerprints": fps},
                items=items,
                status=IncidentStatus.TRIGGERED,
            )
        )
        return await self._send(incident_id, recorded, "unack")

    # --- escalation ----------------------------------------------------------------------------

    async def escalate(
        self,
        target: AlertTarget,
        *,
        reason: str = "",
        automatic: bool = False,
        expected_level: int | None = None,
    ) -> ActionResult:
        """Move the group's incident to the next level of its policy and notify that level's targets.

        ``expected_level``: only escalate if the incident is still at that step (automatic
        escalation passes what it decided on, so a concurrent escalation is not doubled).
        """
        chosen = select_policy(self._settings, target.alerts)
        if chosen is None:
            # The engineer asked for an escalation: that attempt is logged even though it cannot happen.
            return await asyncio.to_thread(
                lambda: self._fail_input(
                    target, "escalate", "no escalation policy applies to these alerts", open_incident=True
                )
            )
        policy_name, policy = chosen
        actor = APP_ACTOR if automatic else self.user
        now = self._clock.now()

        def record() -> tuple[int, list[tuple[OutboxItem, bool]], str] | ActionResult:
            with self._db.transaction():
                incident = self._incident(target.group_key, target.title, target.severity, _fps(target))
                current = self._log.get(incident.id).escalation_level
                if expected_level is not None and current != expected_level:
                    return ActionResult(
                        ActionStatus.DONE, f"already escalated to step {current + 1}", incident.id
                    )
                to = current + 1
                if to >= policy.steps():
                    self._log.append(
                        incident.id,
                        TimelineKind.ACTION_FAILED,
                        f"escalate rejected: already at the last level of {policy_name}",
                        actor,
                    )
                    return ActionResult(
                        ActionStatus.FAILED,
                        f"escalate: already at the last level of {policy_name}",
                        incident.id,
                    )
                level = policy.level_at(to)
                line = f"escalated to {level.name} (step {to + 1} of {policy.steps()}, policy {policy_name})"
                if automatic:
                    line += ": not acknowledged in time"
                if reason:
                    line += f": {reason}"
                notification = Notification(
                    incident_id=incident.id,
                    incident_title=incident.title,
                    severity=target.severity,
                    level_index=to,
                    level_name=level.name,
                    policy=policy_name,
                    group_key=target.group_key,
                    group_labels=dict(target.group_labels),
                    alerts=[
                        NotifiedAlert(
                            a.fingerprint, dict(a.labels), dict(a.annotations), a.starts_at, a.generator_url
                        )
                        for a in target.alerts
                    ],
                    sender=actor,
                    text=line,
                    sent_at=now,
                    incident_key=self.incident_key(target.group_key),
                )
                self._log.set_escalation_level(
                    incident.id,
                    to,
                    actor,
                    line,
                    {
                        "policy": policy_name,
                        "level": level.name,
                        "targets": level.targets,
                        "automatic": automatic,
                    },
                )
                out = []
                for name in level.targets:
                    key = f"notify-{incident.id}-{to}-{name}"
                    payload = {
                        "target": name,
                        "notification": notification.to_payload(),
                        "purpose": "escalate",
                        "fingerprints": _fps(target),
                    }
                    existing = self._outbox.find(key)
                    if existing is not None:
                        out.append((existing, False))
                    else:
                        item = self._outbox.enqueue(
                            NOTIFY,
                            payload,
                            incident.id,
                            dedup_key=key,
                            not_before=now + self._lease,
                            context=self.context,  # for the record: any context's drain sends it
                        )
                        out.append((item, True))
                return incident.id, out, level.name

        recorded = await asyncio.to_thread(record)
        if isinstance(recorded, ActionResult):
            return recorded
        incident_id, items, level_name = recorded
        return await self._send(incident_id, items, f"escalate to {level_name}")

    def escalation_states(self, group_keys: Iterable[str]) -> dict[str, EscalationState]:
        """Escalation state of each group with an open incident, in one query (blocking: call from a thread).

        Thread-safe: the database connection is serialised by its own lock.
        """
        by_incident_key = {self.incident_key(key): key for key in group_keys}
        keys = list(by_incident_key)
        if not keys:
            return {}
        # One statement whatever the number of groups: the keys go in as one JSON array
        # (no per-group round trip, no limit on bound parameters). reached_at is the time
        # of the incident's last escalate entry.
        rows = self._db.query(
            "SELECT i.id, i.group_key, i.status, i.escalation_level, i.updated_at,"
            " (SELECT t.at FROM timeline t WHERE t.incident_id = i.id AND t.kind = ?"
            "  ORDER BY t.id DESC LIMIT 1) AS escalated_at"
            " FROM incidents i WHERE i.status != 'resolved'"
            " AND i.group_key IN (SELECT value FROM json_each(?))",
            (TimelineKind.ESCALATE.value, json.dumps(keys)),
        )
        states: dict[str, EscalationState] = {}
        for row in rows:
            level = int(row["escalation_level"])
            reached_at = None
            if level > 0:
                reached_at = from_db_time(row["escalated_at"] or row["updated_at"])
            status = IncidentStatus(row["status"])
            states[by_incident_key[str(row["group_key"])]] = EscalationState(
                int(row["id"]),
                level,
                reached_at,
                status in (IncidentStatus.ACKNOWLEDGED, IncidentStatus.MITIGATED),
            )
        return states

    def find_due_escalations(
        self, groups: Iterable[GroupRow], now: datetime | None = None
    ) -> list[DueEscalation]:
        """Automatic escalations due among ``groups`` (Alertmanager groups of active alerts).

        Blocking and thread-safe (one query, then pure code over immutable rows): call it from a
        worker thread, so a 10,000-alert poll never holds up the event loop.
        """
        top = len(self.policy.order)
        # Only groups that can escalate by themselves need their incident looked up.
        candidates = [g for g in groups if escalates_by_itself(g, top)]
        if not candidates:
            return []
        states = self.escalation_states(g.key for g in candidates)
        return due_escalations(candidates, states, self._settings, now or self._clock.now(), top)

    def _groups(
        self, snapshot: QueueSnapshot | None, groups: Iterable[GroupRow] | None
    ) -> Sequence[GroupRow]:
        """Groups of the call (in a thread): ``groups`` as given, else the snapshot's Alertmanager groups."""
        if groups is not None:
            return list(groups)
        if snapshot is None:
            raise TypeError("give a snapshot or its groups")
        return snapshot.view(QueueOptions()).groups

    async def due_escalations(
        self, snapshot: QueueSnapshot | None = None, *, groups: Iterable[GroupRow] | None = None
    ) -> list[DueEscalation]:
        """Automatic escalations due now for a poll: its ``snapshot``, or its Alertmanager ``groups``
        of active alerts when already built. Computed in a worker thread."""
        chosen = tuple(groups) if groups is not None else None
        return await asyncio.to_thread(lambda: self.find_due_escalations(self._groups(snapshot, chosen)))

    async def countdowns(self, snapshot: QueueSnapshot) -> dict[str, timedelta]:
        """Per Alertmanager group key: time left before it escalates by itself (negative = due now).

        Groups that will not escalate by themselves (acked, no active critical alert, no policy,
        last level reached) are absent. Rows find theirs through ``AlertRow.group_key``.
        """

        def compute() -> dict[str, timedelta]:
            top = len(self.policy.order)
            groups = [g for g in self._groups(snapshot, None) if escalates_by_itself(g, top)]
            states = self.escalation_states(g.key for g in groups)
            now = self._clock.now()
            out: dict[str, timedelta] = {}
            for group in groups:
                chosen = select_policy(self._settings, (r.alert for r in group.alerts))
                if chosen is None:
                    continue
                left = escalation_countdown(group, states.get(group.key), chosen[1], now, top)
                if left is not None:
                    out[group.key] = left
            return out

        return await asyncio.to_thread(compute)

    async def auto_escalate(
        self, snapshot: QueueSnapshot | None = None, *, groups: Iterable[GroupRow] | None = None
    ) -> list[ActionResult]:
        """Perform the automatic escalations that are due (after each poll; see :meth:`due_escalations`)."""
        results = []
        for due in await self.due_escalations(snapshot, groups=groups):
            target = AlertTarget.of_group(due.group)
            results.append(await self.escalate(target, automatic=True, expected_level=due.from_level))
        return results

    # --- silences ------------------------------------------------------------------------------

    def _silence_target(
        self, matchers: Sequence[Matcher], target: AlertTarget | None
    ) -> tuple[str, str, str]:
        if target is not None:
            return target.group_key, target.title, target.severity
        text = format_matchers(matchers)
        return f"silence:{text}", f"silence {text}", NONE

    async def _change_silence(
        self,
        matchers: Sequence[Matcher],
        target: AlertTarget | None,
        item: tuple[str, dict[str, Any], str],
        *,
        text: str,
        data: Mapping[str, Any],
        what: str,
    ) -> ActionResult:
        """Log a silence change (on the target's incident, else one keyed by the matchers), then send it."""
        group_key, title, severity = self._silence_target(matchers, target)
        incident_id, recorded = await asyncio.to_thread(
            lambda: self._record(
                group_key=group_key,
                title=title,
                severity=severity,
                fingerprints=_fps(target) if target else [],
                kind=TimelineKind.SILENCE,
                text=text,
                data=data,
                items=[item],
            )
        )
        return await self._send(incident_id, recorded, what)

    async def create_silence(
        self,
        matchers: str | Sequence[Matcher],
        *,
        duration: str | timedelta | None = None,
        ends_at: datetime | None = None,
        comment: str = "",
        target: AlertTarget | None = None,
        request_id: str | None = None,
        starts_at: datetime | None = None,
    ) -> ActionResult:
        """A silence from typed matchers (``name="v", other=~"x|y"``), from ``starts_at`` (default now)."""
        now = self._clock.now()
        start = max(starts_at, now) if starts_at is not None else now
        try:
            parsed = parse_matchers(matchers) if isinstance(matchers, str) else list(matchers)
            validate_silence_matchers(parsed)
            end = ack_end(start, duration, ends_at, self._settings.ack.default_duration)
        except (ValueError, OncallError) as exc:
            return await asyncio.to_thread(self._fail_input, target, "silence", str(exc))
        note = comment.strip() or f"silenced by {self.user}"
        key = "sil-" + _key(
            "silence", format_matchers(parsed), end.isoformat(), self.user, request_id or now.isoformat()
        )
        item = self._silence_item(parsed, start, end, note, key, purpose="silence")
        begins = f" from {start.isoformat(timespec='minutes')}" if start > now else ""
        return await self._change_silence(
            parsed,
            target,
            item,
            text=f"silence {format_matchers(parsed)}{begins} until {end.isoformat(timespec='minutes')}"
            f": {note}",
            data={"matchers": format_matchers(parsed), "ends_at": end.isoformat(), "comment": note},
            what="silence",
        )

    async def extend_silence(
        self,
        silence: Silence,
        *,
        duration: str | timedelta | None = None,
        ends_at: datetime | None = None,
        target: AlertTarget | None = None,
        dedup_key: str | None = None,
        automatic: bool = False,
    ) -> ActionResult:
        """Move a silence's end to ``ends_at`` or ``now + duration``. Alertmanager may answer a new id."""
        now = self._clock.now()
        matchers = [Matcher.from_silence(m) for m in silence.matchers]
        try:
            if silence.status.state == "expired":
                raise ValueError(f"silence {silence.id} has expired; create a new one")
            end = ack_end(now, duration, ends_at, self._settings.ack.default_duration)
        except ValueError as exc:
            return await asyncio.to_thread(self._fail_input, target, "extend", str(exc))
        key = dedup_key or "ext-" + _key("extend", silence.id, silence.ends_at.isoformat(), end.isoformat())
        marker = marker_of(silence.comment) or key
        item = self._silence_item(
            matchers,
            silence.starts_at,
            end,
            silence.comment,
            key,
            marker=marker,
            silence_id=silence.id,
            purpose="extend silence",
            replaces=silence.id,
        )
        actor_note = " (ack until resolved)" if automatic else ""
        return await self._change_silence(
            matchers,
            target,
            item,
            text=f"extend silence {silence.id} until {end.isoformat(timespec='minutes')}{actor_note}",
            data={"silence_id": silence.id, "ends_at": end.isoformat(), "automatic": automatic},
            what="extend",
        )

    async def expire_silence(self, silence: Silence, *, target: AlertTarget | None = None) -> ActionResult:
        """Expire a silence now."""
        matchers = [Matcher.from_silence(m) for m in silence.matchers]
        if silence.status.state == "expired":
            return await asyncio.to_thread(
                self._fail_input, target, "expire", f"silence {silence.id} already expired"
            )
        item = (EXPIRE_SILENCE, {"silence_id": silence.id, "purpose": "expire"}, f"expire-{silence.id}")
        return await self._change_silence(
            matchers,
            target,
            item,
            text=f"expire silence {silence.id} {format_matchers(matchers)}",
            data={"silence_id": silence.id},
            what="expire",
        )


def _fps(target: AlertTarget) -> list[str]:
    return [a.fingerprint for a in target.alerts]


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
    "UNTIL_RESOLVED_PREFIX",
    "ActionResult",
    "ActionStatus",
    "AlertActions",
    "AlertTarget",
    "ack_end",
]
