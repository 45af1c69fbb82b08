"""Escalation: move a group's incident to the next level of its policy and notify that level.

Manual (the engineer asks) or automatic (after each poll, for groups nobody acknowledged in
time, see :mod:`oncall_tui.domain.escalation`). Notifications go through the outbox like every
remote action; notifiers are app-wide, so any context's drain delivers them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import datetime

from oncall_tui.clients.notify import Notification, NotifiedAlert
from oncall_tui.config.alerting import AlertSettings
from oncall_tui.domain.alert_queue import QueueOptions, QueueSnapshot
from oncall_tui.domain.alert_rows import GroupRow
from oncall_tui.domain.escalation import (
    DueEscalation,
    EscalationState,
    due_escalations,
    escalates_by_itself,
    next_level,
    select_policy,
)
from oncall_tui.domain.severity import SeverityPolicy
from oncall_tui.models.incident import OutboxItem, TimelineKind
from oncall_tui.services.action_engine import (
    ActionEngine,
    ActionResult,
    ActionStatus,
    OutboxRequest,
    Recorded,
)
from oncall_tui.services.alert_target import AlertTarget
from oncall_tui.services.outbox_drain import NOTIFY
from oncall_tui.store.incidents import APP_ACTOR


class Escalations:
    """Manual and automatic escalation through an :class:`ActionEngine`."""

    def __init__(self, engine: ActionEngine, settings: AlertSettings, policy: SeverityPolicy) -> None:
        self._engine = engine
        self._settings = settings
        self._policy = policy

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
        engine = self._engine
        chosen = select_policy(self._settings, target.alerts)
        if chosen is None:
            # The engineer asked for an escalation: that attempt is logged even though it cannot happen.
            return await engine.reject(
                target.subject(),
                "escalate",
                "no escalation policy applies to these alerts",
                open_incident=True,
            )
        policy_name, policy = chosen
        actor = APP_ACTOR if automatic else engine.user
        now = engine.clock.now()
        log = engine.log

        def record() -> tuple[Recorded, str] | ActionResult:
            with engine.db.transaction():
                incident = engine.open_incident(target.subject())
                current = log.get(incident.id).escalation_level
                if expected_level is not None and current != expected_level:
                    return ActionResult(
                        ActionStatus.DONE, f"already escalated to step {current + 1}", incident.id
                    )
                following = next_level(policy, current)
                if following is None:
                    log.append(
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
                to, level = following
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
                    incident_key=engine.incident_key(target.group_key),
                )
                log.set_escalation_level(
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
                fps = list(target.fingerprints)
                requests = [
                    OutboxRequest(
                        NOTIFY,
                        {
                            "target": name,
                            "notification": notification.to_payload(),
                            "purpose": "escalate",
                            "fingerprints": fps,
                        },
                        f"notify-{incident.id}-{to}-{name}",
                    )
                    for name in level.targets
                ]
                # Recorded with the context for the record: any context's drain sends notifications.
                items: list[tuple[OutboxItem, bool]] = engine.enqueue(incident.id, requests)
                return Recorded(incident.id, tuple(items)), level.name

        recorded = await asyncio.to_thread(record)
        if isinstance(recorded, ActionResult):
            return recorded
        done, level_name = recorded
        return await engine.send(done, f"escalate to {level_name}")

    def escalation_states(self, group_keys: Iterable[str]) -> dict[str, EscalationState]:
        """Escalation state of each group with an open incident, in one query (blocking: from a thread)."""
        by_incident_key = {self._engine.incident_key(key): key for key in group_keys}
        states = self._engine.log.escalation_states(by_incident_key)
        return {by_incident_key[key]: state for key, state in states.items()}

    def find_due_escalations(
        self, groups: Iterable[GroupRow], now: datetime | None = None
    ) -> list[DueEscalation]:
        """Automatic escalations due among ``groups`` (Alertmanager groups of active alerts).

        Blocking and thread-safe (one query, then pure code over immutable rows): call it from a
        worker thread, so a 10,000-alert poll never holds up the event loop.
        """
        top = len(self._policy.order)
        # Only groups that can escalate by themselves need their incident looked up.
        candidates = [g for g in groups if escalates_by_itself(g, top)]
        if not candidates:
            return []
        states = self.escalation_states(g.key for g in candidates)
        return due_escalations(candidates, states, self._settings, now or self._engine.clock.now(), top)

    async def due_escalations(
        self, snapshot: QueueSnapshot | None = None, *, groups: Iterable[GroupRow] | None = None
    ) -> list[DueEscalation]:
        """Automatic escalations due now for a poll: its ``snapshot``, or its Alertmanager ``groups``
        of active alerts when already built. Computed in a worker thread."""
        chosen = tuple(groups) if groups is not None else None
        return await asyncio.to_thread(lambda: self.find_due_escalations(_groups(snapshot, chosen)))

    async def auto_escalate(
        self, snapshot: QueueSnapshot | None = None, *, groups: Iterable[GroupRow] | None = None
    ) -> list[ActionResult]:
        """Perform the automatic escalations that are due (after each poll; see :meth:`due_escalations`)."""
        results = []
        for due in await self.due_escalations(snapshot, groups=groups):
            target = AlertTarget.of_group(due.group)
            results.append(await self.escalate(target, automatic=True, expected_level=due.from_level))
        return results


def _groups(snapshot: QueueSnapshot | None, groups: Iterable[GroupRow] | None) -> Sequence[GroupRow]:
    """Groups of the call (in a thread): ``groups`` as given, else the snapshot's Alertmanager groups."""
    if groups is not None:
        return list(groups)
    if snapshot is None:
        raise TypeError("give a snapshot or its groups")
    return snapshot.view(QueueOptions()).groups


__all__ = ["Escalations"]
