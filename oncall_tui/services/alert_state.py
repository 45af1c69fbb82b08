"""The alert session's state: what one poll brings, and the frozen state the alert screens render."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from oncall_tui.domain.alert_queue import GroupRow, QueueOptions, QueueSnapshot, QueueView, prepare
from oncall_tui.domain.escalation import EscalationState
from oncall_tui.domain.resolved_alerts import ResolvedAlert, track_resolved
from oncall_tui.domain.severity import SeverityPolicy
from oncall_tui.models.alertmanager import AlertGroup, Silence
from oncall_tui.models.incident import OutboxItem
from oncall_tui.services.outbox_drain import CREATE_SILENCE, EXPIRE_SILENCE

NEW_FOR = timedelta(minutes=2)
"""How long a newly arrived alert stays highlighted."""
BIG_POLL = 2000
"""From this many alerts a poll is big: its long-lived objects go out of the collector's sight."""


@dataclass(frozen=True, slots=True)
class AlertPoll:
    """One poll of the Alertmanager cluster, prepared for the queue."""

    snapshot: QueueSnapshot
    """Every unique alert, ranked and grouped."""
    am_groups: Mapping[str, GroupRow]
    """Alertmanager groups of the active alerts, by key (what escalates by itself)."""
    default_view: QueueView
    """The queue as the screen first shows it (:func:`default_options`), built in the thread."""
    silences: tuple[Silence, ...]
    """Every silence the peers know (active, pending and expired)."""
    peer_problems: tuple[str, ...]
    """``url: reason`` of each peer that did not answer (the others' alerts are still shown)."""
    changes: PollChanges
    """What changed since the poll before it (computed in the thread too)."""


@dataclass(frozen=True, slots=True)
class PollChanges:
    """What a poll changed since the one on screen: each walks every alert, so it is worked out in
    the poll's thread, not on the event loop where a keystroke would wait for it."""

    at: datetime
    """When the poll was taken."""
    first_seen: Mapping[str, datetime]
    """The state's ``first_seen`` after this poll."""
    resolved: Mapping[str, ResolvedAlert]
    """The state's ``resolved`` after this poll."""
    just_resolved: list[ResolvedAlert]
    """Alerts that stopped firing with this poll."""
    new_critical: bool
    """A new active alert of the highest severity arrived (rings the bell)."""


def poll_changes(before: AlertFeedState, snapshot: QueueSnapshot, now: datetime) -> PollChanges:
    """Compare ``snapshot`` with the poll of ``before`` (the state when the poll started)."""
    previous = before.snapshot
    fingerprints = snapshot.fingerprints
    first_seen = {
        fp: seen for fp, seen in before.first_seen.items() if fp in fingerprints and now - seen < NEW_FOR
    }
    new = snapshot.new_since(previous)
    for fp in new:
        first_seen[fp] = now
    pairs = ((r.alert, r.group_key) for r in previous.rows) if previous is not None else ()
    resolved, just_resolved = track_resolved(before.resolved, pairs, fingerprints, now)
    critical = bool(snapshot.new_critical(previous, new=new))
    return PollChanges(now, first_seen, resolved, just_resolved, critical)


@dataclass(frozen=True, slots=True)
class AlertFeedState:
    """What the alert screens render; replaced wholesale, never mutated."""

    snapshot: QueueSnapshot | None = None
    """Latest good poll (kept when a later poll fails)."""
    am_groups: Mapping[str, GroupRow] = field(default_factory=dict)
    """Alertmanager groups of the active alerts of that poll, by key."""
    default_view: QueueView | None = None
    """The view of ``snapshot`` with :func:`default_options`, computed off the event loop."""
    silences: tuple[Silence, ...] = ()
    """Silences of the latest good poll."""
    fetched_at: datetime | None = None
    """When the latest good poll finished."""
    error: str | None = None
    """Why the latest poll failed (the data shown is then stale); None when it worked."""
    peer_problems: tuple[str, ...] = ()
    """Peers that did not answer the latest poll."""
    first_seen: Mapping[str, datetime] = field(default_factory=dict)
    """Fingerprint -> when the alert first appeared, for alerts that arrived after the first poll."""
    escalations: Mapping[str, EscalationState] = field(default_factory=dict)
    """Escalation state per group key with an open incident."""
    pending: tuple[OutboxItem, ...] = ()
    """Outbox items still waiting to be delivered (retried by the drain)."""
    inflight: Mapping[str, str] = field(default_factory=dict)
    """Fingerprint (or silence id) -> name of the action whose first attempt is running."""
    store_error: str | None = None
    """Why the incident log could not be opened (actions are then disabled)."""
    configured: bool = True
    """The context has an Alertmanager."""
    generation: int = 0
    """Bumped on every poll, so screens can tell a new poll from a state change."""
    resolved: Mapping[str, ResolvedAlert] = field(default_factory=dict)
    """Fingerprint -> alerts that stopped firing in the last hour (until they fire again)."""

    def is_new(self, fingerprint: str, now: datetime) -> bool:
        """The alert arrived recently enough to be highlighted."""
        if not self.first_seen:
            return False
        seen = self.first_seen.get(fingerprint)
        return seen is not None and now - seen < NEW_FOR

    def pending_for(self, fingerprint: str, silence_ids: Sequence[str] = ()) -> str | None:
        """Name of an action on this alert that is not delivered yet (in flight or in the outbox)."""
        if not self.inflight and not self.pending:
            return None
        name = self.inflight.get(fingerprint)
        if name is not None:
            return name
        for sid in silence_ids:
            if sid in self.inflight:
                return self.inflight[sid]
        for item in self.pending:
            payload = item.payload
            if item.kind == CREATE_SILENCE and fingerprint in payload.get("fingerprints", ()):
                return str(payload.get("purpose", "ack"))
            if item.kind == EXPIRE_SILENCE and payload.get("silence_id") in silence_ids:
                return str(payload.get("purpose", "unack"))
        return None


def default_options(group_by: str | None) -> QueueOptions:
    """What the Alerts screen shows first: active alerts and the app's own acks, configured grouping.

    "Active" keeps the app's own acks in the queue (marked with who, age and time left): the
    engineer sees what they took; other people's silences are one key (t) away.
    """
    return QueueOptions(group_by=group_by, include_acked=True)


def prepare_poll(
    groups: list[AlertGroup],
    policy: SeverityPolicy,
    silences: list[Silence],
    group_by: str | None,
    previous: QueueSnapshot | None = None,
) -> tuple[QueueSnapshot, dict[str, GroupRow], QueueView]:
    """Everything a poll needs before the table diff, run in a thread.

    ``previous`` is the poll on screen: if it has search haystacks (someone filters by free text),
    this poll builds its own here, off the event loop, reusing those of alerts that did not change.
    """
    snapshot = prepare(groups, policy, silences=silences, previous=previous)
    snapshot.warm(previous)
    am_groups = {g.key: g for g in snapshot.view(QueueOptions()).groups}
    default_view = snapshot.view(default_options(group_by))
    default_view.warm()
    return snapshot, am_groups, default_view
